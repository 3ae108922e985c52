package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"poscare"
	"poscare/demo"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/notify"
	"poscare/sqlstore"
)

// gatewayRequest is one message a fake SMS or WeChat gateway took in full.
type gatewayRequest struct {
	channel, key string
	payload      notify.WebhookPayload
}

// gateway stands in for the SMS and WeChat providers: it keeps every
// message it receives in full, at once, and answers after a delay, so that
// a sender killed meanwhile has delivered a message it could not record.
type gateway struct {
	mu       sync.Mutex
	requests []gatewayRequest
	latency  time.Duration
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p notify.WebhookPayload
	body, err := io.ReadAll(r.Body)
	if err != nil || json.Unmarshal(body, &p) != nil {
		http.Error(w, "incomplete message", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	g.requests = append(g.requests, gatewayRequest{channel: r.URL.Path[1:], key: r.Header.Get("Idempotency-Key"), payload: p})
	g.mu.Unlock()
	time.Sleep(g.latency)
}

func (g *gateway) received() []gatewayRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gatewayRequest(nil), g.requests...)
}

// TestOutboxSurvivesSIGKILL queues the playbook's notices to 1,001
// merchants, then runs `poscare serve` against fake SMS and WeChat
// gateways and kills it with SIGKILL at random moments while it sends, 15
// times, restarting it each time, and finally lets it drain. No message
// may be lost, and a message the gateways received more than once must
// carry the same idempotency key each time, so that a gateway that drops
// repeats of a key delivers every message exactly once.
func TestOutboxSurvivesSIGKILL(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("starts and kills 16 servers")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "outbox.db")
	s := testenv.Open(t, db)
	w := fixture.Build(t, s)
	agent := w.Users[poscare.RoleAgent]
	items := demo.NewGenerator(rand.New(rand.NewPCG(7, 7))).Merchants(1000, func(int) (int64, int64, *int64) { return w.Team1.ID, agent.ID, nil })
	if err := s.CreateMerchants(ctx, fixture.Actor(w.Users[poscare.RoleOps]), items); err != nil {
		t.Fatal(err)
	}
	s.Close()
	keys := filepath.Join(dir, "keys")
	os.WriteFile(keys, []byte("DATA_KEYS=t1:"+b64(32, 7)+"\nINDEX_KEY="+b64(32, 3)+"\nAUDIT_KEY="+b64(32, 5)+"\nLINK_KEY="+b64(32, 9)+"\n"), 0o600)
	if code, out := runCmd(t, "staff", "declare-missing", fmt.Sprint(agent.ID), "--db", db, "--keys-file", keys, "--reason", "故障注入测试"); code != 0 {
		t.Fatalf("declare-missing: %s", out)
	}

	raw, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	type message struct{ key, channel, address, subject, body, status string }
	outbox := func() []message {
		t.Helper()
		rows, err := raw.Query("SELECT dedupe_key, channel, address, lang, subject_msg, body_msg, status FROM outbox ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []message
		for rows.Next() {
			var m message
			var lang string
			if err := rows.Scan(&m.key, &m.channel, &m.address, &lang, &m.subject, &m.body, &m.status); err != nil {
				t.Fatal(err)
			}
			// As the gateway gets them: in the reader's language.
			m.subject, m.body = poscare.DecodeMsg(m.subject).In(lang), poscare.DecodeMsg(m.body).In(lang)
			out = append(out, m)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	pending := func() int {
		t.Helper()
		var n int
		if err := raw.QueryRow("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A message is known by what it says to whom: the test needs every
	// one to differ from the others, to tell a repeat from another message.
	queued := outbox()
	if len(queued) < 1000 {
		t.Fatalf("only %d notices queued", len(queued))
	}
	type content struct{ channel, to, subject, body string }
	keyOf := map[content]string{}
	for _, m := range queued {
		if m.channel != "sms" && m.channel != "wechat" {
			t.Fatalf("notice %s goes by %s: the test's gateways take SMS and WeChat only", m.key, m.channel)
		}
		c := content{m.channel, m.address, m.subject, m.body}
		if _, dup := keyOf[c]; dup {
			t.Fatalf("two notices say the same to %s: the test cannot tell them apart", m.address)
		}
		keyOf[c] = m.key
	}

	g := &gateway{latency: 20 * time.Millisecond}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	var stderr bytes.Buffer
	var running *exec.Cmd
	// A failed check must not leave a server running.
	t.Cleanup(func() {
		if running != nil {
			running.Process.Signal(syscall.SIGKILL)
			running.Wait()
		}
	})
	start := func() *exec.Cmd {
		t.Helper()
		cmd := exec.Command(os.Args[0], "serve", "--db", db, "--keys-file", keys, "--listen", "127.0.0.1:0", "--log-level", "warn",
			"--sms-webhook", srv.URL+"/sms", "--wechat-webhook", srv.URL+"/wechat")
		cmd.Env = append(os.Environ(), "POSCARE_AS_BINARY=1")
		stderr.Reset()
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		running = cmd
		return cmd
	}
	kill := func(cmd *exec.Cmd) {
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		running = nil
	}

	r := rand.New(rand.NewPCG(2, 2))
	killedMidSend := 0
	for i := 0; i < 15 && pending() > 0; i++ {
		before := len(g.received())
		cmd := start()
		deadline := time.Now().Add(15 * time.Second)
		for len(g.received()) == before {
			if time.Now().After(deadline) {
				kill(cmd)
				t.Fatalf("run %d: serve sent nothing in 15 s; its log:\n%s", i, stderr.String())
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(time.Duration(r.IntN(250)) * time.Millisecond)
		kill(cmd)
		if pending() > 0 {
			killedMidSend++
		}
		// The dead worker's claims would be taken up again once their
		// lease ran out; rather than wait for it, the test lets that
		// time pass for them.
		if _, err := raw.Exec("UPDATE outbox SET next_attempt_at = next_attempt_at - ? WHERE status = 'sending'", sqlstore.SendLease.Microseconds()); err != nil {
			t.Fatal(err)
		}
	}
	if killedMidSend < 10 {
		t.Fatalf("only %d kills landed while messages were still to send: the test proves little", killedMidSend)
	}

	// The last start drains the outbox.
	cmd := start()
	deadline := time.Now().Add(30 * time.Second)
	for pending() > 0 {
		if time.Now().After(deadline) {
			kill(cmd)
			t.Fatalf("%d messages still not sent after 30 s; the log:\n%s", pending(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// With every notice delivered, the worker ticks "merchants informed"
	// on the incident by itself.
	informed := func() bool {
		var cl string
		if err := raw.QueryRow("SELECT checklist FROM incidents").Scan(&cl); err != nil {
			t.Fatal(err)
		}
		var items []poscare.CheckItem
		json.Unmarshal([]byte(cl), &items)
		for _, c := range items {
			if c.Item == poscare.CheckMerchantsInformed {
				return c.Done != nil
			}
		}
		return false
	}
	for !informed() {
		if time.Now().After(deadline) {
			kill(cmd)
			t.Fatalf("all notices delivered, but the incident does not say the merchants are informed; the log:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	kill(cmd)

	final := outbox()
	if len(final) != len(queued) {
		t.Errorf("the outbox holds %d messages, %d were queued: a send failed and fell back", len(final), len(queued))
	}
	for _, m := range final {
		if m.status != "sent" {
			t.Errorf("message %s is %s after the drain", m.key, m.status)
		}
	}
	// Each request is matched to its message by content; the first few
	// of each kind of fault are enough to read.
	got := g.received()
	reached, seen := map[string]int{}, map[string]bool{}
	faults := map[string]int{}
	fault := func(kind, format string, args ...any) {
		if faults[kind]++; faults[kind] <= 5 {
			t.Errorf(format, args...)
		}
	}
	for _, req := range got {
		seen[req.key] = true
		want, ok := keyOf[content{req.channel, req.payload.To, req.payload.Subject, req.payload.Body}]
		switch {
		case !ok:
			fault("unknown", "the %s gateway got a message nobody queued, key %q, to %s", req.channel, req.key, req.payload.To)
			continue
		case req.key != want || req.payload.ID != want:
			fault("key", "the message %s reached the %s gateway with key %q and id %q", want, req.channel, req.key, req.payload.ID)
		}
		reached[want]++
	}
	repeats := 0
	for _, m := range queued {
		switch n := reached[m.key]; {
		case n == 0:
			fault("lost", "message %s to %s never reached its gateway", m.key, m.address)
		case n > 1:
			repeats++
		}
	}
	if len(faults) > 0 {
		t.Errorf("faults by kind: %v", faults)
	}
	if len(seen) != len(queued) {
		t.Errorf("%d distinct keys reached the gateways for %d messages", len(seen), len(queued))
	}
	t.Logf("%d messages, %d requests; %d messages sent more than once; %d of 15 kills mid-send",
		len(queued), len(got), repeats, killedMidSend)
	if repeats == 0 {
		t.Errorf("no kill fell between a send and its record: the test proves nothing about repeats")
	}
}
