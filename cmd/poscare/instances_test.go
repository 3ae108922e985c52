package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"poscare"
	"poscare/console"
	"poscare/demo"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
)

// String returns everything written so far.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// instance is one `poscare serve` process of the test.
type instance struct {
	name string
	cmd  *exec.Cmd
	base string
	log  *syncBuffer
	done chan error
}

// TestTwoInstancesOnOnePostgres runs two `poscare serve` processes on one
// PostgreSQL database, both sending through the same SMS and WeChat
// gateways, and checks what several instances must keep: a token and a
// console session from one work on the other; an agent holding 300
// merchants, declared missing through one, has every notice delivered
// exactly once across both (counted at the gateways by Idempotency-Key),
// the incident's "merchants informed" ticked once; the silence sweeps of
// both, every second, mark a silent agent once; and both stop cleanly
// within 10 s of SIGTERM.
func TestTwoInstancesOnOnePostgres(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresDSN(t)
	if dsn == "" {
		t.Skip("POSCARE_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	dir := t.TempDir()

	// The data, through the store, before either instance starts: a team
	// whose agent holds 300 merchants besides the fixture's, and an agent
	// silent for a month.
	s := testenv.Open(t, dsn)
	w := fixture.Build(t, s)
	sys := poscare.SystemActor("t")
	agent, lead := w.Users[poscare.RoleAgent], w.Users[poscare.RoleLead]
	items := demo.NewGenerator(rand.New(rand.NewPCG(11, 11))).Merchants(300, func(int) (int64, int64, *int64) { return w.Team1.ID, agent.ID, nil })
	if err := s.CreateMerchants(ctx, fixture.Actor(w.Users[poscare.RoleOps]), items); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	one := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := raw.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	silent := func(login string) *poscare.User {
		t.Helper()
		u := &poscare.User{Login: login, Name: "沉默" + login, Role: poscare.RoleAgent, TeamID: &w.Team1.ID, Mobile: fixture.Mobile(fixture.Seq())}
		if err := s.CreateUser(ctx, sys, u, fixture.Password); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec("UPDATE users SET last_seen_at = $1 WHERE id = $2", time.Now().AddDate(0, 0, -30).UnixMicro(), u.ID); err != nil {
			t.Fatal(err)
		}
		return u
	}
	quietBefore := silent("quiet1")
	if n := one("SELECT COUNT(*) FROM outbox"); n != 0 {
		t.Fatalf("%d messages queued before the test began", n)
	}

	// Each instance sends to its own paths of the gateways, so that the
	// gateways can tell which instance sent what.
	g := &gateway{latency: 40 * time.Millisecond}
	gw := httptest.NewServer(g)
	t.Cleanup(gw.Close)
	keys := testKeysFile(t)
	var running []*instance
	t.Cleanup(func() {
		for _, in := range running {
			in.cmd.Process.Signal(syscall.SIGKILL) // an error once it has exited
			<-in.done
		}
	})
	listening := regexp.MustCompile(`^poscare listening on (http://127\.0\.0\.1:\d+)$`)
	start := func(name string) *instance {
		t.Helper()
		in := &instance{name: name, log: &syncBuffer{}, done: make(chan error, 1)}
		in.cmd = exec.Command(os.Args[0], "serve", "--db", dsn, "--keys-file", keys, "--listen", "127.0.0.1:0",
			"--audit-checkpoints", filepath.Join(dir, name+".audit-checkpoints"), "--log-level", "warn",
			"--sms-webhook", gw.URL+"/"+name+"/sms", "--wechat-webhook", gw.URL+"/"+name+"/wechat",
			"--sweep-every", "1s", "--shutdown-grace", "5s")
		in.cmd.Env = append(os.Environ(), "POSCARE_AS_BINARY=1")
		stdout := newLineWriter()
		in.cmd.Stdout, in.cmd.Stderr = stdout, in.log
		if err := in.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		running = append(running, in)
		go func() { in.done <- in.cmd.Wait() }()
		timeout := time.After(30 * time.Second)
		for in.base == "" {
			select {
			case line := <-stdout.lines:
				if m := listening.FindStringSubmatch(line); m != nil {
					in.base = m[1]
				}
			case err := <-in.done:
				in.done <- err
				t.Fatalf("instance %s exited before listening (%v): %s", name, err, in.log.String())
			case <-timeout:
				t.Fatalf("instance %s did not listen within 30 s: %s", name, in.log.String())
			}
		}
		return in
	}
	began := time.Now()
	a, b := start("a"), start("b")

	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(req *http.Request) (*http.Response, []byte) {
		t.Helper()
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}
	api := func(in *instance, method, path, token, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, in.base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, b := do(req)
		return res.StatusCode, b
	}
	token := func(in *instance, u *poscare.User) string {
		t.Helper()
		code, body := api(in, "POST", "/api/v1/auth/token", "", fmt.Sprintf(`{"login":%q,"password":%q}`, u.Login, fixture.Password))
		var tr struct{ Token string }
		if code != 200 || json.Unmarshal(body, &tr) != nil || tr.Token == "" {
			t.Fatalf("log in %s on instance %s: %d %s", u.Login, in.name, code, body)
		}
		return tr.Token
	}

	t.Run("TokenFromOneWorksOnTheOther", func(t *testing.T) {
		tok := token(a, lead)
		code, body := api(b, "GET", "/api/v1/me", tok, "")
		var me struct{ User struct{ Login string } }
		if code != 200 || json.Unmarshal(body, &me) != nil || me.User.Login != lead.Login {
			t.Fatalf("A's token on B: %d %s", code, body)
		}
		if code, _ := api(b, "GET", "/api/v1/me", tok+"x", ""); code != 401 {
			t.Fatalf("a forged token on B: %d, want 401", code)
		}
	})
	t.Run("ConsoleSessionFromOneWorksOnTheOther", func(t *testing.T) {
		form := url.Values{"login": {lead.Login}, "password": {fixture.Password}}
		req, _ := http.NewRequest("POST", a.base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, body := do(req)
		var session *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == console.SessionCookie && c.Value != "" {
				session = c
			}
		}
		if res.StatusCode != http.StatusSeeOther || session == nil {
			t.Fatalf("console login on A: %d, cookies %v: %s", res.StatusCode, res.Cookies(), body)
		}
		page := func(c *http.Cookie) (int, string) {
			req, _ := http.NewRequest("GET", b.base+"/", nil)
			if c != nil {
				req.AddCookie(c)
			}
			res, body := do(req)
			return res.StatusCode, string(body)
		}
		if code, body := page(session); code != 200 || !strings.Contains(body, lead.Name) {
			t.Fatalf("A's session on B: %d, the page does not name %s", code, lead.Name)
		}
		if code, _ := page(nil); code != http.StatusSeeOther {
			t.Fatalf("B without a session: %d, want a redirect to the login", code)
		}
	})

	// The declaration goes through B; both instances send.
	code, body := api(b, "POST", fmt.Sprintf("/api/v1/users/%d/declare", agent.ID), token(b, lead),
		`{"kind":"missing","reason":"手机关机两天，多实例测试","strategy":"spread"}`)
	var x poscare.Incident
	if code != 201 && code != 200 || json.Unmarshal(body, &x) != nil || x.ID == 0 {
		t.Fatalf("declare through B: %d %s", code, body)
	}
	notices := one("SELECT COUNT(*) FROM outbox WHERE incident_id = $1", x.ID)
	if notices < 300 {
		t.Fatalf("only %d notices queued for %d merchants", notices, len(items)+1)
	}
	// A second agent falls silent while both sweep every second.
	quietDuring := silent("quiet2")

	// Every message (the notices, and the alerts about the silent agents)
	// reaches a gateway; then both instances sweep a few more rounds.
	pending := func() int { return one("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'") }
	unmarked := func() int {
		return one("SELECT COUNT(*) FROM users WHERE id IN ($1, $2) AND status <> 'unreachable'", quietBefore.ID, quietDuring.ID)
	}
	informed := func() int {
		return one("SELECT COUNT(*) FROM incident_events WHERE incident_id = $1 AND msg LIKE '%timeline.all_informed%'", x.ID)
	}
	deadline := time.Now().Add(60 * time.Second)
	for pending() > 0 || unmarked() > 0 || informed() == 0 || len(g.received()) < one("SELECT COUNT(*) FROM outbox") {
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: %d messages not sent, %d silent agents not marked, informed %d, %d requests; logs:\nA: %s\nB: %s",
				pending(), unmarked(), informed(), len(g.received()), a.log.String(), b.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond)

	t.Run("EveryMessageDeliveredOnce", func(t *testing.T) {
		rows, err := raw.Query("SELECT dedupe_key, channel, status, attempts FROM outbox")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		channelOf := map[string]string{}
		for rows.Next() {
			var key, channel, status string
			var attempts int
			if err := rows.Scan(&key, &channel, &status, &attempts); err != nil {
				t.Fatal(err)
			}
			if status != "sent" || attempts != 1 {
				t.Errorf("message %s is %s after %d attempts", key, status, attempts)
			}
			channelOf[key] = channel
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		got := g.received()
		times, by := map[string]int{}, map[string]int{}
		for _, r := range got {
			from, channel, _ := strings.Cut(r.channel, "/")
			by[from]++
			times[r.key]++
			switch want, ok := channelOf[r.key]; {
			case !ok:
				t.Errorf("the %s gateway got key %q, which is no message's", channel, r.key)
			case want != channel:
				t.Errorf("message %s, queued for %s, reached the %s gateway", r.key, want, channel)
			}
		}
		repeated := 0
		for key, n := range times {
			if n != 1 {
				if repeated++; repeated <= 5 {
					t.Errorf("message %s reached its gateway %d times", key, n)
				}
			}
		}
		if repeated > 5 {
			t.Errorf("%d messages reached their gateway more than once", repeated)
		}
		if len(times) != len(channelOf) || len(got) != len(channelOf) {
			t.Errorf("%d messages, %d distinct keys at the gateways, %d requests", len(channelOf), len(times), len(got))
		}
		t.Logf("%d messages (%d notices): instance A sent %d, B %d", len(channelOf), notices, by["a"], by["b"])
		if by["a"] == 0 || by["b"] == 0 {
			t.Errorf("one instance sent everything (A %d, B %d): the test shows nothing about sharing", by["a"], by["b"])
		}
	})
	t.Run("MerchantsInformedTickedOnce", func(t *testing.T) {
		if n := informed(); n != 1 {
			t.Errorf("%d timeline events say the merchants are informed", n)
		}
		if n := one("SELECT COUNT(*) FROM audit_log WHERE action = 'check' AND entity = 'incident' AND entity_id = $1", x.ID); n != 1 {
			t.Errorf("%d audit entries tick the incident's checklist", n)
		}
	})
	t.Run("SweepsActOnce", func(t *testing.T) {
		for _, u := range []*poscare.User{quietBefore, quietDuring} {
			if n := one("SELECT COUNT(*) FROM audit_log WHERE action = 'status' AND entity = 'user' AND entity_id = $1", u.ID); n != 1 {
				t.Errorf("%s: %d status audit entries", u.Login, n)
			}
			if n := one("SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE $1", fmt.Sprintf("alert:%d:%%", u.ID)); n == 0 {
				t.Errorf("%s: no alert queued", u.Login)
			}
		}
		// The sweeps ran several times, and once a second across both
		// instances, not once a second on each: one instance at a time is
		// elected to queue the periodic jobs, and each is worked by
		// whichever instance fetches it first.
		ops := w.Users[poscare.RoleOps]
		sweeps := regexp.MustCompile(`(?m)^poscare_jobs_total\{kind="silence_sweep",outcome="ok"\} (\d+)$`)
		total, by := 0, map[string]int{}
		for _, in := range []*instance{a, b} {
			code, body := api(in, "GET", "/metrics", token(in, ops), "")
			if code != 200 || !strings.Contains(string(body), "poscare_jobs_total") {
				t.Fatalf("/metrics on %s: %d", in.name, code)
			}
			if m := sweeps.FindSubmatch(body); m != nil {
				by[in.name], _ = strconv.Atoi(string(m[1]))
				total += by[in.name]
			}
		}
		elapsed := time.Since(began)
		if total < 3 || total > int(elapsed/time.Second)+3 {
			t.Errorf("%d silence sweeps (A %d, B %d) in the %s both instances ran, sweeping every second: want several, at most one a second",
				total, by["a"], by["b"], elapsed.Round(time.Second))
		}
		t.Logf("%d silence sweeps in %s: A %d, B %d", total, elapsed.Round(time.Second), by["a"], by["b"])
	})

	t.Run("BothStopWithin10sOfSIGTERM", func(t *testing.T) {
		began := time.Now()
		for _, in := range []*instance{a, b} {
			in.cmd.Process.Signal(syscall.SIGTERM)
		}
		for _, in := range []*instance{a, b} {
			select {
			case err := <-in.done:
				in.done <- err
				if err != nil {
					t.Errorf("instance %s exited with %v: %s", in.name, err, in.log.String())
				}
			case <-time.After(10*time.Second - time.Since(began)):
				t.Fatalf("instance %s still running 10 s after SIGTERM", in.name)
			}
		}
		t.Logf("both stopped %s after SIGTERM", time.Since(began).Round(time.Millisecond))
		if t.Failed() {
			return
		}
		// Nothing the shutdown did changed a delivery.
		if n := pending(); n != 0 {
			t.Errorf("%d messages not sent after the shutdown", n)
		}
	})
}

// TestSweepEveryIsValidated refuses a sweep interval that is not a
// duration of at least a second, naming the setting, before anything is
// opened.
func TestSweepEveryIsValidated(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "never.db")
	for _, v := range []string{"0s", "500ms", "-1m", "ten minutes"} {
		code, out := runCmd(t, "serve", "--db", db, "--sweep-every", v)
		if code == 0 || !strings.Contains(out, "sweep-every") || !strings.Contains(out, "at least 1s") {
			t.Errorf("--sweep-every %q: exit %d: %s", v, code, out)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused setting still created the database: %v", err)
	}
}
