-- An incident's timeline is stored as catalog messages (a key and its
-- parameters, JSON) and rendered in the reader's language when read.
-- Lines written before keep their words as "recorded" messages.
ALTER TABLE incident_events ADD COLUMN msg TEXT NOT NULL DEFAULT '';
UPDATE incident_events SET
    msg = json_build_object('key', 'recorded', 'args', json_build_object('text', json_build_object('zh', text_zh, 'en', text_en)))::text;
ALTER TABLE incident_events DROP COLUMN text_zh, DROP COLUMN text_en;
ALTER TABLE incident_events ALTER COLUMN msg DROP DEFAULT;
