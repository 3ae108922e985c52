-- Console and portal sessions, kept in the database so that any instance
-- can serve any request. Only a hash of the cookie value is stored. A
-- session ends when revoked, when it expires, or when it has been idle too
-- long (the store checks last_seen_at).

CREATE TABLE sessions (
    id           {{PK}},
    user_id      BIGINT NOT NULL REFERENCES users (id),
    token_hash   TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX sessions_token_uq ON sessions (token_hash);
CREATE INDEX sessions_user ON sessions (user_id);

-- The language each user reads the console in: zh (default) or en.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh';
