-- As on SQLite (see the .sqlite file): the foreign keys from contacts to
-- merchants and from contact_channels to contacts are checked at commit.
ALTER TABLE contacts ALTER CONSTRAINT contacts_merchant_id_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE contact_channels ALTER CONSTRAINT contact_channels_contact_id_fkey DEFERRABLE INITIALLY DEFERRED;
