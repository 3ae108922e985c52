package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/jobs"
)

// TestMigrateAndCopyCarryTheJobTables: `poscare migrate` creates the job
// engine's tables beside poscare's, and says so; a copy neither copies
// nor compares them (the source's queued jobs stay behind) but creates
// them on the target, so that serve can start there.
func TestMigrateAndCopyCarryTheJobTables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := testKeysFile(t)
	from := filepath.Join(dir, "src.db")
	s := testenv.Open(t, from)
	fixture.Build(t, s)
	s.Close()
	code, out := runCmd(t, "migrate", "--db", from)
	if code != 0 || !strings.Contains(out, "job engine migration(s)") {
		t.Fatalf("migrate: exit %d:\n%s", code, out)
	}
	raw, err := sql.Open("sqlite", "file:"+from)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO river_job (args, kind, max_attempts, queue, state) VALUES ('{}', 'outbox.deliver', 5, 'outbox', 'available')`); err != nil {
		t.Fatal(err)
	}
	if code, out := runCmd(t, "migrate", "--db", from); code != 0 || !strings.Contains(out, "applied 0 job engine migration(s)") {
		t.Fatalf("second migrate: exit %d:\n%s", code, out)
	}
	to := filepath.Join(dir, "dst.db")
	if code, out := runCmd(t, "copy", "--from", from, "--to", to, "--keys-file", keys); code != 0 {
		t.Fatalf("copy of a database with job tables: exit %d:\n%s", code, out)
	} else if strings.Contains(out, "river_") {
		t.Errorf("the copy counted the job engine's tables:\n%s", out)
	}
	dst := testenv.Open(t, to)
	if err := jobs.CheckSchema(context.Background(), dst); err != nil {
		t.Fatalf("the target's job tables: %v", err)
	}
	var n int
	if err := dst.JobsDB().QueryRow("SELECT COUNT(*) FROM river_job").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d jobs on the target (%v): the source's stay behind", n, err)
	}
}
