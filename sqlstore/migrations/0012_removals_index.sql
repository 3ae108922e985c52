-- A person's removals (the lead's removals page and its undo) are found
-- through who archived or removed what. Partial indexes: nearly every row
-- is live, so they stay small and cost bulk imports nothing.
CREATE INDEX merchants_archived_by ON merchants (archived_by, archived_at) WHERE archived_by IS NOT NULL;
CREATE INDEX contacts_archived_by ON contacts (archived_by, archived_at) WHERE archived_by IS NOT NULL;
CREATE INDEX contact_channels_removed_by ON contact_channels (removed_by, removed_at) WHERE removed_by IS NOT NULL;
