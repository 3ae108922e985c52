package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// testKeysFile writes the test vault's keys (testenv.Vault) to a keys file.
func testKeysFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys")
	body := "DATA_KEYS=t1:" + b64(32, 7) + "\nINDEX_KEY=" + b64(32, 3) + "\nAUDIT_KEY=" + b64(32, 5) + "\nLINK_KEY=" + b64(32, 9) + "\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAuditVerifyCommand is `poscare audit verify` against the checkpoints
// on both databases: intact, then the newest entries deleted, then the
// table emptied, each of which it used to call intact.
func TestAuditVerifyCommand(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := testenv.Open(t, dsn)
			fixture.Build(t, s)
			checkpoints := filepath.Join(t.TempDir(), "audit-checkpoints")
			s.AuditCheckpoints = checkpoints
			cp, _, err := s.CheckpointAudit(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			keys := testKeysFile(t)
			verify := func() (int, string) {
				return runCmd(t, "audit", "verify", "--db", dsn, "--keys-file", keys, "--checkpoints", checkpoints)
			}
			if code, out := verify(); code != 0 || !strings.Contains(out, "intact") || !strings.Contains(out, "held against the checkpoints") {
				t.Fatalf("untouched: %d %s", code, out)
			}
			driver, src := "pgx", dsn
			drop := "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
			if sqlstore.DialectOf(dsn) == sqlstore.SQLite {
				driver, src, drop = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)", "DROP TRIGGER audit_log_no_delete"
			}
			raw, err := sql.Open(driver, src)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			for _, q := range []string{drop, "DELETE FROM audit_log WHERE seq > " + itoa(cp.Seq-2)} {
				if _, err := raw.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if code, out := verify(); code != 1 || !strings.Contains(out, "tail_deleted") || !strings.Contains(out, "broken at entry "+itoa(cp.Seq-1)) {
				t.Fatalf("newest entries deleted: %d %s", code, out)
			}
			if _, err := raw.Exec("DELETE FROM audit_log"); err != nil {
				t.Fatal(err)
			}
			if code, out := verify(); code != 1 || !strings.Contains(out, "emptied") {
				t.Fatalf("table emptied: %d %s", code, out)
			}
			// A checkpoint file named on purpose must exist.
			code, out := runCmd(t, "audit", "verify", "--db", dsn, "--keys-file", keys, "--checkpoints", checkpoints+".gone")
			if code != 1 || !strings.Contains(out, "audit checkpoints") {
				t.Fatalf("missing checkpoint file: %d %s", code, out)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestKeysGenerate prints four distinct keys that open a store.
func TestKeysGenerate(t *testing.T) {
	code, out := runCmd(t, "keys", "generate")
	if code != 0 {
		t.Fatalf("keys generate: %d %s", code, out)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		name, value, _ := strings.Cut(line, "=")
		if seen[value] {
			t.Fatalf("keys generate printed one key twice: %s", out)
		}
		seen[value] = true
		t.Setenv(name, value)
	}
	for _, k := range keySettings {
		if os.Getenv(envName(k.option)) == "" {
			t.Fatalf("keys generate printed no %s: %s", envName(k.option), out)
		}
	}
	db := filepath.Join(t.TempDir(), "k.db")
	if code, out := runCmd(t, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %s", out)
	}
	if code, out := runCmd(t, "user", "add", "--db", db, "--login", "ops1", "--name", "运维", "--role", "ops", "--password", "a-strong-password"); code != 0 {
		t.Fatalf("user add with generated keys: %d %s", code, out)
	}
	if code, out := runCmd(t, "audit", "verify", "--db", db); code != 0 || !strings.Contains(out, "intact: 1 entries") {
		t.Fatalf("audit verify: %d %s", code, out)
	}
}

// TestDemoKeysFileGetsSigningKeys: a demo keys file from before the
// signing keys keeps its data keys and gains the two new ones.
func TestDemoKeysFileGetsSigningKeys(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "poscare.db.keys")
	old := "# old demo keys\nDATA_KEYS=t1:" + b64(32, 7) + "\nINDEX_KEY=" + b64(32, 3)
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ensureDemoKeys(path); err != nil {
		t.Fatal(err)
	}
	keys, err := readKeysFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if keys["DATA_KEYS"] != "t1:"+b64(32, 7) || keys["INDEX_KEY"] != b64(32, 3) || keys["AUDIT_KEY"] == "" || keys["LINK_KEY"] == "" || keys["AUDIT_KEY"] == keys["LINK_KEY"] {
		t.Fatalf("keys file after ensureDemoKeys: %v", keys)
	}
	if err := ensureDemoKeys(path); err != nil {
		t.Fatal(err)
	}
	if again, _ := readKeysFile(path); again["AUDIT_KEY"] != keys["AUDIT_KEY"] || again["LINK_KEY"] != keys["LINK_KEY"] {
		t.Fatal("a second start replaced the signing keys")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Fatalf("keys file mode %v", info.Mode().Perm())
	}
}

// TestServeNeedsCheckpointsOnPostgres: PostgreSQL has no file to put the
// checkpoints beside, so serve refuses to start without a path.
func TestServeNeedsCheckpointsOnPostgres(t *testing.T) {
	t.Parallel()
	code, out := runCmd(t, "serve", "--db", "postgres://nobody@127.0.0.1:1/none", "--keys-file", testKeysFile(t), "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(out, "--audit-checkpoints") {
		t.Fatalf("serve on PostgreSQL without --audit-checkpoints: %d %s", code, out)
	}
}
