-- Continuity: a staff member on leave has a named cover and a return date,
-- and every status carries the reason it was set.
ALTER TABLE users ADD COLUMN cover_id BIGINT REFERENCES users (id);
ALTER TABLE users ADD COLUMN away_until TEXT;
ALTER TABLE users ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
