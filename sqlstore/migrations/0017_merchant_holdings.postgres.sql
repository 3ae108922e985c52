-- As on SQLite (see the .sqlite file): merchant_holdings counts the live
-- merchants of each (team, account manager, backup manager; 0: none),
-- kept by a trigger in the writing transaction. Both the count up and the
-- count down are INSERT … ON CONFLICT DO UPDATE on the primary key, so two
-- transactions that add the first merchants of a holding at once, or one
-- that empties it while another adds to it, serialise on the holding's
-- row (or its key) instead of failing or losing a count.
CREATE TABLE merchant_holdings (
    team_id            BIGINT NOT NULL,
    account_manager_id BIGINT NOT NULL,
    backup_manager_id  BIGINT NOT NULL,
    merchants          BIGINT NOT NULL,
    PRIMARY KEY (team_id, account_manager_id, backup_manager_id)
);

INSERT INTO merchant_holdings (team_id, account_manager_id, backup_manager_id, merchants)
SELECT team_id, account_manager_id, COALESCE(backup_manager_id, 0), COUNT(*) FROM merchants
WHERE archived_at IS NULL GROUP BY team_id, account_manager_id, COALESCE(backup_manager_id, 0);

CREATE FUNCTION merchant_holdings_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.archived_at IS NULL THEN
        INSERT INTO merchant_holdings AS h (team_id, account_manager_id, backup_manager_id, merchants)
        VALUES (OLD.team_id, OLD.account_manager_id, COALESCE(OLD.backup_manager_id, 0), -1)
        ON CONFLICT (team_id, account_manager_id, backup_manager_id) DO UPDATE SET merchants = h.merchants - 1;
        DELETE FROM merchant_holdings
        WHERE team_id = OLD.team_id AND account_manager_id = OLD.account_manager_id
        AND backup_manager_id = COALESCE(OLD.backup_manager_id, 0) AND merchants = 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.archived_at IS NULL THEN
        INSERT INTO merchant_holdings AS h (team_id, account_manager_id, backup_manager_id, merchants)
        VALUES (NEW.team_id, NEW.account_manager_id, COALESCE(NEW.backup_manager_id, 0), 1)
        ON CONFLICT (team_id, account_manager_id, backup_manager_id) DO UPDATE SET merchants = h.merchants + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER merchant_holdings_ai AFTER INSERT ON merchants
    FOR EACH ROW WHEN (NEW.archived_at IS NULL) EXECUTE FUNCTION merchant_holdings_count();
CREATE TRIGGER merchant_holdings_ad AFTER DELETE ON merchants
    FOR EACH ROW WHEN (OLD.archived_at IS NULL) EXECUTE FUNCTION merchant_holdings_count();
-- Only a change of the holding or of being live moves a merchant.
CREATE TRIGGER merchant_holdings_au AFTER UPDATE OF team_id, account_manager_id, backup_manager_id, archived_at ON merchants
    FOR EACH ROW WHEN (NEW.team_id IS DISTINCT FROM OLD.team_id OR NEW.account_manager_id IS DISTINCT FROM OLD.account_manager_id
        OR NEW.backup_manager_id IS DISTINCT FROM OLD.backup_manager_id OR (NEW.archived_at IS NULL) <> (OLD.archived_at IS NULL))
    EXECUTE FUNCTION merchant_holdings_count();
