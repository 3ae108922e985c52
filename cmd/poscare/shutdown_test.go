package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptest"
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

// TestSIGTERMRecordsEverySendUnderWay queues the playbook's notices to
// 300 merchants, runs `poscare serve` against slow SMS and WeChat
// gateways and sends it SIGTERM while notices are being delivered. serve
// must exit 0, and every message a gateway received must be recorded as
// sent: a send under way is let finish and its outcome recorded before
// the store closes. Messages claimed but not begun go back to the queue
// at once, their attempts untouched, so the next start sends them.
func TestSIGTERMRecordsEverySendUnderWay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "term.db")
	s := testenv.Open(t, db)
	w := fixture.Build(t, s)
	agent := w.Users[poscare.RoleAgent]
	items := demo.NewGenerator(rand.New(rand.NewPCG(3, 3))).Merchants(300, func(int) (int64, int64, *int64) { return w.Team1.ID, agent.ID, nil })
	if err := s.CreateMerchants(ctx, fixture.Actor(w.Users[poscare.RoleOps]), items); err != nil {
		t.Fatal(err)
	}
	s.Close()
	keys := filepath.Join(dir, "keys")
	os.WriteFile(keys, []byte("DATA_KEYS=t1:"+b64(32, 7)+"\nINDEX_KEY="+b64(32, 3)+"\nAUDIT_KEY="+b64(32, 5)+"\nLINK_KEY="+b64(32, 9)+"\n"), 0o600)
	if code, out := runCmd(t, "staff", "declare-missing", fmt.Sprint(agent.ID), "--db", db, "--keys-file", keys, "--reason", "停机测试"); code != 0 {
		t.Fatalf("declare-missing: %s", out)
	}

	// Each request takes 400 ms to answer: at any moment up to eight
	// (the worker's senders) are under way.
	g := &gateway{latency: 400 * time.Millisecond}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	var stderr bytes.Buffer
	cmd := exec.Command(os.Args[0], "serve", "--db", db, "--keys-file", keys, "--listen", "127.0.0.1:0", "--log-level", "info",
		"--sms-webhook", srv.URL+"/sms", "--wechat-webhook", srv.URL+"/wechat", "--shutdown-grace", "20s")
	cmd.Env = append(os.Environ(), "POSCARE_AS_BINARY=1")
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
		}
	})
	// Into the second batch of sends, so some are under way.
	deadline := time.Now().Add(30 * time.Second)
	for len(g.received()) < 10 {
		if time.Now().After(deadline) {
			t.Fatalf("serve sent nothing in 30 s; its log:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) || err != nil {
			t.Fatalf("serve exited with %v after SIGTERM; its log:\n%s", err, stderr.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatalf("serve did not exit within 40 s of SIGTERM; its log:\n%s", stderr.String())
	}

	raw, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	status := map[string]string{}
	attempts := map[string]int{}
	rows, err := raw.Query("SELECT dedupe_key, status, attempts FROM outbox")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, st string
		var n int
		if err := rows.Scan(&k, &st, &n); err != nil {
			t.Fatal(err)
		}
		status[k], attempts[k] = st, n
	}
	rows.Close()
	got := g.received()
	reached := map[string]bool{}
	for _, r := range got {
		reached[r.key] = true
		if status[r.key] != "sent" {
			t.Errorf("message %s reached the gateway but is recorded %q", r.key, status[r.key])
		}
	}
	left := 0
	for k, st := range status {
		switch {
		case st == "sending":
			t.Errorf("message %s is still claimed after the shutdown", k)
		case !reached[k] && (st != "queued" || attempts[k] != 0):
			t.Errorf("message %s never reached a gateway but is %s after %d attempts", k, st, attempts[k])
		case !reached[k]:
			left++
		}
	}
	if left == 0 {
		t.Fatalf("every message was sent before SIGTERM took effect: the test proves nothing")
	}
	if log := stderr.String(); strings.Contains(log, "level=ERROR") || strings.Contains(log, "database is closed") {
		t.Errorf("the shutdown logged errors:\n%s", log)
	}
	t.Logf("%d messages reached the gateways before the shutdown; %d wait queued", len(reached), left)
}
