package sqlstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// MigrateTo applies the migrations up to version v, so that a test can
// put data into an older schema and migrate it on.
func MigrateTo(ctx context.Context, s *Store, v int) (int, error) { return s.migrate(ctx, v) }

// HoldingKinds lists the kinds of things the playbook hands over.
func HoldingKinds() []string {
	kinds := make([]string, len(holdings))
	for i, h := range holdings {
		kinds[i] = h.Kind()
	}
	return kinds
}

// DummyHash is the hash unknown logins of s are checked against.
func DummyHash(s *Store) string { return dummyHash(s.passwordParams()) }

// HoldingsDrift compares merchant_holdings with the live merchants
// grouped by team, manager and backup, and describes each difference
// ("" when they agree).
func HoldingsDrift(ctx context.Context, s *Store) (string, error) {
	count := func(q string) (map[[3]int64]int64, error) {
		rows, err := s.read.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[[3]int64]int64{}
		for rows.Next() {
			var k [3]int64
			var n int64
			if err := rows.Scan(&k[0], &k[1], &k[2], &n); err != nil {
				return nil, err
			}
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("holding %v twice", k)
			}
			out[k] = n
		}
		return out, rows.Err()
	}
	kept, err := count("SELECT team_id, account_manager_id, backup_manager_id, merchants FROM merchant_holdings")
	if err != nil {
		return "", err
	}
	real, err := count(`SELECT team_id, account_manager_id, COALESCE(backup_manager_id, 0), COUNT(*) FROM merchants
		WHERE archived_at IS NULL GROUP BY team_id, account_manager_id, COALESCE(backup_manager_id, 0)`)
	if err != nil {
		return "", err
	}
	var diff []string
	for k, n := range real {
		if kept[k] != n {
			diff = append(diff, fmt.Sprintf("(team %d, manager %d, backup %d): kept %d, counted %d", k[0], k[1], k[2], kept[k], n))
		}
	}
	for k, n := range kept {
		if _, ok := real[k]; !ok {
			diff = append(diff, fmt.Sprintf("(team %d, manager %d, backup %d): kept %d, counted none", k[0], k[1], k[2], n))
		}
	}
	sort.Strings(diff)
	return strings.Join(diff, "; "), nil
}

// Statements is how many statements the store has sent inside
// transactions so far (prepares included).
func Statements(s *Store) int64 { return s.statements.Load() }
