-- Outbox messages are stored as catalog messages (a key and its
-- parameters, JSON) and rendered in the row's language when sent or
-- read. Rows written before keep their words as "recorded" messages.
ALTER TABLE outbox RENAME COLUMN subject TO subject_msg;
ALTER TABLE outbox RENAME COLUMN body TO body_msg;
UPDATE outbox SET
    subject_msg = json_build_object('key', 'recorded', 'args', json_build_object('text', json_build_object('zh', subject_msg, 'en', subject_msg)))::text,
    body_msg = json_build_object('key', 'recorded', 'args', json_build_object('text', json_build_object('zh', body_msg, 'en', body_msg)))::text;
