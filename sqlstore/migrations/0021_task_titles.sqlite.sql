-- Task titles are stored as catalog messages (a key and its parameters,
-- JSON) and rendered in the reader's language. Existing rows get the
-- message of their kind where the row says enough: a contact verification
-- names its merchant and contact, a callback its merchant, a self-check is
-- fixed, and the playbook's follow-up to tell a merchant in person (its
-- old Chinese title, hex below so that no words live in storage, then the
-- merchant's name) names that merchant. Every other row keeps its old
-- words as a "recorded" message.
ALTER TABLE tasks RENAME COLUMN title TO title_msg;
UPDATE tasks SET title_msg = CASE
    WHEN kind = 'verify_contact' AND EXISTS (SELECT 1 FROM merchants m JOIN contacts c ON c.merchant_id = m.id WHERE m.id = tasks.merchant_id AND c.id = tasks.contact_id) THEN
        (SELECT json_object('key', 'todo.verify_contact', 'args', json_object('merchant', m.legal_name, 'contact', c.name))
            FROM merchants m JOIN contacts c ON c.merchant_id = m.id WHERE m.id = tasks.merchant_id AND c.id = tasks.contact_id)
    WHEN kind = 'callback' AND EXISTS (SELECT 1 FROM merchants m WHERE m.id = tasks.merchant_id) THEN
        (SELECT json_object('key', 'todo.callback', 'args', json_object('merchant', m.legal_name)) FROM merchants m WHERE m.id = tasks.merchant_id)
    WHEN kind = 'verify_self' THEN json_object('key', 'todo.verify_self')
    WHEN kind = 'follow_up' AND substr(title_msg, 1, 21) = CAST(X'e697a0e58fafe794a8e88194e7b3bbe696b9e5bc8fefbc8ce8afb7e794b5e8af9de68896e4b88ae997a8e5918ae79fa5e696b0e88194e7b3bbe4babaefbc9a' AS TEXT) THEN
        json_object('key', 'playbook.task.tell_in_person', 'args', json_object('merchant', substr(title_msg, 22)))
    ELSE json_object('key', 'recorded', 'args', json_object('text', json_object('zh', title_msg, 'en', title_msg)))
END;
