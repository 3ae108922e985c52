package observe

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Readiness answers /readyz: whether this instance can do its work. It is
// ready when the database answers, its schema is the one this binary
// knows, and every background loop that registered a heartbeat has beaten
// recently. /healthz, beside it, says only that the process answers.
type Readiness struct {
	Store interface {
		Ping(context.Context) error
		CheckSchema(context.Context) error
	}
	// Logger hears why a check failed; the answer names only the check.
	Logger *slog.Logger
	// Timeout bounds the database checks; default 2 s.
	Timeout time.Duration

	mu    sync.Mutex
	beats []*Heartbeat
}

// Heartbeat is a background loop's sign of life.
type Heartbeat struct {
	name   string
	within time.Duration

	mu      sync.Mutex
	last    time.Time
	stopped bool
}

// Heartbeat registers a background loop that must beat at least once
// within the given time for the instance to be ready; until its first
// beat it is not.
func (r *Readiness) Heartbeat(name string, within time.Duration) *Heartbeat {
	h := &Heartbeat{name: name, within: within}
	r.mu.Lock()
	r.beats = append(r.beats, h)
	r.mu.Unlock()
	return h
}

// Beat says the loop is alive now.
func (h *Heartbeat) Beat() {
	h.mu.Lock()
	h.last = time.Now()
	h.mu.Unlock()
}

// Stop says the loop has ended: the instance is no longer ready.
func (h *Heartbeat) Stop() {
	h.mu.Lock()
	h.stopped = true
	h.mu.Unlock()
}

// state is "ok" or what is wrong with the loop.
func (h *Heartbeat) state(now time.Time) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.stopped:
		return "stopped"
	case h.last.IsZero():
		return "not started"
	case now.Sub(h.last) > h.within:
		return fmt.Sprintf("no heartbeat for %s (limit %s)", now.Sub(h.last).Round(time.Second), h.within)
	}
	return "ok"
}

// ReadyBody is /readyz's answer: each check with "ok" or what is wrong.
type ReadyBody struct {
	Ready  bool              `json:"ready"`
	Checks map[string]string `json:"checks"`
}

// Check runs every check.
func (r *Readiness) Check(ctx context.Context) ReadyBody {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b := ReadyBody{Ready: true, Checks: map[string]string{"database": "ok", "schema": "ok"}}
	fail := func(check, state string, err error) {
		b.Ready, b.Checks[check] = false, state
		if err != nil && r.Logger != nil {
			r.Logger.Warn("not ready", "check", check, "err", err)
		}
	}
	if err := r.Store.Ping(ctx); err != nil {
		fail("database", "unreachable", err)
		fail("schema", "not checked", nil)
	} else if err := r.Store.CheckSchema(ctx); err != nil {
		fail("schema", "not current", err)
	}
	now := time.Now()
	r.mu.Lock()
	beats := r.beats
	r.mu.Unlock()
	for _, h := range beats {
		if s := h.state(now); s != "ok" {
			fail(h.name, s, nil)
		} else {
			b.Checks[h.name] = s
		}
	}
	return b
}

// ServeHTTP answers 200 when ready and 503 otherwise, with the checks as
// JSON either way.
func (r *Readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b := r.Check(req.Context())
	status := http.StatusOK
	if !b.Ready {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(b)
}
