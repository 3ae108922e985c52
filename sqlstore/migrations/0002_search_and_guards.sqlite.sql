-- SQLite: merchant search through an FTS5 index over the bigrams the store
-- computes (search_grams). New merchants are indexed by the store in one
-- statement per transaction (a trigger per row costs a flush of the index
-- per row); changes are kept in step by a trigger. Triggers also make the
-- audit trail append-only.

-- External content: the index reads search_grams from merchants itself
-- rather than keeping a second copy of it.
CREATE VIRTUAL TABLE merchant_search USING fts5 (
    search_grams, content = 'merchants', content_rowid = 'id', tokenize = 'unicode61'
);
CREATE TRIGGER merchants_search_au AFTER UPDATE OF search_grams ON merchants BEGIN
    INSERT INTO merchant_search (merchant_search, rowid, search_grams) VALUES ('delete', old.id, old.search_grams);
    INSERT INTO merchant_search (rowid, search_grams) VALUES (new.id, new.search_grams);
END;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
