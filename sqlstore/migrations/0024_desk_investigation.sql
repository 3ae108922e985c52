-- A ticket's investigation: what was found, the root cause, how it was
-- resolved, and any compensation to the merchant with who approved it.
CREATE TABLE ticket_investigations (
    ticket_id        BIGINT PRIMARY KEY REFERENCES tickets (id),
    findings         TEXT NOT NULL DEFAULT '',
    cause            TEXT NOT NULL DEFAULT '',
    result           TEXT NOT NULL DEFAULT '',
    compensation_fen BIGINT NOT NULL DEFAULT 0,
    approved_by      BIGINT REFERENCES users (id),
    approved_at      BIGINT,
    updated_by       BIGINT REFERENCES users (id),
    updated_at       BIGINT NOT NULL
);
CREATE INDEX ticket_investigations_cause ON ticket_investigations (cause);
