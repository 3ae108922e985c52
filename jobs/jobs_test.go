package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"poscare/internal/testenv"
	"poscare/jobs"
	"poscare/sqlstore"
)

type pingArgs struct {
	N int `json:"n"`
}

func (pingArgs) Kind() string { return "test.ping" }

type tickArgs struct{}

func (tickArgs) Kind() string { return "test.tick" }

type flakyArgs struct{}

func (flakyArgs) Kind() string { return "test.flaky" }

type slowArgs struct{}

func (slowArgs) Kind() string { return "test.slow" }

// engineOn opens a store on dsn with River's tables and an engine that the
// test stops at its end; register adds the test's kinds before Start.
func engineOn(t *testing.T, dsn, instance string, register func(*jobs.Engine)) (*sqlstore.Store, *jobs.Engine) {
	t.Helper()
	ctx := context.Background()
	s := testenv.Open(t, dsn)
	if _, err := jobs.Migrate(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := jobs.CheckSchema(ctx, s); err != nil {
		t.Fatal(err)
	}
	e := jobs.New(s, jobs.Config{DSN: dsn, Instance: instance, Logger: slog.New(slog.DiscardHandler)})
	register(e)
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	s.Jobs = e
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.Stop(ctx); err != nil {
			t.Errorf("stop %s: %v", instance, err)
		}
	})
	return s, e
}

func waitFor(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jobRows(t *testing.T, s *sqlstore.Store, kind string) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM river_job WHERE kind = ?"
	if s.Dialect() == sqlstore.Postgres {
		q = "SELECT COUNT(*) FROM river_job WHERE kind = $1"
	}
	if err := s.JobsDB().QueryRow(q, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEnqueuedInTheTransaction inserts jobs in transactions of the store's
// own pool (on SQLite its one writer, which the engine shares): the job of
// a transaction that rolls back never exists, the committed one runs.
func TestEnqueuedInTheTransaction(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			ran := map[int]int{}
			s, e := engineOn(t, dsn, "a", func(e *jobs.Engine) {
				if err := jobs.Add(e, jobs.Kind[pingArgs]{Work: func(ctx context.Context, a pingArgs) error {
					mu.Lock()
					ran[a.N]++
					mu.Unlock()
					return nil
				}}); err != nil {
					t.Fatal(err)
				}
			})
			ctx := context.Background()
			for _, n := range []int{1, 2} {
				tx, err := s.JobsDB().BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.EnqueueTx(ctx, tx, pingArgs{N: n}); err != nil {
					t.Fatal(err)
				}
				if n == 1 {
					err = tx.Rollback()
				} else {
					err = tx.Commit()
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, "the committed job ran", 10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return ran[2] == 1 })
			time.Sleep(300 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			if ran[1] != 0 || ran[2] != 1 {
				t.Errorf("runs by job: %v; want only the committed one, once", ran)
			}
			if n := jobRows(t, s, "test.ping"); n != 1 {
				t.Errorf("%d job rows, want the committed one", n)
			}
			if err := e.EnqueueTx(ctx, nil, tickArgs{}); err == nil {
				t.Error("a kind nobody registered was enqueued")
			}
		})
	}
}

// TestUniqueAndRetried: a unique job is not inserted again while one
// waits or runs; a job that fails is retried (after River's backoff, 1 s
// for the first retry) until it succeeds.
func TestUniqueAndRetried(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			var slowRuns, flakyRuns atomic.Int32
			s, e := engineOn(t, dsn, "a", func(e *jobs.Engine) {
				jobs.Add(e, jobs.Kind[slowArgs]{Unique: true, Work: func(ctx context.Context, _ slowArgs) error {
					slowRuns.Add(1)
					select {
					case <-release:
					case <-ctx.Done():
					}
					return nil
				}})
				jobs.Add(e, jobs.Kind[flakyArgs]{MaxAttempts: 3, Work: func(ctx context.Context, _ flakyArgs) error {
					if flakyRuns.Add(1) == 1 {
						return errors.New("the first attempt fails")
					}
					return nil
				}})
			})
			ctx := context.Background()
			for range 3 {
				if err := e.Enqueue(ctx, slowArgs{}); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, "the unique job started", 10*time.Second, func() bool { return slowRuns.Load() == 1 })
			if err := e.Enqueue(ctx, slowArgs{}); err != nil {
				t.Fatal(err)
			}
			if n := jobRows(t, s, "test.slow"); n != 1 {
				t.Errorf("%d unique jobs inserted while one waited or ran", n)
			}
			close(release)
			if err := e.Enqueue(ctx, flakyArgs{}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the failed job was retried", 20*time.Second, func() bool { return flakyRuns.Load() == 2 })
			if n := slowRuns.Load(); n != 1 {
				t.Errorf("the unique job ran %d times", n)
			}
		})
	}
}

// TestPeriodicOnceAcrossInstances runs two engines (two instances: each
// its own store and pools) on one database with a job every second: each
// second's job runs once, on one instance or the other, not once on each.
func TestPeriodicOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var runs [2]atomic.Int32
			began := time.Now()
			for i, inst := range []string{"a", "b"} {
				engineOn(t, dsn, inst, func(e *jobs.Engine) {
					if err := jobs.Add(e, jobs.Kind[tickArgs]{Every: time.Second, Work: func(ctx context.Context, _ tickArgs) error {
						runs[i].Add(1)
						return nil
					}}); err != nil {
						t.Fatal(err)
					}
				})
			}
			total := func() int { return int(runs[0].Load() + runs[1].Load()) }
			waitFor(t, "periodic jobs ran", 20*time.Second, func() bool { return total() >= 4 })
			time.Sleep(2 * time.Second)
			elapsed := time.Since(began)
			// One per second since the leader was elected, plus the one it
			// queues on election; both instances running it would double it.
			if limit := int(elapsed/time.Second) + 2; total() > limit {
				t.Errorf("%d runs in %s by two instances (a %d, b %d): more than one a second", total(), elapsed.Round(time.Millisecond), runs[0].Load(), runs[1].Load())
			}
			t.Logf("%d runs in %s: a %d, b %d", total(), elapsed.Round(time.Millisecond), runs[0].Load(), runs[1].Load())
		})
	}
}

// TestStopCancelsWorkUnderWay: Stop cancels the context of the jobs
// running and returns once they have.
func TestStopCancelsWorkUnderWay(t *testing.T) {
	t.Parallel()
	dsn := testenv.DSNs(t)["sqlite"]
	started, returned := make(chan struct{}), make(chan struct{})
	_, e := engineOn(t, dsn, "a", func(e *jobs.Engine) {
		jobs.Add(e, jobs.Kind[slowArgs]{Work: func(ctx context.Context, _ slowArgs) error {
			close(started)
			<-ctx.Done()
			close(returned)
			return ctx.Err()
		}})
	})
	if err := e.Enqueue(context.Background(), slowArgs{}); err != nil {
		t.Fatal(err)
	}
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-returned:
	default:
		t.Fatal("Stop returned before the job did")
	}
	if e.Running() {
		t.Error("the engine says it runs after Stop")
	}
}
