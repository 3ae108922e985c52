-- merchant_holdings counts the live (not archived) merchants of each
-- holding: a team, an account manager and a backup manager (0: none). The
-- continuity dashboard reads these few hundred rows instead of grouping a
-- million merchants on every view. Triggers keep it in step with every
-- write to merchants, in the writing transaction; a holding whose last
-- merchant leaves is deleted, so the table equals
--   SELECT team_id, account_manager_id, COALESCE(backup_manager_id, 0), COUNT(*)
--   FROM merchants WHERE archived_at IS NULL GROUP BY 1, 2, 3.
CREATE TABLE merchant_holdings (
    team_id            BIGINT NOT NULL,
    account_manager_id BIGINT NOT NULL,
    backup_manager_id  BIGINT NOT NULL,
    merchants          BIGINT NOT NULL,
    PRIMARY KEY (team_id, account_manager_id, backup_manager_id)
) WITHOUT ROWID;

INSERT INTO merchant_holdings (team_id, account_manager_id, backup_manager_id, merchants)
SELECT team_id, account_manager_id, COALESCE(backup_manager_id, 0), COUNT(*) FROM merchants
WHERE archived_at IS NULL GROUP BY team_id, account_manager_id, COALESCE(backup_manager_id, 0);

CREATE TRIGGER merchant_holdings_ai AFTER INSERT ON merchants WHEN NEW.archived_at IS NULL BEGIN
    INSERT INTO merchant_holdings (team_id, account_manager_id, backup_manager_id, merchants)
    VALUES (NEW.team_id, NEW.account_manager_id, COALESCE(NEW.backup_manager_id, 0), 1)
    ON CONFLICT (team_id, account_manager_id, backup_manager_id) DO UPDATE SET merchants = merchants + 1;
END;

CREATE TRIGGER merchant_holdings_ad AFTER DELETE ON merchants WHEN OLD.archived_at IS NULL BEGIN
    UPDATE merchant_holdings SET merchants = merchants - 1
    WHERE team_id = OLD.team_id AND account_manager_id = OLD.account_manager_id AND backup_manager_id = COALESCE(OLD.backup_manager_id, 0);
    DELETE FROM merchant_holdings
    WHERE team_id = OLD.team_id AND account_manager_id = OLD.account_manager_id AND backup_manager_id = COALESCE(OLD.backup_manager_id, 0)
    AND merchants = 0;
END;

-- Only a change of the holding or of being live moves a merchant; the
-- other edits (names, addresses, keys re-encrypted) cost nothing here.
CREATE TRIGGER merchant_holdings_au AFTER UPDATE OF team_id, account_manager_id, backup_manager_id, archived_at ON merchants
WHEN NEW.team_id IS NOT OLD.team_id OR NEW.account_manager_id IS NOT OLD.account_manager_id
    OR NEW.backup_manager_id IS NOT OLD.backup_manager_id OR (NEW.archived_at IS NULL) <> (OLD.archived_at IS NULL) BEGIN
    UPDATE merchant_holdings SET merchants = merchants - 1
    WHERE OLD.archived_at IS NULL
    AND team_id = OLD.team_id AND account_manager_id = OLD.account_manager_id AND backup_manager_id = COALESCE(OLD.backup_manager_id, 0);
    DELETE FROM merchant_holdings
    WHERE team_id = OLD.team_id AND account_manager_id = OLD.account_manager_id AND backup_manager_id = COALESCE(OLD.backup_manager_id, 0)
    AND merchants = 0;
    INSERT INTO merchant_holdings (team_id, account_manager_id, backup_manager_id, merchants)
    SELECT NEW.team_id, NEW.account_manager_id, COALESCE(NEW.backup_manager_id, 0), 1 WHERE NEW.archived_at IS NULL
    ON CONFLICT (team_id, account_manager_id, backup_manager_id) DO UPDATE SET merchants = merchants + 1;
END;
