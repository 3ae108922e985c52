-- An incident's timeline is stored as catalog messages (a key and its
-- parameters, JSON) and rendered in the reader's language when read.
-- Lines written before keep their words as "recorded" messages.
ALTER TABLE incident_events ADD COLUMN msg TEXT NOT NULL DEFAULT '';
UPDATE incident_events SET
    msg = json_object('key', 'recorded', 'args', json_object('text', json_object('zh', text_zh, 'en', text_en)));
ALTER TABLE incident_events DROP COLUMN text_zh;
ALTER TABLE incident_events DROP COLUMN text_en;
