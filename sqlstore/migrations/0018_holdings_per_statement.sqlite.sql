-- PostgreSQL keeps merchant_holdings per statement from here on (see the
-- .postgres file); SQLite has no transition tables, and its row triggers
-- of migration 17 cost little there, so it keeps them.
SELECT 1;
