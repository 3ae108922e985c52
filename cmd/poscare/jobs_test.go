package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
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

// TestDeclareWithoutAChannel: a server with no mail, SMS or WeChat
// channel still runs the playbook through the API — the delivery job it
// queues with the notices has a kind, which does nothing, and the notices
// wait queued (it once failed the whole declaration: "no kind
// outbox.deliver is registered").
func TestDeclareWithoutAChannel(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	base, stop := serveOn(t, "demo", "--db", db)
	defer stop()
	token := demoLogin(t, base, "ops")
	req, _ := http.NewRequest("POST", base+"/api/v1/users/9/declare", strings.NewReader(`{"kind":"missing","reason":"连续三天联系不上","strategy":"spread"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var x struct {
		ID     int64 `json:"id"`
		Handed struct {
			Merchants     int `json:"merchants"`
			Notifications int `json:"notifications_queued"`
		} `json:"handed_over"`
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated || json.Unmarshal(b, &x) != nil || x.ID == 0 {
		t.Fatalf("declare without a channel: %d %s", res.StatusCode, b)
	}
	if x.Handed.Merchants == 0 || x.Handed.Notifications == 0 {
		t.Fatalf("the playbook handed over %+v: the test proves nothing", x.Handed)
	}
}
