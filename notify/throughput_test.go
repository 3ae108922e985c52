package notify_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"poscare"
	"poscare/demo"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/notify"
	"poscare/sqlstore"
)

// slowGateway is an SMS, WeChat or mail gateway that takes its time over
// each message, as real ones do, and counts what it receives and how many
// requests it holds at once.
type slowGateway struct {
	latency time.Duration

	mu       sync.Mutex
	inFlight int
	maxIn    int
	keys     map[string]int
}

func (g *slowGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.inFlight++
	g.maxIn = max(g.maxIn, g.inFlight)
	if g.keys == nil {
		g.keys = map[string]int{}
	}
	g.keys[r.Header.Get("Idempotency-Key")]++
	g.mu.Unlock()
	var p notify.WebhookPayload
	json.NewDecoder(r.Body).Decode(&p)
	time.Sleep(g.latency)
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
}

// playbookNotices declares an agent with n merchants missing, which queues
// a notice to each merchant, and returns a worker whose every channel goes
// to gateway g.
func playbookNotices(tb testing.TB, n int, g *slowGateway, senders int) (*notify.Worker, *sqlstore.Store, int) {
	ctx := context.Background()
	s := testenv.Open(tb, filepath.Join(tb.TempDir(), "n.db"))
	w := fx.Build(tb, s)
	agent := w.Users[poscare.RoleAgent]
	items := demo.NewGenerator(rand.New(rand.NewPCG(5, 5))).Merchants(n, func(int) (int64, int64, *int64) { return w.Team1.ID, agent.ID, &w.Spare.ID })
	if err := s.CreateMerchants(ctx, fx.Actor(w.Users[poscare.RoleOps]), items); err != nil {
		tb.Fatal(err)
	}
	x, err := s.DeclareIncident(ctx, fx.Actor(w.Users[poscare.RoleOps]), agent.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "三天联系不上", Strategy: poscare.StrategyBackup})
	if err != nil || x.Handed.Notifications < n {
		tb.Fatalf("declare: %+v %v", x, err)
	}
	srv := httptest.NewServer(g)
	tb.Cleanup(srv.Close)
	gw := notify.Webhook{URL: srv.URL}
	worker := &notify.Worker{Store: s, Senders: senders, Interval: 10 * time.Millisecond,
		Channels: map[string]notify.Channel{"email": gw, "sms": gw, "wechat": gw}}
	return worker, s, x.Handed.Notifications
}

// drain runs the worker until the outbox has nothing queued or sending.
func drain(tb testing.TB, worker *notify.Worker, s *sqlstore.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { worker.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		counts, err := s.OutboxCounts(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		if counts["queued"] == 0 && counts["sending"] == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatal("the outbox did not drain in 10 minutes")
}

// TestWorkerSendsConcurrentlyOnce: a batch goes out over several
// connections at once, never more than Senders, and every notice reaches
// the gateway exactly once.
func TestWorkerSendsConcurrentlyOnce(t *testing.T) {
	g := &slowGateway{latency: 30 * time.Millisecond}
	worker, s, n := playbookNotices(t, 150, g, 6)
	drain(t, worker, s)
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.keys) != n {
		t.Fatalf("gateway got %d distinct notices, want %d", len(g.keys), n)
	}
	for k, c := range g.keys {
		if c != 1 {
			t.Fatalf("notice %s sent %d times", k, c)
		}
	}
	if g.maxIn < 2 || g.maxIn > 6 {
		t.Fatalf("at most %d requests at once, want 2 to 6", g.maxIn)
	}
	counts, _ := s.OutboxCounts(context.Background())
	if counts["sent"] != n {
		t.Fatalf("outbox %v, want %d sent", counts, n)
	}
}

// BenchmarkDeliverPlaybookNotices10k: after a playbook for an agent with
// 10,000 merchants, how long until every merchant's notice has been
// accepted by a gateway that takes 20 ms per message (SQLite). One op is
// the whole outbox.
func BenchmarkDeliverPlaybookNotices10k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		g := &slowGateway{latency: 20 * time.Millisecond}
		worker, s, n := playbookNotices(b, 10_000, g, 0)
		b.StartTimer()
		drain(b, worker, s)
		b.StopTimer()
		if len(g.keys) != n {
			b.Fatalf("gateway got %d of %d", len(g.keys), n)
		}
		b.StartTimer()
	}
}

// TestLeaseEndLeavesUntriedMessagesIntact: messages still waiting for a
// sender when the batch's lease nears its end are not tried (nor counted
// as a failed attempt): they go back to the queue, due at once.
func TestLeaseEndLeavesUntriedMessagesIntact(t *testing.T) {
	t.Parallel()
	g := &slowGateway{latency: time.Second}
	worker, s, n := playbookNotices(t, 2, g, 1) // and the fixture's merchant
	s.Lease = 2 * time.Second
	if n != 3 {
		t.Fatalf("%d notices, want 3", n)
	}
	sent, failed, err := worker.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	reached := len(g.keys)
	g.mu.Unlock()
	// The first is sent; the second is cut off by the lease (a real,
	// failed attempt); the third never reaches the gateway.
	if sent != 1 || failed != 1 || reached != 2 {
		t.Fatalf("sent %d, failed %d, gateway reached %d times; want 1, 1, 2", sent, failed, reached)
	}
	ns, _, err := s.IncidentNotifications(context.Background(), poscare.SystemActor("t"), 1, sqlstore.DeliveryFilter{Status: "queued"})
	if err != nil || len(ns) != 2 {
		t.Fatalf("queued: %+v %v; want the failed one and the untried one", ns, err)
	}
	untried := 0
	for _, m := range ns {
		if m.Attempts == 0 {
			untried++
		}
	}
	if untried != 1 {
		t.Fatalf("untried message: %+v; want one queued again with no attempt counted", ns)
	}
	if counts, _ := s.OutboxCounts(context.Background()); counts["sending"] != 0 {
		t.Fatalf("outbox %v: a message stays claimed", counts)
	}
}

// TestStopLetsSendsUnderWayFinish: when the worker's context ends while
// sends are under way (a shutdown), they finish within Grace and are
// recorded sent; the messages not begun go back to the queue, untried.
// With a grace shorter than the gateway's answer, the sends are cut off
// and recorded as a failed attempt, never left unrecorded.
func TestStopLetsSendsUnderWayFinish(t *testing.T) {
	for _, c := range []struct {
		name  string
		grace time.Duration
		sent  bool
	}{{"WithinGrace", 5 * time.Second, true}, {"PastGrace", 50 * time.Millisecond, false}} {
		t.Run(c.name, func(t *testing.T) {
			g := &slowGateway{latency: 500 * time.Millisecond}
			worker, s, n := playbookNotices(t, 20, g, 4)
			worker.Grace = c.grace
			ctx, cancel := context.WithCancel(context.Background())
			// Stop once all four senders are waiting on the gateway.
			go func() {
				defer cancel()
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
					g.mu.Lock()
					in := g.inFlight
					g.mu.Unlock()
					if in == 4 {
						return
					}
				}
			}()
			sent, failed, err := worker.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			counts, _ := s.OutboxCounts(context.Background())
			want := map[bool][2]int{true: {4, 0}, false: {0, 4}}[c.sent]
			if sent != want[0] || failed != want[1] || counts["sending"] != 0 || counts["sent"] != sent || counts["queued"] != n-sent {
				t.Fatalf("sent %d, failed %d, outbox %v; want %v of %d recorded and none left claimed", sent, failed, counts, want, n)
			}
		})
	}
}
