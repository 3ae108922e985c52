-- SQLite: merchant search through an FTS5 index over the bigrams the store
-- computes (search_grams). New merchants are indexed by the store in one
-- statement per transaction (a trigger per row costs a flush of the index
-- per row); changes are kept in step by a trigger. Triggers also make the
-- audit trail append-only.

CREATE VIRTUAL TABLE merchant_search USING fts5 (grams, tokenize = 'unicode61');
CREATE TRIGGER merchants_search_au AFTER UPDATE OF search_grams ON merchants BEGIN
    DELETE FROM merchant_search WHERE rowid = old.id;
    INSERT INTO merchant_search (rowid, grams) VALUES (new.id, new.search_grams);
END;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
