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
	"strings"
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
		os.Exit(runProcess())
	}
	os.Exit(m.Run())
}

// TestPlaybookSurvivesSIGKILL kills the playbook process at random moments,
// 50 times, each on a fresh copy of a database where one agent holds 3,000
// merchants, and checks after each kill: either nothing was handed over
// or everything was; every merchant has one account manager who is not
// the missing agent once the incident exists; no notice is lost or
// queued twice. Then the next start of the server must finish every
// declaration that was on record; one killed before it was recorded (its
// caller never heard back) is declared again, as a person would.
func TestPlaybookSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
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
	os.WriteFile(keys, []byte("DATA_KEYS=t1:"+b64(32, 7)+"\nINDEX_KEY="+b64(32, 3)+"\nAUDIT_KEY="+b64(32, 5)+"\nLINK_KEY="+b64(32, 9)+"\n"), 0o600)

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
		outcome, pending := check(t, db, agent.ID, held)
		if outcome == "nothing" && pending {
			outcome = "requested"
		}
		outcomes[fmt.Sprint(killed, "/", outcome)]++
		// The next start finishes what was on record.
		serveOnce(t, db, keys)
		after, pending := check(t, db, agent.ID, held)
		if pending {
			t.Fatalf("run %d: a declaration is still pending after a restart", i)
		}
		switch {
		case outcome == "requested" && after != "done":
			t.Fatalf("run %d: the restart did not finish the recorded declaration: %s", i, after)
		case outcome == "nothing":
			if after != "nothing" {
				t.Fatalf("run %d: a restart ran a declaration nobody recorded: %s", i, after)
			}
			if code, out := runCmd(t, "staff", "declare-missing", fmt.Sprint(agent.ID), "--db", db, "--keys-file", keys, "--reason", "再次申报"); code != 0 {
				t.Fatalf("run %d: declaring again failed: %s", i, out)
			}
			if got, _ := check(t, db, agent.ID, held); got != "done" {
				t.Fatalf("run %d: after declaring again: %s", i, got)
			}
		}
		os.Remove(db)
		os.Remove(db + "-wal")
		os.Remove(db + "-shm")
	}
	t.Logf("killed/outcome: %v", outcomes)
	if outcomes["true/requested"] == 0 {
		t.Errorf("no kill landed between the request and the playbook's commit: the test proves nothing about resuming (%v)", outcomes)
	}
}

// serveOnce starts the server on the database, as the next start after a
// crash would, and stops it once it listens.
func serveOnce(t *testing.T, db, keys string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := newLineWriter()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--keys-file", keys, "--listen", "127.0.0.1:0", "--log-level", "error"}, out, io.Discard)
	}()
	timeout := time.After(time.Minute)
	for {
		select {
		case line := <-out.lines:
			if strings.HasPrefix(line, "poscare listening on") {
				cancel()
				if code := <-done; code != 0 {
					t.Fatalf("serve exited with %d", code)
				}
				return
			}
		case code := <-done:
			t.Fatalf("serve exited with %d before listening", code)
		case <-timeout:
			t.Fatal("serve did not listen within a minute")
		}
	}
}

// check opens the database as the next start would and returns "nothing"
// or "done", failing the test on any half state, and whether a declaration
// is on record but not yet carried out.
func check(t *testing.T, path string, agentID int64, held int) (string, bool) {
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
	pending := one("SELECT COUNT(*) FROM playbook_requests WHERE done_at IS NULL") > 0
	status := ""
	db.QueryRow("SELECT status FROM users WHERE id = ?", agentID).Scan(&status)
	if noManager != 0 || notices != distinct {
		t.Fatalf("%s: %d merchants without manager, %d notices for %d merchants", path, noManager, notices, distinct)
	}
	switch {
	case incidents == 0 && stillHeld == held && notices == 0 && handed == 0 && status == string(poscare.UserActive):
		return "nothing", pending
	case incidents == 1 && stillHeld == 0 && handed == held && notices >= held-1 && status == string(poscare.UserMissing):
		return "done", pending
	}
	t.Fatalf("%s: half state: %d incidents, %d still held of %d, %d handed, %d notices, status %s", path, incidents, stillHeld, held, handed, notices, status)
	return "", false
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
