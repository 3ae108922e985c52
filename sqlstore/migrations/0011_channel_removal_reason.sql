-- Removing a phone, email or WeChat ID from a contact needs a reason,
-- kept beside the removed channel until it is put back.
ALTER TABLE contact_channels ADD COLUMN removed_reason TEXT NOT NULL DEFAULT '';
