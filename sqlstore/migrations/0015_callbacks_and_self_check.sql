-- Merchants ask to be called back (portal, API, or staff logging a call):
-- a task for their service contact with a deadline, whose neglect is a
-- silence signal; the request's words are kept beside it. Staff confirm
-- their own contact details: the time they last did is kept, so the
-- reminder no longer depends on unrelated edits of the user row.
ALTER TABLE tasks ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN contact_checked_at BIGINT;
CREATE INDEX tasks_merchant_open ON tasks (merchant_id, kind) WHERE done_at IS NULL;
