-- The emergency playbook: incidents with checklist and timeline, the record
-- of everything handed over (so it can be returned), and the outbox of
-- notifications that a worker sends.

CREATE TABLE incidents (
    id          {{PK}},
    kind        TEXT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    reason      TEXT NOT NULL,
    strategy    TEXT NOT NULL,
    opened_by   BIGINT NOT NULL,
    opened_at   BIGINT NOT NULL,
    closed_at   BIGINT,
    checklist   TEXT NOT NULL,
    handed_over TEXT NOT NULL,
    risk_report TEXT NOT NULL
);
CREATE INDEX incidents_user ON incidents (user_id);

CREATE TABLE incident_events (
    id          {{PK}},
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    at          BIGINT NOT NULL,
    by_id       BIGINT NOT NULL,
    text_zh     TEXT NOT NULL,
    text_en     TEXT NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

CREATE TABLE handovers (
    id          {{PK}},
    incident_id BIGINT NOT NULL REFERENCES incidents (id),
    kind        TEXT NOT NULL, -- merchant, backup, stage, staff_backup
    record_id   BIGINT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    from_user   BIGINT NOT NULL,
    to_user     BIGINT,
    at          BIGINT NOT NULL
);
CREATE INDEX handovers_incident ON handovers (incident_id, kind);

CREATE TABLE outbox (
    id              {{PK}},
    dedupe_key      TEXT NOT NULL,
    merchant_id     BIGINT,
    incident_id     BIGINT,
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL,
    lang            TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL, -- queued, sent, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE UNIQUE INDEX outbox_dedupe_uq ON outbox (dedupe_key);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_merchant ON outbox (merchant_id);
