package sqlstore_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/demo"
	"poscare/internal/benchdb"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// copySize is a demo small enough to copy in a moment, with every kind of
// record in it.
var copySize = demo.Size{Teams: 3, Staff: 25, Merchants: 200, Terminals: 240}

// TestCopyThereAndBack copies a SQLite demo to PostgreSQL and from there
// to a new SQLite file: at each stop the records, the audit chain and
// what the target keeps beside its rows (search index, identity
// sequences, merchant_holdings) are as the source had them.
func TestCopyThereAndBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	first := testenv.Open(t, filepath.Join(dir, "first.db"))
	if _, err := demo.Seed(ctx, first, copySize); err != nil {
		t.Fatal(err)
	}
	stops := []*sqlstore.Store{first}
	pgDSN := testenv.PostgresDSN(t)
	if pgDSN != "" {
		stops = append(stops, testenv.Open(t, pgDSN))
	}
	stops = append(stops, testenv.Open(t, filepath.Join(dir, "last.db")))
	system := poscare.SystemActor("test")
	list := func(s *sqlstore.Store, q string) []*poscare.Merchant {
		t.Helper()
		ms, err := s.ListMerchants(ctx, system, poscare.MerchantFilter{Q: q, Page: poscare.Page{Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	all := list(first, "")
	probe := []rune(all[17].LegalName)
	fragment := string(probe[len(probe)-4:])
	wantFound := len(list(first, fragment))
	for i := 1; i < len(stops); i++ {
		from, to := stops[i-1], stops[i]
		var lines int
		rep, err := from.CopyTo(ctx, to, func(table string, done, total int64) {
			lines++
			if done > total {
				t.Errorf("%s: %d of %d", table, done, total)
			}
		})
		if err != nil {
			t.Fatalf("copy %s to %s: %v", from.Dialect(), to.Dialect(), err)
		}
		if lines < len(rep.Tables)-1 || rep.AuditEntries == 0 || rep.AuditHead == "" {
			t.Errorf("copy %s to %s: %d progress calls, report %+v", from.Dialect(), to.Dialect(), lines, rep)
		}
		if err := to.VerifyAuditOK(ctx); err != nil {
			t.Fatal(err)
		}
		if got := list(to, ""); len(got) != len(all) || got[0].LegalName != all[0].LegalName {
			t.Fatalf("%s: %d merchants listed, want %d", to.Dialect(), len(got), len(all))
		}
		if got := len(list(to, fragment)); got != wantFound || got == 0 {
			t.Errorf("%s: search for %q finds %d merchants, the source %d", to.Dialect(), fragment, got, wantFound)
		}
		if to.Dialect() == sqlstore.Postgres {
			// The triggers the copy disabled in its transaction are on.
			db, err := sql.Open("pgx", pgDSN)
			if err != nil {
				t.Fatal(err)
			}
			var on, off int
			err = db.QueryRow(`SELECT COUNT(*) FILTER (WHERE tgenabled = 'O'), COUNT(*) FILTER (WHERE tgenabled <> 'O') FROM pg_trigger t
				JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE NOT t.tgisinternal AND n.nspname = current_schema()`).Scan(&on, &off)
			db.Close()
			if err != nil || on < 4 || off != 0 {
				t.Errorf("after the copy %d user triggers are on, %d off (%v)", on, off, err)
			}
		}
		// The next team gets the id after the copied ones.
		team := &poscare.Team{Name: "新组 " + string(to.Dialect())}
		if err := to.CreateTeam(ctx, system, team); err != nil {
			t.Fatal(err)
		}
		if team.ID != int64(copySize.Teams)+int64(i) {
			t.Errorf("%s: new team got id %d after %d copied", to.Dialect(), team.ID, copySize.Teams+i-1)
		}
	}
}

// TestCopyRefusesMismatchedTables: a table on one side only is an error,
// not a table silently left behind.
func TestCopyRefusesMismatchedTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, extraOnSource := range map[string]bool{"SourceHasMore": true, "TargetHasMore": false} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			src := testenv.Open(t, filepath.Join(dir, "src.db"))
			dstPath := filepath.Join(dir, "dst.db")
			dst := testenv.Open(t, dstPath)
			extra := dstPath
			if extraOnSource {
				extra = filepath.Join(dir, "src.db")
			}
			db, err := sql.Open("sqlite", extra)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"); err != nil {
				t.Fatal(err)
			}
			db.Close()
			_, err = src.CopyTo(ctx, dst, nil)
			if err == nil || !strings.Contains(err.Error(), "notes") || !strings.Contains(err.Error(), "tables") {
				t.Fatalf("copy with a table on one side only: %v", err)
			}
		})
	}
}

// TestCopyIsAllOrNothing: a value the target's column cannot take stops
// the copy, and the target keeps none of the tables copied before it.
func TestCopyIsAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "src.db")
			src := testenv.Open(t, path)
			if _, err := demo.Seed(ctx, src, demo.Size{Teams: 1, Staff: 8, Merchants: 20, Terminals: 20}); err != nil {
				t.Fatal(err)
			}
			// SQLite keeps what it is given: text in a number's column.
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("UPDATE merchants SET latitude = 'north' WHERE id = 20"); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if name == "sqlite" {
				dsn = filepath.Join(t.TempDir(), "dst.db")
			}
			dst := testenv.Open(t, dsn)
			_, err = src.CopyTo(ctx, dst, nil)
			if err == nil || !strings.Contains(err.Error(), "latitude") {
				t.Fatalf("copy of a text latitude: %v", err)
			}
			users, err := dst.ListUsers(ctx, poscare.SystemActor("test"), sqlstore.UserFilter{})
			if err != nil || len(users) != 0 {
				t.Fatalf("the failed copy left %d users on the target (%v)", len(users), err)
			}
			// And the target, still empty, takes the copy once the value is
			// put right.
			db, _ = sql.Open("sqlite", path)
			db.Exec("UPDATE merchants SET latitude = 31.2 WHERE id = 20")
			db.Close()
			if _, err := src.CopyTo(ctx, dst, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// BenchmarkCopyToPostgres100k copies a SQLite database of 100,000
// merchants (with their contacts and audit entries) to PostgreSQL; one op
// is the whole copy, checks included.
func BenchmarkCopyToPostgres100k(b *testing.B) {
	if os.Getenv("POSCARE_TEST_POSTGRES") == "" {
		b.Skip("POSCARE_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	src := testenv.Open(b, filepath.Join(b.TempDir(), "bench.db"))
	benchdb.Load(b, src, fx.Build(b, src), 100_000, 25_000)
	var rows int64
	for b.Loop() {
		b.StopTimer()
		dst := testenv.Open(b, testenv.PostgresDSN(b))
		b.StartTimer()
		last := time.Now()
		rep, err := src.CopyTo(ctx, dst, func(table string, done, total int64) {
			if done == total && os.Getenv("POSCARE_COPY_TIMES") != "" {
				b.Logf("%s: %d rows in %v", table, total, time.Since(last).Round(time.Millisecond))
				last = time.Now()
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		if os.Getenv("POSCARE_COPY_TIMES") != "" {
			b.Logf("derived tables, commit and checks: %v (all: %v)", time.Since(last).Round(time.Millisecond), rep.Took.Round(time.Millisecond))
		}
		rows = 0
		for _, t := range rep.Tables {
			rows += t.Rows
		}
		b.StopTimer()
		dst.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows), "rows")
}
