-- The service desk: merchants' tickets (complaints, repair requests,
-- questions, fee disputes, "cannot reach my contact"), each with its
-- history of messages and steps, the service-level policies they are held
-- to, the state of each ticket's three clocks, and the days an
-- administrator decided on the working calendar.
CREATE TABLE sla_policies (
    id               {{PK}},
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL DEFAULT '',
    priority         TEXT NOT NULL DEFAULT '',
    team_id          BIGINT REFERENCES teams (id),
    merchant_id      BIGINT REFERENCES merchants (id),
    first_response_s BIGINT NOT NULL DEFAULT 0,
    update_s         BIGINT NOT NULL DEFAULT 0,
    resolution_s     BIGINT NOT NULL DEFAULT 0,
    business_hours   BOOLEAN NOT NULL DEFAULT TRUE,
    warn_at_pct      INTEGER NOT NULL DEFAULT 80,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    archived_at      BIGINT
);
CREATE TABLE tickets (
    id            {{PK}},
    kind          TEXT NOT NULL,
    priority      TEXT NOT NULL,
    status        TEXT NOT NULL,
    channel       TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    merchant_id   BIGINT NOT NULL REFERENCES merchants (id),
    terminal_id   BIGINT REFERENCES terminals (id),
    team_id       BIGINT REFERENCES teams (id),
    assignee_id   BIGINT REFERENCES users (id),
    about_user_id BIGINT REFERENCES users (id),
    tags          TEXT NOT NULL DEFAULT '',
    policy_id     BIGINT REFERENCES sla_policies (id),
    opened_by     BIGINT REFERENCES users (id), -- NULL: the system
    merged_into   BIGINT REFERENCES tickets (id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    resolved_at   BIGINT,
    closed_at     BIGINT
);
CREATE INDEX tickets_team_queue ON tickets (team_id, status, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status, id);
CREATE INDEX tickets_merchant ON tickets (merchant_id, id);
CREATE INDEX tickets_about ON tickets (about_user_id) WHERE about_user_id IS NOT NULL;
-- A ticket's history: the merchant's messages, staff replies (public) and
-- notes (internal), and each step, with a catalog message for the line the
-- timeline shows.
CREATE TABLE ticket_events (
    id         {{PK}},
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
    at         BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT '',
    actor_id   BIGINT REFERENCES users (id),
    channel    TEXT NOT NULL DEFAULT '',
    public     BOOLEAN NOT NULL DEFAULT FALSE,
    body       TEXT NOT NULL DEFAULT '',
    msg        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at, id);
-- Where each clock of an open ticket stands, kept as its history is
-- replayed after every step; next_rung_at is when its next escalation is
-- due, so the sweep reads only the clocks that are due.
CREATE TABLE ticket_clocks (
    ticket_id    BIGINT NOT NULL REFERENCES tickets (id),
    clock        TEXT NOT NULL,
    target_s     BIGINT NOT NULL,
    started_at   BIGINT NOT NULL,
    used_s       BIGINT NOT NULL DEFAULT 0,
    paused_s     BIGINT NOT NULL DEFAULT 0,
    running      BOOLEAN NOT NULL DEFAULT FALSE,
    waiting      BOOLEAN NOT NULL DEFAULT FALSE,
    due_at       BIGINT,
    warn_at      BIGINT,
    met_at       BIGINT,
    breached_at  BIGINT,
    next_rung    TEXT NOT NULL DEFAULT '',
    next_rung_at BIGINT,
    PRIMARY KEY (ticket_id, clock)
);
CREATE INDEX ticket_clocks_due ON ticket_clocks (next_rung_at) WHERE next_rung_at IS NOT NULL;
CREATE INDEX ticket_clocks_breached ON ticket_clocks (clock, breached_at) WHERE breached_at IS NOT NULL;
-- Days an administrator decided on the working calendar, over the
-- holiday table: a holiday worked, a day closed, shorter hours.
CREATE TABLE calendar_days (
    day        TEXT PRIMARY KEY,
    working    BOOLEAN NOT NULL,
    hours      TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    updated_by BIGINT REFERENCES users (id),
    updated_at BIGINT NOT NULL
);
