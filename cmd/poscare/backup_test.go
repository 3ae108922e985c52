package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
)

// TestBackupCommands takes a backup with the command line while serve
// runs on the database, verifies it, restores it onto a new database and
// checks the audit chain there; on SQLite and on PostgreSQL.
func TestBackupCommands(t *testing.T) {
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := testenv.Open(t, dsn)
			fixture.Build(t, s)
			s.Close()
			keys := filepath.Join(dir, "keys")
			os.WriteFile(keys, []byte("DATA_KEYS=t1:"+b64(32, 7)+"\nINDEX_KEY="+b64(32, 3)+"\nAUDIT_KEY="+b64(32, 5)+"\nLINK_KEY="+b64(32, 9)+"\n"), 0o600)

			// The keys through the environment, as a deployment gives them.
			t.Setenv("POSCARE_KEYS_FILE", keys)
			ctx, cancel := context.WithCancel(context.Background())
			out := newLineWriter()
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, []string{"serve", "--db", dsn, "--keys-file", keys, "--audit-checkpoints", filepath.Join(dir, "checkpoints"),
					"--listen", "127.0.0.1:0", "--log-level", "warn"}, out, io.Discard)
			}()
		wait:
			for {
				select {
				case line := <-out.lines:
					if strings.HasPrefix(line, "poscare listening on") {
						break wait
					}
				case c := <-done:
					t.Fatalf("serve ended before listening: exit %d", c)
				}
			}
			file := filepath.Join(dir, "copy.backup")
			code, msg := runCmd(t, "backup", "--db", dsn, "--to", file)
			cancel()
			if c := <-done; c != 0 {
				t.Errorf("serve exit %d", c)
			}
			if code != 0 || !regexp.MustCompile(`sha256 [0-9a-f]{64}`).MatchString(msg) || !strings.Contains(msg, "keys are not in it") {
				t.Fatalf("backup: %d %s", code, msg)
			}
			verifyArgs := []string{"backup", "verify", file}
			if name == "postgres" {
				verifyArgs = append(verifyArgs, "--db", dsn)
			}
			if code, msg := runCmd(t, verifyArgs...); code != 0 || !strings.Contains(msg, "is good") || !strings.Contains(msg, "2 merchants") {
				t.Fatalf("backup verify: %d %s", code, msg)
			}
			target := filepath.Join(dir, "restored.db")
			if name == "postgres" {
				target = testenv.PostgresDatabase(t, "poscare")
			}
			if code, msg := runCmd(t, "restore", "--from", file, "--db", target); code != 0 || !strings.Contains(msg, "2 merchants") {
				t.Fatalf("restore: %d %s", code, msg)
			}
			if code, msg := runCmd(t, "audit", "verify", "--db", target); code != 0 || !strings.Contains(msg, "intact") {
				t.Fatalf("audit verify on the restored database: %d %s", code, msg)
			}
			if code, msg := runCmd(t, "restore", "--from", file, "--db", target); code == 0 {
				t.Fatalf("restored twice onto one database: %s", msg)
			}
			// Serve starts on the restored database with the same keys.
			r := testenv.Open(t, target)
			es, err := r.AuditEntries(context.Background(), poscare.AuditFilter{Entity: "database"})
			if err != nil || len(es) == 0 || es[0].Action != poscare.AuditBackupRestore {
				t.Fatalf("restore not audited: %+v %v", es, err)
			}
		})
	}
}

// TestScheduledBackupsKeepTheNewest runs serve with a backup every second
// and two kept: old scheduled backups go, a file of another name stays.
func TestScheduledBackupsKeepTheNewest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "sched.db")
	s := testenv.Open(t, db)
	fixture.Build(t, s)
	keys := filepath.Join(dir, "keys")
	os.WriteFile(keys, []byte("DATA_KEYS=t1:"+b64(32, 7)+"\nINDEX_KEY="+b64(32, 3)+"\nAUDIT_KEY="+b64(32, 5)+"\nLINK_KEY="+b64(32, 9)+"\n"), 0o600)
	backups := filepath.Join(dir, "backups")
	os.MkdirAll(backups, 0o700)
	os.WriteFile(filepath.Join(backups, "poscare-before-upgrade.db"), []byte("mine"), 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--keys-file", keys, "--listen", "127.0.0.1:0", "--log-level", "warn",
			"--backup-every", "1s", "--backup-keep", "2"}, io.Discard, io.Discard)
	}()
	count := func() int {
		es, err := s.AuditEntries(context.Background(), poscare.AuditFilter{Entity: "database", Page: poscare.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range es {
			if e.Action == poscare.AuditBackup {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(30 * time.Second)
	for count() < 4 {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("only %d scheduled backups in 30 s", count())
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if c := <-done; c != 0 {
		t.Fatalf("serve exit %d", c)
	}
	files, _ := os.ReadDir(backups)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	auto := 0
	for _, n := range names {
		if strings.HasPrefix(n, "poscare-auto-") {
			auto++
		}
	}
	if auto != 2 || !strings.Contains(strings.Join(names, " "), "poscare-before-upgrade.db") {
		t.Fatalf("backup folder holds %v: want the 2 newest scheduled and the other file", names)
	}
}
