package sqlstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"poscare"
	"poscare/internal/benchdb"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// withKeys checks a restored database opened with the test keys, as the
// command line opens it with the configured ones.
func withKeys(t testing.TB) sqlstore.RestoreOptions {
	return sqlstore.RestoreOptions{Open: func(ctx context.Context, dsn string) (*sqlstore.Store, error) {
		return sqlstore.Open(ctx, dsn, testenv.Vault(t))
	}}
}

// TestBackupRestoresOntoAFreshDatabase takes a backup of a database with
// merchants, restores it onto a new database (a new SQLite file; a new
// PostgreSQL database, under another schema name than the original's),
// and finds there every merchant, readable with the same keys, and an
// intact audit chain that ends with the backup's own record. The keys
// are not in the backup file.
func TestBackupRestoresOntoAFreshDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			portfolio(t, s, w, 40)
			ops := fx.Actor(w.Users[poscare.RoleOps])
			before, err := s.ListMerchants(ctx, ops, poscare.MerchantFilter{Page: poscare.Page{Limit: 500}})
			if err != nil {
				t.Fatal(err)
			}
			revealed, err := s.RevealMerchant(ctx, ops, w.Merchant.ID)
			if err != nil {
				t.Fatal(err)
			}

			dir := t.TempDir()
			b, err := s.BackupInto(ctx, poscare.SystemActor("test"), dir, false, "test")
			if err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(b.Path)
			if err != nil {
				t.Fatal(err)
			}
			if info, _ := os.Stat(b.Path); info.Mode().Perm() != 0o600 || info.Size() != b.Size || int64(len(body)) != b.Size {
				t.Errorf("backup file: mode %v size %d, reported %d", info.Mode().Perm(), info.Size(), b.Size)
			}
			for _, secret := range [][]byte{bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{3}, 32),
				[]byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))), []byte(revealed.PrincipalIDNumber)} {
				if bytes.Contains(body, secret) {
					t.Errorf("the backup holds a key or a clear sensitive value (%q…)", secret[:4])
				}
			}
			// The backup is in the audit trail with its size and SHA-256.
			es, err := s.AuditEntries(ctx, poscare.AuditFilter{Entity: "database"})
			if err != nil {
				t.Fatal(err)
			}
			var rec struct {
				File   string
				Size   int64
				SHA256 string
			}
			if len(es) == 0 || es[0].Action != poscare.AuditBackup || json.Unmarshal(es[0].After, &rec) != nil ||
				rec.File != b.Name || rec.Size != b.Size || rec.SHA256 != b.SHA256 {
				t.Fatalf("backup not recorded with its size and hash: %+v %+v", b, es)
			}

			target := filepath.Join(t.TempDir(), "restored.db")
			if name == "postgres" {
				target = testenv.PostgresDatabase(t, "restored")
			}
			check, err := sqlstore.RestoreBackup(ctx, b.Path, target, withKeys(t))
			if err != nil {
				t.Fatal(err)
			}
			if check.SHA256 != b.SHA256 || check.Merchants != int64(len(before)) || check.AuditEntries == 0 {
				t.Errorf("restore checks: %+v, want %d merchants", check, len(before))
			}
			r := testenv.Open(t, target)
			after, err := r.ListMerchants(ctx, ops, poscare.MerchantFilter{Page: poscare.Page{Limit: 500}})
			if err != nil {
				t.Fatal(err)
			}
			ids := func(ms []*poscare.Merchant) []string {
				var out []string
				for _, m := range ms {
					out = append(out, m.LegalName+"/"+m.USCC)
				}
				sort.Strings(out)
				return out
			}
			if !slices.Equal(ids(before), ids(after)) || len(after) < 41 {
				t.Errorf("restored %d merchants, had %d", len(after), len(before))
			}
			again, err := r.RevealMerchant(ctx, ops, w.Merchant.ID)
			if err != nil || *again != *revealed {
				t.Errorf("restored sensitive fields: %+v %v, want %+v", again, err, revealed)
			}
			if err := r.VerifyAuditOK(ctx); err != nil {
				t.Error(err)
			}
			// A second restore onto the same database is refused.
			if _, err := sqlstore.RestoreBackup(ctx, b.Path, target, withKeys(t)); err == nil {
				t.Error("restored onto a database that already holds poscare")
			}
		})
	}
}

// TestBackupVerify restores a backup into a temporary database and
// checks it; a backup whose audit trail was edited is refused.
func TestBackupVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := testenv.Open(t, dsn)
			fx.Build(t, s)
			b, err := s.BackupInto(ctx, poscare.SystemActor("test"), t.TempDir(), false, "test")
			if err != nil {
				t.Fatal(err)
			}
			c, err := sqlstore.VerifyBackup(ctx, b.Path, dsn, withKeys(t))
			if err != nil {
				t.Fatal(err)
			}
			var version int
			rawDB(t, dsn).QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&version)
			if c.SchemaVersion != version || c.Merchants != 2 || c.AuditEntries < 10 || c.SHA256 != b.SHA256 {
				t.Errorf("verify: %+v, want schema %d and 2 merchants", c, version)
			}
			if name != "sqlite" {
				return
			}
			// Someone edits the backup's audit trail by hand.
			db, err := sql.Open("sqlite", b.Path)
			if err != nil {
				t.Fatal(err)
			}
			db.Exec("DROP TRIGGER audit_log_no_update")
			if _, err := db.Exec("UPDATE audit_log SET actor_login = 'nobody' WHERE seq = 3"); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if _, err := sqlstore.VerifyBackup(ctx, b.Path, "", withKeys(t)); err == nil {
				t.Error("a backup with an edited audit trail passed verification")
			}
		})
	}
}

// TestOnlineSQLiteBackup takes backups while writers go on: each copy is
// one consistent state (its audit chain holds), and later copies hold
// more.
func TestOnlineSQLiteBackup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testenv.Open(t, filepath.Join(t.TempDir(), "live.db"))
	w := fx.Build(t, s)
	ops := fx.Actor(w.Users[poscare.RoleOps])
	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := s.Record(ctx, ops, poscare.AuditExport, "merchant", w.Merchant.ID, map[string]int64{"n": written.Load()}); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
			}
		}()
	}
	dir := t.TempDir()
	var last int64
	for i := range 4 {
		for start := written.Load(); written.Load() < start+200; {
			time.Sleep(time.Millisecond)
		}
		b, err := s.BackupInto(ctx, poscare.SystemActor("test"), dir, true, "test")
		if err != nil {
			t.Fatal(err)
		}
		c, err := sqlstore.VerifyBackup(ctx, b.Path, "", withKeys(t))
		if err != nil {
			t.Fatalf("backup %d, taken while writing: %v", i, err)
		}
		if c.AuditEntries <= last {
			t.Errorf("backup %d holds %d audit entries, the one before %d", i, c.AuditEntries, last)
		}
		last = c.AuditEntries
	}
	close(stop)
	wg.Wait()
	if written.Load() < 800 {
		t.Fatalf("only %d writes during the backups", written.Load())
	}
}

// TestPruneBackupsKeepsTheNewestScheduled deletes old scheduled backups
// only: backups taken by hand or for an incident and other files stay.
func TestPruneBackupsKeepsTheNewestScheduled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := []string{
		"poscare-auto-20260101T000000Z.db", "poscare-auto-20260102T000000Z.db", "poscare-auto-20260102T000000Z-2.db",
		"poscare-auto-20260103T000000Z.pgdump", "poscare-auto-20251231T235959Z.db",
		"poscare-20250101T000000Z.db", "notes.txt", "poscare-auto-20250101T000000Z.db.partial", "poscare.db",
	}
	for _, f := range files {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600)
	}
	gone, err := sqlstore.PruneBackups(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(gone)
	want := []string{"poscare-auto-20251231T235959Z.db", "poscare-auto-20260101T000000Z.db", "poscare-auto-20260102T000000Z.db"}
	if !slices.Equal(gone, want) {
		t.Fatalf("deleted %v, want %v", gone, want)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != len(files)-3 {
		t.Errorf("%d files left", len(left))
	}
}

// TestScheduledBackupIsClaimedOnce: several instances on one database,
// asking at once, get one scheduled backup per period between them.
func TestScheduledBackupIsClaimedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			testenv.Open(t, dsn)
			stores := []*sqlstore.Store{}
			for range 4 {
				stores = append(stores, testenv.Open(t, dsn))
			}
			var claims atomic.Int32
			var wg sync.WaitGroup
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, _, err := s.ClaimScheduledBackup(ctx, time.Hour, "instance "+string(rune('A'+i)))
					if err != nil {
						t.Error(err)
					}
					if ok {
						claims.Add(1)
					}
				}()
			}
			wg.Wait()
			if claims.Load() != 1 {
				t.Fatalf("%d instances claimed the period's backup", claims.Load())
			}
			ok, last, err := stores[0].ClaimScheduledBackup(ctx, time.Hour, "late")
			if err != nil || ok || time.Since(last) > time.Minute {
				t.Fatalf("claimed again within the period: %v %v %v", ok, last, err)
			}
			// A period on, the next claim succeeds.
			stores[1].Now = func() time.Time { return time.Now().Add(61 * time.Minute) }
			if ok, _, err := stores[1].ClaimScheduledBackup(ctx, time.Hour, "next"); err != nil || !ok {
				t.Fatalf("next period not claimed: %v %v", ok, err)
			}
		})
	}
}

// BenchmarkBackup20k: one backup (SQLite: VACUUM INTO, online;
// PostgreSQL: pg_dump in custom format), with its SHA-256 and audit
// record, of a database of 20,000 merchants with their contacts.
func BenchmarkBackup20k(b *testing.B) {
	for name, dsn := range testenv.DSNs(b) {
		b.Run(name, func(b *testing.B) {
			s := testenv.Open(b, dsn)
			w := fx.Build(b, s)
			benchdb.Load(b, s, w, 20_000, 5_000)
			dir := b.TempDir()
			var size int64
			b.ResetTimer()
			for b.Loop() {
				bk, err := s.BackupInto(context.Background(), poscare.SystemActor("bench"), dir, false, "bench")
				if err != nil {
					b.Fatal(err)
				}
				size = bk.Size
				b.StopTimer()
				os.Remove(bk.Path)
				b.StartTimer()
			}
			b.ReportMetric(float64(size)/1e6, "MB")
		})
	}
}
