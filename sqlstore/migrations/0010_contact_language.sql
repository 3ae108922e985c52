-- The language a contact reads (zh or en): notices to the merchant are
-- written in it. Messages of an incident are listed by status.
ALTER TABLE contacts ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh';
CREATE INDEX outbox_incident ON outbox (incident_id, status);
