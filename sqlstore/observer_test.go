package sqlstore_test

import (
	"sync"
	"testing"
	"time"

	"poscare"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// heard records what a store's Observer is told.
type heard struct {
	mu     sync.Mutex
	runs   []string
	logins []string
}

func (h *heard) PlaybookRun(resumed bool, took time.Duration, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	trigger := "declared"
	if resumed {
		trigger = "resumed"
	}
	h.runs = append(h.runs, trigger+" "+string(poscare.ErrorCode(err)))
}

func (h *heard) LoginFailed(reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.logins = append(h.logins, reason)
}

func (h *heard) last() (run, login string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.runs) > 0 {
		run = h.runs[len(h.runs)-1]
	}
	if len(h.logins) > 0 {
		login = h.logins[len(h.logins)-1]
	}
	return run, login
}

func TestObserverHearsLoginsAndPlaybooks(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			h := &heard{}
			s.Observer = h
			for _, tc := range []struct{ login, pw, source, want string }{
				{"agent.a1", "wrong-password-1", "10.9.0.1", sqlstore.LoginWrongPassword},
				{"nobody.here", "wrong-password-1", "10.9.0.2", sqlstore.LoginUnknown},
			} {
				if _, err := s.Authenticate(f.Ctx, tc.login, tc.pw, tc.source); poscare.ErrorCode(err) != poscare.EUnauthenticated {
					t.Fatalf("%s: %v", tc.login, err)
				}
				if _, got := h.last(); got != tc.want {
					t.Errorf("%s: heard %q, want %q", tc.login, got, tc.want)
				}
			}
			// Guess on from one place until the throttle answers.
			throttled := false
			for i := 0; i < sqlstore.PairFreeFailures+3 && !throttled; i++ {
				_, err := s.Authenticate(f.Ctx, "agent.a2", "wrong-password-2", "10.9.0.3")
				throttled = poscare.ErrorCode(err) == poscare.ETooManyRequests
			}
			if _, got := h.last(); !throttled || got != sqlstore.LoginThrottled {
				t.Errorf("throttled %v, last heard %q", throttled, got)
			}
			if _, err := s.DeclareIncident(f.Ctx, f.Lead1, f.A1.UserID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上", Strategy: poscare.StrategyBackup}); err != nil {
				t.Fatal(err)
			}
			if run, _ := h.last(); run != "declared " {
				t.Errorf("heard run %q, want a declared run without error", run)
			}
		})
	}
}

func TestCountOutbox(t *testing.T) {
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			c, err := s.CountOutbox(f.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.Due != 0 || c.OldestDue != 0 || len(c.ByStatus) != 3 || c.ByStatus["queued"] != 0 {
				t.Fatalf("empty outbox: %+v", c)
			}
			if _, err := s.DeclareIncident(f.Ctx, f.Lead1, f.A1.UserID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上", Strategy: poscare.StrategyBackup}); err != nil {
				t.Fatal(err)
			}
			c, err = s.CountOutbox(f.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			queued := c.ByStatus["queued"]
			if queued == 0 || c.Due != queued || c.OldestDue != 0 {
				t.Fatalf("after the playbook: %+v", c)
			}
			f.Clock = f.Clock.Add(90 * time.Second)
			if c, err = s.CountOutbox(f.Ctx); err != nil || c.Due != queued || c.OldestDue != 90*time.Second {
				t.Errorf("90 s on: %+v %v, want %d due for 90 s", c, err, queued)
			}
			if _, err := s.ClaimMessages(f.Ctx, 1); err != nil {
				t.Fatal(err)
			}
			// The claimed one is sending, and not due until its lease runs
			// out.
			if c, err = s.CountOutbox(f.Ctx); err != nil || c.ByStatus["sending"] != 1 || c.ByStatus["queued"] != queued-1 || c.Due != queued-1 {
				t.Errorf("after one claim: %+v %v (queued before: %d)", c, err, queued)
			}
			f.Clock = f.Clock.Add(sqlstore.SendLease)
			if c, err = s.CountOutbox(f.Ctx); err != nil || c.Due != queued {
				t.Errorf("after the lease lapsed the claimed one is due again: %+v %v", c, err)
			}
		})
	}
}
