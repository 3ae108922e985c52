package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"poscare"
	"poscare/console"
	"poscare/httpapi"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/observe"
	"poscare/sqlstore"
)

// syncBuffer collects log output written from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON log lines written so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// observed is a server built the way serve builds it, on a real SQLite
// store, logging JSON into a buffer.
type observed struct {
	*testing.T
	srv    *httptest.Server
	store  *sqlstore.Store
	world  *fixture.World
	ready  *observe.Readiness
	log    *syncBuffer
	tokens map[poscare.Role]string
}

func newObserved(t *testing.T) *observed {
	t.Helper()
	store := testenv.Open(t, filepath.Join(t.TempDir(), "obs.db"))
	w := fixture.Build(t, store)
	log := &syncBuffer{}
	logger := newLogger(config{"log-level": "info", "log-format": "json"}, log)
	store.Log = logger
	api := httpapi.New(store, logger, "test")
	web, err := console.New(store, logger)
	if err != nil {
		t.Fatal(err)
	}
	m := observe.New("test")
	m.WatchStore(store)
	ready := &observe.Readiness{Store: store, Logger: logger}
	srv := httptest.NewServer(rootHandler(api, web, m, ready, logger))
	t.Cleanup(srv.Close)
	o := &observed{T: t, srv: srv, store: store, world: w, ready: ready, log: log, tokens: map[poscare.Role]string{}}
	for _, r := range []poscare.Role{poscare.RoleAdmin, poscare.RoleOps, poscare.RoleAgent} {
		if o.tokens[r], err = store.IssueToken(context.Background(), w.Users[r].ID); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// do sends a request with the role's token (none for "") and returns the
// response with its body read.
func (o *observed) do(method, path string, role poscare.Role, body string, header ...string) (*http.Response, []byte) {
	o.Helper()
	req, err := http.NewRequest(method, o.srv.URL+path, strings.NewReader(body))
	if err != nil {
		o.Fatal(err)
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+o.tokens[role])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		o.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// scrape reads /metrics as ops and parses the exposition.
func (o *observed) scrape() map[string]*dto.MetricFamily {
	o.Helper()
	res, b := o.do("GET", "/metrics", poscare.RoleOps, "")
	if res.StatusCode != 200 {
		o.Fatalf("/metrics as ops: %d %s", res.StatusCode, b)
	}
	fams, err := parseExposition(bytes.NewReader(b))
	if err != nil {
		o.Fatalf("exposition: %v\n%s", err, b)
	}
	return fams
}

// parseExposition reads the Prometheus text format.
func parseExposition(r io.Reader) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(r)
}

// sample is one series: its labels and value (a counter's, a gauge's, or
// a histogram's count).
type sample struct {
	labels map[string]string
	value  float64
}

func samples(fams map[string]*dto.MetricFamily, name string) []sample {
	var out []sample
	f := fams[name]
	if f == nil {
		return nil
	}
	for _, m := range f.GetMetric() {
		s := sample{labels: map[string]string{}}
		for _, l := range m.GetLabel() {
			s.labels[l.GetName()] = l.GetValue()
		}
		switch {
		case m.Counter != nil:
			s.value = m.Counter.GetValue()
		case m.Gauge != nil:
			s.value = m.Gauge.GetValue()
		case m.Histogram != nil:
			s.value = float64(m.Histogram.GetSampleCount())
		}
		out = append(out, s)
	}
	return out
}

// value is the value of the series of name with exactly these labels;
// ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	for _, s := range samples(fams, name) {
		match := len(s.labels) == len(labels)/2
		for i := 0; i+1 < len(labels) && match; i += 2 {
			match = s.labels[labels[i]] == labels[i+1]
		}
		if match {
			return s.value, true
		}
	}
	return 0, false
}

func TestMetricsOnlyForAdminAndOps(t *testing.T) {
	t.Parallel()
	o := newObserved(t)
	for _, tc := range []struct {
		role poscare.Role
		want int
	}{{"", http.StatusUnauthorized}, {poscare.RoleAgent, http.StatusForbidden}, {poscare.RoleOps, http.StatusOK}, {poscare.RoleAdmin, http.StatusOK}} {
		res, b := o.do("GET", "/metrics", tc.role, "")
		if res.StatusCode != tc.want {
			t.Errorf("/metrics as %q: %d, want %d: %s", tc.role, res.StatusCode, tc.want, b)
		}
		if tc.want == http.StatusOK {
			if !bytes.Contains(b, []byte("poscare_build_info")) {
				t.Errorf("/metrics as %s has no poscare metrics:\n%.300s", tc.role, b)
			}
			continue
		}
		var e httpapi.ErrorBody
		if err := json.Unmarshal(b, &e); err != nil || bytes.Contains(b, []byte("poscare_")) {
			t.Errorf("/metrics as %q answered %s", tc.role, b)
		}
		wantCode := map[int]string{401: poscare.EUnauthenticated, 403: poscare.EForbidden}[tc.want]
		if e.Error.Code != wantCode {
			t.Errorf("/metrics as %q: code %q, want %q", tc.role, e.Error.Code, wantCode)
		}
	}
}

// idSegment is a path segment that is a number: an id from a path.
var idSegment = regexp.MustCompile(`/\d+(/|$)`)

func TestRequestMetricsByRoutePattern(t *testing.T) {
	t.Parallel()
	o := newObserved(t)
	for _, id := range []int64{o.world.Merchant.ID, o.world.OtherMerchant.ID} {
		if res, b := o.do("GET", fmt.Sprintf("/api/v1/merchants/%d", id), poscare.RoleOps, ""); res.StatusCode != 200 {
			t.Fatalf("merchant %d: %d %s", id, res.StatusCode, b)
		}
	}
	o.do("GET", "/api/v1/merchants/999999", poscare.RoleOps, "")
	o.do("GET", "/api/v1/no-such-route/7", poscare.RoleOps, "")
	fams := o.scrape()
	route := "GET /api/v1/merchants/{id}"
	if v, ok := value(fams, "poscare_http_requests_total", "route", route, "status", "200"); v != 2 {
		t.Errorf("requests to %s answered 200: %v (%v), want 2", route, v, ok)
	}
	if v, _ := value(fams, "poscare_http_requests_total", "route", route, "status", "404"); v != 1 {
		t.Errorf("requests to %s answered 404: %v, want 1", route, v)
	}
	if v, _ := value(fams, "poscare_http_request_duration_seconds", "route", route); v != 3 {
		t.Errorf("durations observed for %s: %v, want 3", route, v)
	}
	if v, _ := value(fams, "poscare_http_requests_total", "route", "/api/", "status", "404"); v != 1 {
		t.Errorf("the unknown API route is not counted under the /api/ fallback: %v", v)
	}
	// No series is named by a path: the merchants' ids appear nowhere.
	for _, name := range []string{"poscare_http_requests_total", "poscare_http_request_duration_seconds"} {
		for _, s := range samples(fams, name) {
			if r := s.labels["route"]; idSegment.MatchString(r) {
				t.Errorf("%s has a route label from a path: %q", name, r)
			}
		}
	}
	if _, ok := value(fams, "go_sql_open_connections", "db_name", "write"); !ok {
		t.Errorf("no pool statistics for the write pool")
	}
}

func TestRequestIDInHeaderLogAndErrorBody(t *testing.T) {
	t.Parallel()
	o := newObserved(t)
	t.Run("ErrorBodyCarriesTheHeadersID", func(t *testing.T) {
		res, b := o.do("GET", "/api/v1/merchants/999999", poscare.RoleOps, "")
		id := res.Header.Get("X-Request-Id")
		if len(id) < 16 {
			t.Fatalf("X-Request-Id %q", id)
		}
		var e httpapi.ErrorBody
		if err := json.Unmarshal(b, &e); err != nil || e.Error.RequestID != id || e.Error.Code != poscare.ENotFound {
			t.Fatalf("error body %s, want request_id %q", b, id)
		}
		line := o.accessLine(t, id)
		want := map[string]any{"msg": "request", "method": "GET", "route": "GET /api/v1/merchants/{id}", "status": float64(404),
			"user_id": float64(o.world.Users[poscare.RoleOps].ID)}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("access log %s = %v, want %v (line %v)", k, line[k], v, line)
			}
		}
		if _, ok := line["bytes"].(float64); !ok {
			t.Errorf("access log has no bytes: %v", line)
		}
	})
	t.Run("SafeIncomingIDIsKept", func(t *testing.T) {
		res, _ := o.do("GET", "/healthz", "", "", "X-Request-Id", "lb-7f3a.2_x")
		if got := res.Header.Get("X-Request-Id"); got != "lb-7f3a.2_x" {
			t.Errorf("X-Request-Id %q, want the caller's", got)
		}
		o.accessLine(t, "lb-7f3a.2_x")
	})
	t.Run("UnsafeOrLongIncomingIDIsReplaced", func(t *testing.T) {
		for _, bad := range []string{"a b", `x"><script>`, strings.Repeat("a", 65), "id\u00e9"} {
			res, _ := o.do("GET", "/healthz", "", "", "X-Request-Id", bad)
			if got := res.Header.Get("X-Request-Id"); got == bad || len(got) != 24 {
				t.Errorf("incoming id %q answered as %q", bad, got)
			}
		}
	})
	t.Run("NoTokenOrQueryInTheLog", func(t *testing.T) {
		o.do("GET", "/api/v1/merchants?q=secret-query-text", poscare.RoleAgent, "")
		o.do("POST", "/api/v1/auth/token", "", `{"login":"agenta","password":"wrong-password-123"}`)
		o.log.mu.Lock()
		all := o.log.b.String()
		o.log.mu.Unlock()
		for _, secret := range []string{o.tokens[poscare.RoleAgent], "secret-query-text", "wrong-password-123"} {
			if strings.Contains(all, secret) {
				t.Errorf("the log holds %q", secret)
			}
		}
	})
	t.Run("ConsoleErrorPageShowsIt", func(t *testing.T) {
		sess, err := o.store.CreateSession(context.Background(), o.world.Users[poscare.RoleOps].ID)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", o.srv.URL+"/merchants/999999", nil)
		req.AddCookie(&http.Cookie{Name: console.SessionCookie, Value: sess})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		id := res.Header.Get("X-Request-Id")
		if res.StatusCode != 404 || id == "" || !strings.Contains(string(b), `<code id="request-id">`+id+`</code>`) {
			t.Errorf("console 404 (%d) does not show request id %q:\n%s", res.StatusCode, id, b)
		}
		if line := o.accessLine(t, id); line["route"] != "GET /merchants/{id}" || line["user_id"] != float64(o.world.Users[poscare.RoleOps].ID) {
			t.Errorf("console access line %v", line)
		}
	})
}

// accessLine is the one access-log line of the request with this id.
func (o *observed) accessLine(t *testing.T, id string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, l := range o.log.lines(t) {
		if l["msg"] == "request" && l["request_id"] == id {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d access-log lines for request %s, want 1", len(found), id)
	}
	return found[0]
}

func TestJobAndStoreMetrics(t *testing.T) {
	t.Parallel()
	o := newObserved(t)
	ctx := context.Background()
	// Failed logins, by reason: never the login as a label.
	o.do("POST", "/api/v1/auth/token", "", `{"login":"agenta","password":"not-the-password-1"}`)
	o.do("POST", "/api/v1/auth/token", "", `{"login":"nobody-here","password":"not-the-password-1"}`)
	// The playbook for agent A hands over their merchant and queues its
	// notices.
	ops := fixture.Actor(o.world.Users[poscare.RoleOps])
	if _, err := o.store.DeclareIncident(ctx, ops, o.world.Users[poscare.RoleAgent].ID,
		poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上", Strategy: poscare.StrategyBackup}); err != nil {
		t.Fatal(err)
	}
	fams := o.scrape()
	for reason, want := range map[string]float64{sqlstore.LoginWrongPassword: 1, sqlstore.LoginUnknown: 1, sqlstore.LoginThrottled: 0} {
		if v, ok := value(fams, "poscare_login_failures_total", "reason", reason); !ok || v != want {
			t.Errorf("login failures %s: %v (%v), want %v", reason, v, ok, want)
		}
	}
	for _, s := range samples(fams, "poscare_login_failures_total") {
		if strings.Contains(fmt.Sprint(s.labels), "nobody") || strings.Contains(fmt.Sprint(s.labels), "agenta") {
			t.Errorf("a login name in a label: %v", s.labels)
		}
	}
	if v, _ := value(fams, "poscare_playbook_runs_total", "trigger", "declared", "outcome", "done"); v != 1 {
		t.Errorf("playbook runs declared/done: %v, want 1", v)
	}
	if v, _ := value(fams, "poscare_playbook_run_duration_seconds", "trigger", "declared"); v != 1 {
		t.Errorf("playbook durations: %v, want 1", v)
	}
	counts, err := o.store.CountOutbox(ctx)
	if err != nil || counts.ByStatus["queued"] == 0 {
		t.Fatalf("the playbook queued nothing: %+v %v", counts, err)
	}
	if v, _ := value(fams, "poscare_outbox_messages", "status", "queued"); v != float64(counts.ByStatus["queued"]) {
		t.Errorf("outbox queued: %v, want %d", v, counts.ByStatus["queued"])
	}
	if v, _ := value(fams, "poscare_outbox_due_messages"); v != float64(counts.Due) || v == 0 {
		t.Errorf("outbox due: %v, want %d (not 0)", v, counts.Due)
	}
	if _, ok := value(fams, "poscare_outbox_oldest_due_age_seconds"); !ok {
		t.Errorf("no age of the oldest due message")
	}
	// A job run of each outcome.
	m := observe.New("test")
	m.Job("sweep", time.Now(), nil)
	m.Job("sweep", time.Now(), poscare.Internal(io.ErrUnexpectedEOF))
	m.Job("sweep", time.Now(), context.Canceled)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	fams, err = parseExposition(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	for outcome, want := range map[string]float64{"ok": 1, "error": 1} {
		if v, _ := value(fams, "poscare_jobs_total", "kind", "sweep", "outcome", outcome); v != want {
			t.Errorf("jobs sweep/%s: %v, want %v", outcome, v, want)
		}
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	o := newObserved(t)
	get := func() (int, observe.ReadyBody) {
		res, b := o.do("GET", "/readyz", "", "")
		var body observe.ReadyBody
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatalf("readyz body %s: %v", b, err)
		}
		return res.StatusCode, body
	}
	worker := o.ready.Heartbeat("outbox_worker", 3*sqlstore.SendLease)
	if code, body := get(); code != 503 || body.Ready || body.Checks["outbox_worker"] != "not started" || body.Checks["database"] != "ok" {
		t.Errorf("before the worker ran: %d %+v", code, body)
	}
	worker.Beat()
	if code, body := get(); code != 200 || !body.Ready || body.Checks["schema"] != "ok" || body.Checks["outbox_worker"] != "ok" {
		t.Errorf("ready: %d %+v", code, body)
	}
	worker.Stop()
	if code, body := get(); code != 503 || body.Checks["outbox_worker"] != "stopped" {
		t.Errorf("after the worker stopped: %d %+v", code, body)
	}
	stale := o.ready.Heartbeat("sweep", time.Nanosecond)
	stale.Beat()
	time.Sleep(time.Millisecond)
	if code, body := get(); code != 503 || !strings.HasPrefix(body.Checks["sweep"], "no heartbeat for") {
		t.Errorf("after a heartbeat went stale: %d %+v", code, body)
	}
	o.store.Close()
	if code, body := get(); code != 503 || body.Checks["database"] != "unreachable" {
		t.Errorf("after the database closed: %d %+v", code, body)
	}
}

// TestServeReportsReadyAndCountsOutboxBatches runs `poscare serve` with
// a webhook channel and --metrics-listen: once its worker has run a
// batch, /readyz answers 200 and the metrics address (no token) shows
// the outbox jobs; on the main address /metrics still needs a token.
func TestServeReportsReadyAndCountsOutboxBatches(t *testing.T) {
	t.Parallel()
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(gw.Close)
	ctx, cancel := context.WithCancel(context.Background())
	stdout := newLineWriter()
	done := make(chan int, 1)
	db := filepath.Join(t.TempDir(), "serve.db")
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--keys-file", testKeysFile(t), "--listen", "127.0.0.1:0",
			"--metrics-listen", "127.0.0.1:0", "--sms-webhook", gw.URL, "--log-format", "json"}, stdout, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	main, metrics := "", ""
	listening := regexp.MustCompile(`^poscare listening on (http://\S+)$`)
	scraping := regexp.MustCompile(`^poscare metrics on (http://\S+)/metrics$`)
	deadline := time.After(time.Minute)
	for main == "" || metrics == "" {
		select {
		case line := <-stdout.lines:
			if m := listening.FindStringSubmatch(line); m != nil {
				main = m[1]
			}
			if m := scraping.FindStringSubmatch(line); m != nil {
				metrics = m[1]
			}
		case code := <-done:
			t.Fatalf("serve exited with %d", code)
		case <-deadline:
			t.Fatal("serve did not listen")
		}
	}
	var body observe.ReadyBody
	for wait := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get(main + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode == 200 {
			break
		}
		if time.Now().After(wait) {
			t.Fatalf("serve not ready in 30 s: %+v", body)
		}
	}
	if body.Checks["outbox_worker"] != "ok" || body.Checks["sweep"] != "ok" {
		t.Errorf("ready without the background loops' heartbeats: %+v", body)
	}
	// The sweep beats as its round begins; its first jobs end soon after.
	for wait := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get(metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		fams, err := parseExposition(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		outbox, _ := value(fams, "poscare_jobs_total", "kind", "outbox", "outcome", "ok")
		sweeps, _ := value(fams, "poscare_jobs_total", "kind", "stale_contacts_sweep", "outcome", "ok")
		if outbox >= 1 && sweeps == 1 {
			break
		}
		if time.Now().After(wait) {
			t.Fatalf("in 30 s the metrics address counted %v outbox batches and %v stale-contacts sweeps", outbox, sweeps)
		}
	}
	if res, err := http.Get(main + "/metrics"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics on the main address without a token: %v %v", res.StatusCode, err)
	}
}

func TestLogFormatSetting(t *testing.T) {
	t.Parallel()
	if code, out := runCmd(t, "config", "--log-format", "xml"); code == 0 || !strings.Contains(out, "must be one of text, json") {
		t.Errorf("--log-format xml: %d %s", code, out)
	}
	if code, out := runCmd(t, "config", "--metrics-listen", "9090"); code == 0 || !strings.Contains(out, "host:port") {
		t.Errorf("--metrics-listen 9090: %d %s", code, out)
	}
	var b bytes.Buffer
	newLogger(config{"log-level": "info", "log-format": "json"}, &b).Info("hello", "k", 1)
	var line map[string]any
	if err := json.Unmarshal(b.Bytes(), &line); err != nil || line["msg"] != "hello" {
		t.Errorf("json log line %q: %v", b.String(), err)
	}
	b.Reset()
	newLogger(config{"log-level": "info", "log-format": "text"}, &b).Info("hello", "k", 1)
	if !strings.Contains(b.String(), "msg=hello k=1") {
		t.Errorf("text log line %q", b.String())
	}
}
