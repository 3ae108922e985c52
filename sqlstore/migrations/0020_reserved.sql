-- Placeholder for migration 20, which another branch brings: it only keeps
-- the numbering contiguous on the signals branch and is dropped when the
-- branches are merged.
SELECT 1;
