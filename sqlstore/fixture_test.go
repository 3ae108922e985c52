package sqlstore_test

import (
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// The store's tests run against the one fixture world, internal/fixture's
// Company; these names keep them short.
type fixture = fx.Company

// newFixture fills s with the company and fixes the store's clock at t0.
func newFixture(t *testing.T, s *sqlstore.Store) *fixture { return fx.NewCompany(t, s) }

// testPassword is every fixture user's password.
const testPassword = fx.Password

// t0 is the fixed "now" of every fixture; tests move the clock explicitly.
var t0 = fx.T0

// Identifiers of the fixture merchants, all passing their official checks.
const (
	indivUSCC = fx.IndivUSCC
	entUSCC   = fx.EntUSCC
	freeUSCC  = fx.FreeUSCC
	freeUSCC2 = fx.FreeUSCC2

	microMID = fx.MicroMID
	indivMID = fx.IndivMID
	entMID   = fx.EntMID

	microPhone = fx.MicroPhone
	indivPhone = fx.IndivPhone
	entPhone   = fx.EntPhone
)

func bankCard(t testing.TB, payload string) string { return fx.CheckedCard(t, payload) }

func ptr[T any](v T) *T { return &v }

// wrongLast replaces the last character of s with another one, which breaks
// any check character or digit.
func wrongLast(s string) string {
	last := s[len(s)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return s[:len(s)-1] + string(repl)
}

func sorted(ids []int64) []int64 {
	if ids == nil {
		ids = []int64{}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func ids(xs ...int64) []int64 { return sorted(append([]int64(nil), xs...)) }

func sameIDs(a, b []int64) bool {
	return fmt.Sprint(sorted(a)) == fmt.Sprint(sorted(b))
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantCode fails unless err carries the error code want ("" for nil).
func wantCode(t testing.TB, err error, want string) {
	t.Helper()
	if got := poscare.ErrorCode(err); got != want {
		t.Fatalf("error code = %q, want %q (error: %v)", got, want, err)
	}
}

// wantFields fails unless err is EInvalid naming every field in keys.
func wantFields(t testing.TB, err error, keys ...string) {
	t.Helper()
	wantCode(t, err, poscare.EInvalid)
	var e *poscare.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *poscare.Error", err)
	}
	for _, k := range keys {
		if _, ok := e.Fields[k]; !ok {
			t.Errorf("field %q missing from %v", k, e)
		}
	}
}

// rawDB opens the store's database behind its back, for checks and
// tampering the store's API does not allow.
func rawDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver, src := "pgx", dsn
	if sqlstore.DialectOf(dsn) == sqlstore.SQLite {
		driver, src = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// storeDSNs yields, per dialect, a migrated store and the DSN it runs on,
// for the tests that must also look at the database directly.
func storeDSNs(t *testing.T) map[string]storeDSN {
	out := map[string]storeDSN{}
	for name, dsn := range testenv.DSNs(t) {
		out[name] = storeDSN{testenv.Open(t, dsn), dsn}
	}
	return out
}

type storeDSN struct {
	s   *sqlstore.Store
	dsn string
}

// rawTables lists the tables of the store's database (or schema).
func rawTables(t testing.TB, db *sql.DB, d sqlstore.Dialect) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if d == sqlstore.Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	rows, err := db.Query(q)
	must(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		must(t, rows.Scan(&n))
		out = append(out, n)
	}
	must(t, rows.Err())
	return out
}

// findInTable returns "table.column" for every cell of table whose text
// contains one of needles.
func findInTable(t testing.TB, db *sql.DB, table string, needles ...string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM "` + table + `"`)
	must(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	must(t, err)
	var hits []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(t, rows.Scan(ptrs...))
		for i, v := range vals {
			var text string
			switch x := v.(type) {
			case nil:
				continue
			case []byte:
				text = string(x)
			default:
				text = fmt.Sprint(x)
			}
			for _, n := range needles {
				if strings.Contains(text, n) {
					hits = append(hits, table+"."+cols[i]+" holds "+n)
				}
			}
		}
	}
	must(t, rows.Err())
	return hits
}
