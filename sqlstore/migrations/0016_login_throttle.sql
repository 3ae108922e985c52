-- Login throttling is kept in the database, so every instance behind a load
-- balancer shares it. A row is one guard, keyed by a SHA-256 of what it
-- guards (a source address and login together, a login across all
-- addresses, an address across all logins, or a pair that has logged in
-- before), so no login or address is stored in the clear. The per-account
-- lockout of users.failed_logins / locked_until is no longer used.
CREATE TABLE login_throttle (
    key_hash      TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    blocked_until BIGINT NOT NULL DEFAULT 0,
    last_at       BIGINT NOT NULL
);
CREATE INDEX login_throttle_last ON login_throttle (last_at);
