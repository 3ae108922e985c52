-- The service desk by mail: where a ticket's replies go (the address it
-- came from), each mail's Message-ID in the history (so a reply threads
-- by In-Reply-To or References, and a mail fetched twice is taken once),
-- the attachments kept, and every mail taken in with what became of it.
ALTER TABLE tickets ADD COLUMN reply_channel TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN reply_address TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN reply_lang TEXT NOT NULL DEFAULT 'zh';
ALTER TABLE ticket_events ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
CREATE INDEX ticket_events_message ON ticket_events (message_id) WHERE message_id <> '';
CREATE TABLE ticket_attachments (
    id           INTEGER PRIMARY KEY,
    ticket_id    BIGINT NOT NULL REFERENCES tickets (id),
    event_id     BIGINT NOT NULL REFERENCES ticket_events (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id);
CREATE TABLE inbound_mail (
    id           INTEGER PRIMARY KEY,
    message_id   TEXT NOT NULL,
    from_address TEXT NOT NULL,
    subject      TEXT NOT NULL,
    outcome      TEXT NOT NULL, -- ticket, reply, duplicate, ignored, unmatched
    ticket_id    BIGINT REFERENCES tickets (id),
    received_at  BIGINT NOT NULL
);
CREATE INDEX inbound_mail_outcome ON inbound_mail (outcome, id);
