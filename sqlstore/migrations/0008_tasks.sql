-- Tasks and follow-ups for staff: verify a merchant's contact details,
-- call back a merchant. The playbook hands open tasks over with the rest.
CREATE TABLE tasks (
    id          {{PK}},
    dedupe_key  TEXT NOT NULL,
    kind        TEXT NOT NULL, -- verify_contact, follow_up
    user_id     BIGINT NOT NULL REFERENCES users (id),
    merchant_id BIGINT REFERENCES merchants (id),
    contact_id  BIGINT REFERENCES contacts (id),
    title       TEXT NOT NULL,
    due_at      BIGINT NOT NULL,
    done_at     BIGINT,
    done_by     BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX tasks_dedupe_uq ON tasks (dedupe_key);
CREATE INDEX tasks_user_open ON tasks (user_id, done_at);
