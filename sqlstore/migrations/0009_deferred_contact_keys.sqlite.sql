-- The foreign keys from contacts to merchants and from contact_channels to
-- contacts are checked at commit (DEFERRABLE INITIALLY DEFERRED): a
-- multi-row INSERT into a table with an immediate foreign key keeps a
-- statement journal of every page it touches, which made bulk imports a
-- fifth slower. A violation still fails the whole transaction.
-- SQLite cannot alter a constraint, so the two tables are rebuilt (the
-- migration runner turns foreign keys off meanwhile and runs
-- foreign_key_check before it commits).
CREATE TABLE contacts_new (
    id                INTEGER PRIMARY KEY,
    merchant_id       BIGINT NOT NULL REFERENCES merchants (id) DEFERRABLE INITIALLY DEFERRED,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL,
    preferred_channel TEXT NOT NULL,
    last_verified_at  BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    archived_at       BIGINT,
    archived_by       BIGINT,
    archive_reason    TEXT
);
INSERT INTO contacts_new (id, merchant_id, name, role, preferred_channel, last_verified_at, created_at, updated_at,
    archived_at, archived_by, archive_reason)
SELECT id, merchant_id, name, role, preferred_channel, last_verified_at, created_at, updated_at,
    archived_at, archived_by, archive_reason FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_new RENAME TO contacts;
CREATE INDEX contacts_merchant ON contacts (merchant_id);

CREATE TABLE contact_channels_new (
    contact_id  BIGINT NOT NULL REFERENCES contacts (id) DEFERRABLE INITIALLY DEFERRED,
    id          BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    removed_at  BIGINT,
    removed_by  BIGINT,
    PRIMARY KEY (contact_id, id)
) WITHOUT ROWID;
INSERT INTO contact_channels_new (contact_id, id, merchant_id, kind, value, created_at, removed_at, removed_by)
SELECT contact_id, id, merchant_id, kind, value, created_at, removed_at, removed_by FROM contact_channels;
DROP TABLE contact_channels;
ALTER TABLE contact_channels_new RENAME TO contact_channels;
CREATE INDEX contact_channels_value ON contact_channels (value);
