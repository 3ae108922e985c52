package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// Several poscare instances share one PostgreSQL: each is a store with a
// connection pool of its own. These tests open two stores on one database
// and run the same work on both at once.

// TestClaimMessagesTwoInstances has two instances claim 1,200 due
// messages in batches, two workers each, until none is left: every message
// is claimed exactly once, by one of them.
func TestClaimMessagesTwoInstances(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			stores := []*sqlstore.Store{testenv.Open(t, dsn), testenv.Open(t, dsn)}
			const total = 1200
			db := rawDB(t, dsn)
			now := time.Now().Add(-time.Minute).UnixMicro()
			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			for i := range total {
				if _, err := tx.Exec(rawSQL(dsn, `INSERT INTO outbox (dedupe_key, channel, address, lang, subject_msg, body_msg, status, next_attempt_at, created_at)
					VALUES (?, 'email', ?, 'zh', '通知', '正文', 'queued', ?, ?)`), fmt.Sprintf("claim:%d", i), fmt.Sprintf("m%d@example.cn", i), now, now); err != nil {
					t.Fatal(err)
				}
			}
			must(t, tx.Commit())
			var mu sync.Mutex
			claimedBy := map[int64][]int{}
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := stores[w%2]
					for {
						ms, err := s.ClaimMessages(ctx, 100)
						if err != nil {
							errs <- err
							return
						}
						if len(ms) == 0 {
							return
						}
						mu.Lock()
						for _, m := range ms {
							claimedBy[m.ID] = append(claimedBy[m.ID], w)
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			twice := 0
			for id, ws := range claimedBy {
				if len(ws) > 1 {
					twice++
					if twice <= 5 {
						t.Errorf("message %d claimed by workers %v", id, ws)
					}
				}
			}
			if twice > 0 || len(claimedBy) != total {
				t.Fatalf("%d of %d messages claimed, %d more than once", len(claimedBy), total, twice)
			}
		})
	}
}

// TestSweepSilenceTwoInstances runs the silence sweep on two instances at
// once, twenty times, each time with one more silent agent: each becomes
// unreachable once, with one audit entry, and one of the two sweeps
// reports them.
func TestSweepSilenceTwoInstances(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			// The sweeping instances live 60 days on: everybody created
			// today has been silent for long.
			later := func() time.Time { return time.Now().AddDate(0, 0, 60) }
			sweepers := []*sqlstore.Store{testenv.Open(t, dsn), testenv.Open(t, dsn)}
			for _, sw := range sweepers {
				sw.Now = later
			}
			first := true
			for round := range 20 {
				u := &poscare.User{Login: fmt.Sprintf("silent%d", round), Name: fmt.Sprintf("沉默%d", round), Role: poscare.RoleAgent,
					TeamID: &w.Team1.ID, Mobile: fx.Mobile(fx.Seq()), Email: fmt.Sprintf("silent%d@example.cn", round)}
				must(t, s.CreateUser(ctx, poscare.SystemActor("t"), u, fx.Password))
				var start sync.WaitGroup
				start.Add(1)
				results := make([][]sqlstore.Silence, 2)
				errs := make([]error, 2)
				var done sync.WaitGroup
				for i, sw := range sweepers {
					done.Add(1)
					go func() {
						defer done.Done()
						start.Wait()
						results[i], errs[i] = sw.SweepSilence(ctx)
					}()
				}
				start.Done()
				done.Wait()
				for _, err := range errs {
					must(t, err)
				}
				reported := 0
				for _, r := range results {
					for _, si := range r {
						if si.User.ID == u.ID {
							reported++
						}
					}
				}
				entries := count(t, s, dsn, "SELECT COUNT(*) FROM audit_log WHERE entity = 'user' AND entity_id = ? AND action = 'status'", u.ID)
				if entries != 1 || reported != 1 {
					t.Errorf("round %d: %s marked unreachable with %d audit entries, reported by %d sweeps", round, u.Login, entries, reported)
				}
				if first {
					// The fixture's own staff went silent in the first round:
					// one entry each there too.
					first = false
					dup := count(t, s, dsn, `SELECT COUNT(*) FROM (SELECT entity_id FROM audit_log WHERE entity = 'user' AND action = 'status'
						GROUP BY entity_id HAVING COUNT(*) > 1) x`)
					if dup != 0 {
						t.Errorf("%d people have more than one status entry", dup)
					}
				}
			}
			must(t, s.VerifyAuditOK(ctx))
		})
	}
}

// TestWriteRetriedAfterSerializationFailure makes PostgreSQL refuse a
// write for real: the transaction runs in REPEATABLE READ, and another
// session changes the row it is about to update after its snapshot. The
// write is retried, succeeds, and is audited once; a write that keeps
// failing gives up after a bounded number of runs, as a conflict.
func TestWriteRetriedAfterSerializationFailure(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresDSN(t)
	if dsn == "" {
		t.Skip("no PostgreSQL: POSCARE_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	s := testenv.Open(t, dsn)
	w := fx.Build(t, s)
	db := rawDB(t, dsn)
	sys := poscare.SystemActor("t")
	team := w.SpareTeam
	var runs atomic.Int32
	collide := func(times int32) func(context.Context, *sql.Tx) error {
		return func(ctx context.Context, tx *sql.Tx) error {
			if runs.Add(1) > times {
				return nil
			}
			if _, err := tx.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
				return err
			}
			var at int64
			if err := tx.QueryRowContext(ctx, "SELECT updated_at FROM teams WHERE id = $1", team.ID).Scan(&at); err != nil {
				return err
			}
			// Another session changes the row after this snapshot.
			_, err := db.ExecContext(ctx, "UPDATE teams SET updated_at = updated_at + 1 WHERE id = $1", team.ID)
			return err
		}
	}
	t.Run("RetriedAndAuditedOnce", func(t *testing.T) {
		sqlstore.SetBeforeTx(s, collide(1))
		defer sqlstore.SetBeforeTx(s, nil)
		before := count(t, s, dsn, "SELECT COUNT(*) FROM audit_log WHERE entity = 'team' AND entity_id = ?", team.ID)
		team.Name = "备用组（改名）"
		must(t, s.UpdateTeam(ctx, sys, team))
		if n := runs.Load(); n < 2 {
			t.Fatalf("the transaction ran %d times: it cannot have met the collision and been retried", n)
		}
		var name string
		if err := db.QueryRow("SELECT name FROM teams WHERE id = $1", team.ID).Scan(&name); err != nil || name != team.Name {
			t.Fatalf("team name %q (%v), want %q", name, err, team.Name)
		}
		if n := count(t, s, dsn, "SELECT COUNT(*) FROM audit_log WHERE entity = 'team' AND entity_id = ?", team.ID); n != before+1 {
			t.Fatalf("%d new audit entries, want 1", n-before)
		}
	})
	t.Run("GivesUpAsConflict", func(t *testing.T) {
		runs.Store(0)
		sqlstore.SetBeforeTx(s, collide(1000))
		defer sqlstore.SetBeforeTx(s, nil)
		team.Name = "备用组（再改名）"
		err := s.UpdateTeam(ctx, sys, team)
		wantCode(t, err, poscare.EConflict)
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "40001" {
			t.Fatalf("the conflict's cause is %v, want SQLSTATE 40001", err)
		}
		if n := runs.Load(); n < 2 || n > 10 {
			t.Fatalf("the transaction ran %d times: want a few retries, bounded", n)
		}
	})
	must(t, s.VerifyAuditOK(ctx))
}

// TestUniqueViolationNamesField takes values that are in use (a team
// name, a login, a merchant's USCC, a terminal's serial) on both
// databases: each refusal is a conflict naming the field, in wholly
// Chinese and wholly English words, translated from the driver's error
// code.
func TestUniqueViolationNamesField(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			ops := fx.Actor(w.Users[poscare.RoleOps])
			dup := fx.NewMerchant(w.Team1.ID, w.Users[poscare.RoleAgent].ID, nil)
			dup.USCC = w.Merchant.USCC
			term := *w.Terminal
			term.ID, term.TID, term.MerchantID, term.MID, term.Status, term.InstallAddress = 0, "", nil, "", poscare.TerminalInStock, ""
			for _, c := range []struct {
				field string
				err   error
			}{
				{"name", s.CreateTeam(ctx, sys, &poscare.Team{Name: w.Team1.Name})},
				{"login", s.CreateUser(ctx, sys, &poscare.User{Login: w.Spare.Login, Name: "重名", Role: poscare.RoleAgent, TeamID: &w.Team1.ID, Mobile: fx.Mobile(fx.Seq())}, fx.Password)},
				{"uscc", s.CreateMerchant(ctx, ops, dup)},
				{"serial", s.CreateTerminal(ctx, ops, &term)},
			} {
				t.Run(c.field, func(t *testing.T) {
					wantCode(t, c.err, poscare.EConflict)
					var e *poscare.Error
					errors.As(c.err, &e)
					msg, ok := e.Fields[c.field]
					if !ok {
						t.Fatalf("conflict %v does not name %q", c.err, c.field)
					}
					if !hasHan(msg.Zh) || hasLatin(msg.Zh) {
						t.Errorf("Chinese message %q is not wholly Chinese", msg.Zh)
					}
					if msg.En == "" || hasHan(msg.En) {
						t.Errorf("English message %q is not wholly English", msg.En)
					}
					var pg *pgconn.PgError
					var lite *sqlite.Error
					if !errors.As(c.err, &pg) && !errors.As(c.err, &lite) {
						t.Errorf("conflict %v was not translated from a driver error", c.err)
					}
				})
			}
		})
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func hasLatin(s string) bool {
	for _, r := range s {
		if r < unicode.MaxASCII && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// TestCallbackTwoInstances has a merchant's callback requested and then
// completed on two instances at once, ten times: one open callback each
// time, and one audit entry for its completion.
func TestCallbackTwoInstances(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			stores := []*sqlstore.Store{s, testenv.Open(t, dsn)}
			shop := fx.Actor(w.Users[poscare.RoleMerchant])
			both := func(fn func(s *sqlstore.Store) error) {
				var start, done sync.WaitGroup
				start.Add(1)
				errs := make([]error, len(stores))
				for i, st := range stores {
					done.Add(1)
					go func() {
						defer done.Done()
						start.Wait()
						errs[i] = fn(st)
					}()
				}
				start.Done()
				done.Wait()
				for _, err := range errs {
					must(t, err)
				}
			}
			for round := range 10 {
				var mu sync.Mutex
				tasks := map[int64]int64{} // task → assignee
				both(func(st *sqlstore.Store) error {
					cb, err := st.RequestCallback(ctx, shop, w.Merchant.ID, fmt.Sprintf("第%d次请求回电", round))
					if err == nil {
						mu.Lock()
						tasks[cb.Task.ID] = cb.Task.UserID
						mu.Unlock()
					}
					return err
				})
				open := count(t, s, dsn, "SELECT COUNT(*) FROM tasks WHERE merchant_id = ? AND kind = 'callback' AND done_at IS NULL", w.Merchant.ID)
				if open != 1 || len(tasks) != 1 {
					t.Fatalf("round %d: %d open callbacks, %d handed out", round, open, len(tasks))
				}
				for id, user := range tasks {
					var assignee *poscare.User
					for _, u := range []*poscare.User{w.Users[poscare.RoleAgent], w.Spare, w.Users[poscare.RoleLead]} {
						if u.ID == user {
							assignee = u
						}
					}
					if assignee == nil {
						t.Fatalf("callback %d went to user %d", id, user)
					}
					both(func(st *sqlstore.Store) error { return st.CompleteTask(ctx, fx.Actor(assignee), id) })
					if n := count(t, s, dsn, "SELECT COUNT(*) FROM audit_log WHERE entity = 'task' AND entity_id = ? AND action = 'task_done'", id); n != 1 {
						t.Fatalf("round %d: callback %d completed with %d audit entries", round, id, n)
					}
				}
			}
			must(t, s.VerifyAuditOK(ctx))
		})
	}
}
