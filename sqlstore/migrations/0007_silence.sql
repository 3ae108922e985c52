-- Detecting silence: failed attempts by colleagues to reach a staff member.
CREATE TABLE contact_attempts (
    id         {{PK}},
    user_id    BIGINT NOT NULL REFERENCES users (id),
    by_id      BIGINT NOT NULL,
    outcome    TEXT NOT NULL, -- no_answer, disconnected, blocked
    notes      TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX contact_attempts_user ON contact_attempts (user_id, at);
