package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"poscare"
	"poscare/demo"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
)

// TestMain lets the test binary stand in for the poscare binary: with
// POSCARE_AS_BINARY=1 it runs the command line and exits, so the fault
// test can start it as a real process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("POSCARE_AS_BINARY") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestPlaybookSurvivesSIGKILL kills the playbook process at random moments,
// 50 times, each on a fresh copy of a database where one agent holds 3,000
// merchants, and checks after each kill: either nothing was handed over
// or everything was; every merchant has one account manager who is not
// the missing agent once the incident exists; no notice is lost or
// queued twice. Then it runs the playbook to completion on the same copy.
func TestPlaybookSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 50 processes")
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "base.db")
	s := testenv.Open(t, base)
	w := fixture.Build(t, s)
	agent := w.Users[poscare.RoleAgent]
	items := demo.NewGenerator(rand.New(rand.NewPCG(5, 5))).Merchants(3000, func(int) (int64, int64, *int64) { return w.Team1.ID, agent.ID, nil })
	if err := s.CreateMerchants(context.Background(), fixture.Actor(w.Users[poscare.RoleOps]), items); err != nil {
		t.Fatal(err)
	}
	held := len(items) + 1 // and the fixture's merchant
	s.Close()
	keys := filepath.Join(dir, "keys")
	os.WriteFile(keys, []byte("DATA_KEYS=t1:"+b64(32, 7)+"\nINDEX_KEY="+b64(32, 3)+"\n"), 0o600)

	r := rand.New(rand.NewPCG(1, 1))
	outcomes := map[string]int{}
	for i := 0; i < 50; i++ {
		db := filepath.Join(dir, fmt.Sprintf("run%d.db", i))
		copyFile(t, base, db)
		cmd := exec.Command(os.Args[0], "staff", "declare-missing", fmt.Sprint(agent.ID), "--db", db, "--keys-file", keys, "--reason", "故障注入测试")
		cmd.Env = append(os.Environ(), "POSCARE_AS_BINARY=1")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(r.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		killed := err != nil
		outcome := check(t, db, agent.ID, held)
		outcomes[fmt.Sprint(killed, "/", outcome)]++
		// The next start finishes the job.
		if code, out := runCmd(t, "staff", "declare-missing", fmt.Sprint(agent.ID), "--db", db, "--keys-file", keys, "--reason", "重启后继续"); code != 0 {
			t.Fatalf("run %d: rerun failed: %s", i, out)
		}
		if got := check(t, db, agent.ID, held); got != "done" {
			t.Fatalf("run %d: after the rerun: %s", i, got)
		}
		os.Remove(db)
		os.Remove(db + "-wal")
		os.Remove(db + "-shm")
	}
	t.Logf("killed/outcome: %v", outcomes)
	if outcomes["true/nothing"] == 0 {
		t.Errorf("no kill landed before the commit: the test proves nothing about it (%v)", outcomes)
	}
}

// check opens the database as the next start would and returns "nothing"
// or "done", failing the test on any half state.
func check(t *testing.T, path string, agentID int64, held int) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	one := func(q string, args ...any) int {
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	incidents := one("SELECT COUNT(*) FROM incidents")
	stillHeld := one("SELECT COUNT(*) FROM merchants WHERE account_manager_id = ? AND archived_at IS NULL", agentID)
	noManager := one("SELECT COUNT(*) FROM merchants WHERE account_manager_id IS NULL")
	notices := one("SELECT COUNT(*) FROM outbox")
	distinct := one("SELECT COUNT(DISTINCT merchant_id) FROM outbox")
	handed := one("SELECT COUNT(*) FROM handovers WHERE kind = 'merchant'")
	status := ""
	db.QueryRow("SELECT status FROM users WHERE id = ?", agentID).Scan(&status)
	if noManager != 0 || notices != distinct {
		t.Fatalf("%s: %d merchants without manager, %d notices for %d merchants", path, noManager, notices, distinct)
	}
	switch {
	case incidents == 0 && stillHeld == held && notices == 0 && handed == 0 && status == string(poscare.UserActive):
		return "nothing"
	case incidents == 1 && stillHeld == 0 && handed == held && notices >= held-1 && status == string(poscare.UserMissing):
		return "done"
	}
	t.Fatalf("%s: half state: %d incidents, %d still held of %d, %d handed, %d notices, status %s", path, incidents, stillHeld, held, handed, notices, status)
	return ""
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if b, err := os.ReadFile(from + suffix); err == nil {
			os.WriteFile(to+suffix, b, 0o600)
		}
	}
}

// b64 is the base64 of n copies of byte v: the test vault's keys.
func b64(n int, v byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{v}, n))
}
