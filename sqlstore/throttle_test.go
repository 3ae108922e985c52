package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"poscare"
	"poscare/internal/testenv"
	"poscare/password"
	"poscare/sqlstore"
)

// countChecks replaces the store's password gate, for the test, with one
// of the given size that counts the argon2id computations it runs: in all,
// and at most at once.
func countChecks(t *testing.T, s *sqlstore.Store, size int) (total, peak *atomic.Int64) {
	total, peak = new(atomic.Int64), new(atomic.Int64)
	var running atomic.Int64
	g := password.NewGate(size, 2*time.Second)
	g.Observe = func(d int) {
		n := running.Add(int64(d))
		if d > 0 {
			total.Add(1)
		}
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
	}
	old := s.PasswordChecks
	s.PasswordChecks = g
	t.Cleanup(func() { s.PasswordChecks = old })
	return total, peak
}

func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	wantCode(t, err, poscare.ETooManyRequests)
	var ra sqlstore.RetryAfter
	if !errors.As(err, &ra) {
		t.Fatalf("throttled without a Retry-After: %v", err)
	}
	return time.Duration(ra)
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			auth := func(login, pw, source string) error {
				_, err := s.Authenticate(ctx, login, pw, source)
				return err
			}

			t.Run("GuessesFromOnePlaceWaitEverLonger", func(t *testing.T) {
				// A couple of typing slips cost nothing; after them each
				// failure doubles the wait, up to the cap.
				want := time.Duration(0)
				for i := 1; i <= 14; i++ {
					wantCode(t, auth("agent.a1", "wrong-password-1", "10.1.0.1"), poscare.EUnauthenticated)
					if i == sqlstore.PairFreeFailures+1 {
						want = sqlstore.PairDelay
					} else if want > 0 {
						want = min(2*want, sqlstore.PairMaxDelay)
					}
					if want == 0 {
						continue // the next guess is checked at once
					}
					if wait := retryAfter(t, auth("agent.a1", testPassword, "10.1.0.1")); wait != want {
						t.Fatalf("after %d failures the wait is %s, want %s", i, wait, want)
					}
					f.Clock = f.Clock.Add(want)
				}
				if want != sqlstore.PairMaxDelay {
					t.Fatalf("the wait never reached its cap: %s", want)
				}
				must(t, auth("agent.a1", testPassword, "10.1.0.1"))
				// A success starts the pair again from nothing.
				wantCode(t, auth("agent.a1", "wrong-password-1", "10.1.0.1"), poscare.EUnauthenticated)
			})

			t.Run("GuessesFromEverywhereHoldTheOwnerBackOnlyBriefly", func(t *testing.T) {
				f.Clock = f.Clock.Add(time.Hour)
				must(t, auth("agent.b1", testPassword, "10.2.0.1")) // the owner's usual desk
				for i := 0; i < 40; i++ {
					err := auth("agent.b1", "wrong-password-1", fmt.Sprintf("203.0.113.%d", i))
					if c := poscare.ErrorCode(err); c != poscare.EUnauthenticated && c != poscare.ETooManyRequests {
						t.Fatalf("guess %d: %v", i, err)
					}
				}
				must(t, auth("agent.b1", testPassword, "10.2.0.1"))
				// From a new place the owner waits at most the short back-off.
				if wait := retryAfter(t, auth("agent.b1", testPassword, "10.2.0.99")); wait > sqlstore.LoginMaxDelay {
					t.Fatalf("the owner is held back %s, more than %s", wait, sqlstore.LoginMaxDelay)
				}
				f.Clock = f.Clock.Add(sqlstore.LoginMaxDelay)
				must(t, auth("agent.b1", testPassword, "10.2.0.99"))
			})

			t.Run("ColleaguesBehindOneAddressAreNotShutOut", func(t *testing.T) {
				f.Clock = f.Clock.Add(time.Hour)
				must(t, auth("agent.a2", testPassword, "198.51.100.7"))
				for i := 0; i < sqlstore.AddressFreeFailures+20; i++ {
					auth(fmt.Sprintf("nobody%d", i), "wrong-password-1", "198.51.100.7")
				}
				// One who logged in from there before, and one who never did.
				must(t, auth("agent.a2", testPassword, "198.51.100.7"))
				if wait := retryAfter(t, auth("lead1", testPassword, "198.51.100.7")); wait > sqlstore.AddressMaxDelay {
					t.Fatalf("a new colleague is held back %s, more than %s", wait, sqlstore.AddressMaxDelay)
				}
				f.Clock = f.Clock.Add(sqlstore.AddressMaxDelay)
				must(t, auth("lead1", testPassword, "198.51.100.7"))
			})

			t.Run("AnswersAreTheSameForUnknownExistingAndInactiveLogins", func(t *testing.T) {
				f.Clock = f.Clock.Add(time.Hour)
				inactive := &poscare.User{Login: "left.already", Name: "离职员工", Role: poscare.RoleTech}
				must(t, s.CreateUser(ctx, f.Sys, inactive, testPassword))
				must(t, s.Archive(ctx, f.Admin, poscare.EntityUser, inactive.ID, "员工离职"))
				var first []string
				for _, login := range []string{"nobody.here", "lead2", "left.already"} {
					var got []string
					for _, pw := range []string{"wrong-password-1", "wrong-password-1", "wrong-password-1", testPassword} {
						err := auth(login, pw, "10.3.0.1")
						var e *poscare.Error
						errors.As(err, &e)
						got = append(got, fmt.Sprintf("%v|%s|%s|%v", e != nil, e.Code, e.Message, e.Cause))
					}
					if first == nil {
						first = got
					} else if fmt.Sprint(got) != fmt.Sprint(first) {
						t.Fatalf("%s answers\n%v\nunlike\n%v", login, got, first)
					}
				}
			})

			t.Run("ConcurrentGuessesGetNoMoreChecksThanSequentialOnes", func(t *testing.T) {
				f.Clock = f.Clock.Add(time.Hour)
				total, _ := countChecks(t, s, runtime.NumCPU())
				codes := map[string]int{}
				var mu sync.Mutex
				var wg sync.WaitGroup
				for i := 0; i < 20; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						err := auth("agent.b2", "wrong-password-1", "10.4.0.1")
						mu.Lock()
						codes[poscare.ErrorCode(err)]++
						mu.Unlock()
					}()
				}
				wg.Wait()
				// Checks of one pair run one after another, so at once they get
				// no more than one after another would: the free slips and one.
				allowed := int64(sqlstore.PairFreeFailures + 1)
				if n := total.Load(); n < 1 || n > allowed || int64(codes[poscare.EUnauthenticated]) != n || codes[poscare.ETooManyRequests] != 20-int(n) {
					t.Fatalf("20 guesses at once: %d password checks, answers %v; want 1 to %d checks", n, codes, allowed)
				}
				// With the slips used up, 20 at once get exactly one check.
				f.Clock = f.Clock.Add(2 * time.Hour)
				for i := 0; i < sqlstore.PairFreeFailures; i++ {
					wantCode(t, auth("agent.b2", "wrong-password-1", "10.4.0.2"), poscare.EUnauthenticated)
				}
				total.Store(0)
				clear(codes)
				for i := 0; i < 20; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						err := auth("agent.b2", "wrong-password-1", "10.4.0.2")
						mu.Lock()
						codes[poscare.ErrorCode(err)]++
						mu.Unlock()
					}()
				}
				wg.Wait()
				if total.Load() != 1 || codes[poscare.EUnauthenticated] != 1 || codes[poscare.ETooManyRequests] != 19 {
					t.Fatalf("20 guesses at once past the slips: %d password checks, answers %v; want 1", total.Load(), codes)
				}
				retryAfter(t, auth("agent.b2", testPassword, "10.4.0.2"))
			})

			t.Run("WrongAndRightAtOnceDoNotLogInPastTheLimit", func(t *testing.T) {
				for round, blocked := range []bool{false, true} {
					f.Clock = f.Clock.Add(time.Hour)
					source := fmt.Sprintf("10.5.0.%d", round+1)
					for i := 0; blocked && i <= sqlstore.PairFreeFailures; i++ {
						wantCode(t, auth("lead1", "wrong-password-1", source), poscare.EUnauthenticated)
					}
					total, _ := countChecks(t, s, runtime.NumCPU())
					var logins atomic.Int64
					var wg sync.WaitGroup
					for i := 0; i < 12; i++ {
						pw := "wrong-password-1"
						if i == 11 {
							pw = testPassword
						}
						wg.Add(1)
						go func() {
							defer wg.Done()
							if auth("lead1", pw, source) == nil {
								logins.Add(1)
							}
						}()
					}
					wg.Wait()
					checks := total.Load()
					if blocked && (checks != 0 || logins.Load() != 0) {
						t.Fatalf("round %d: a blocked pair got %d checks and %d logins", round, checks, logins.Load())
					}
					if allowed := int64(sqlstore.PairFreeFailures + 1); !blocked && (checks < 1 || checks > allowed || logins.Load() > 1) {
						t.Fatalf("round %d: 12 attempts at once got %d checks and %d logins, want 1 to %d checks", round, checks, logins.Load(), allowed)
					}
				}
			})

			t.Run("PasswordChecksStayWithinTheBound", func(t *testing.T) {
				bound := runtime.NumCPU()
				_, peak := countChecks(t, s, bound)
				var wg sync.WaitGroup
				for i := 0; i < 40; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						err := auth(fmt.Sprintf("ghost%d", i), "wrong-password-1", fmt.Sprintf("192.0.2.%d", i))
						if c := poscare.ErrorCode(err); c != poscare.EUnauthenticated && c != poscare.ETooManyRequests {
							t.Errorf("login %d: %v", i, err)
						}
					}()
				}
				wg.Wait()
				if p := peak.Load(); p < 1 || p > int64(bound) {
					t.Fatalf("%d password checks ran at once, bound %d", p, bound)
				}
			})

			t.Run("EveryCheckBusyAnswersTooManyRequests", func(t *testing.T) {
				g := password.NewGate(1, 20*time.Millisecond)
				entered, release := make(chan struct{}), make(chan struct{})
				var first atomic.Bool
				first.Store(true)
				g.Observe = func(d int) {
					if d > 0 && first.CompareAndSwap(true, false) {
						close(entered)
						<-release // hold the only slot until the login below is refused
					}
				}
				old := s.PasswordChecks
				s.PasswordChecks = g
				defer func() { s.PasswordChecks = old }()
				done := make(chan struct{})
				go func() { g.Verify(ctx, "x", password.Hash("x", password.Fast)); close(done) }()
				<-entered
				f.Clock = f.Clock.Add(time.Hour)
				err := auth("lead2", testPassword, "10.7.0.1")
				close(release)
				<-done
				if wait := retryAfter(t, err); wait != time.Second {
					t.Fatalf("busy: Retry-After %s, want 1s", wait)
				}
				var e *poscare.Error
				if errors.As(err, &e); e.Message.En != "the server is busy; try again in a moment" {
					t.Fatalf("busy answer %q", e.Message.En)
				}
			})

			t.Run("BusyRefusalsDoNotAddUpToABlock", func(t *testing.T) {
				// Someone keeps the password checks busy; the owner's attempts
				// meanwhile are refused unchecked, and once the server has room
				// the owner's right password goes through at once.
				g := password.NewGate(1, 10*time.Millisecond)
				entered, release := make(chan struct{}), make(chan struct{})
				var first atomic.Bool
				first.Store(true)
				g.Observe = func(d int) {
					if d > 0 && first.CompareAndSwap(true, false) {
						close(entered)
						<-release
					}
				}
				old := s.PasswordChecks
				s.PasswordChecks = g
				defer func() { s.PasswordChecks = old }()
				done := make(chan struct{})
				go func() { g.Verify(ctx, "x", password.Hash("x", password.Fast)); close(done) }()
				<-entered
				f.Clock = f.Clock.Add(time.Hour)
				for i := 0; i < 2*sqlstore.PairFreeFailures+2; i++ {
					if err := auth("lead2", testPassword, "10.8.0.1"); poscare.ErrorCode(err) != poscare.ETooManyRequests {
						t.Fatalf("attempt %d while busy: %v", i, err)
					}
				}
				close(release)
				<-done
				if err := auth("lead2", testPassword, "10.8.0.1"); err != nil {
					t.Fatalf("right password once the server has room: %v", err)
				}
			})

			t.Run("UnknownLoginsCostWhatKnownOnesCost", func(t *testing.T) {
				p, err := password.ParamsOf(sqlstore.DummyHash(s))
				must(t, err)
				if p != s.PasswordParams {
					t.Fatalf("unknown logins are checked with %+v, real hashes made with %+v", p, s.PasswordParams)
				}
				total, _ := countChecks(t, s, 1)
				f.Clock = f.Clock.Add(time.Hour)
				auth("nobody.at.all", "wrong-password-1", "10.6.0.1")
				auth("lead2", "wrong-password-1", "10.6.0.1")
				if total.Load() != 2 {
					t.Fatalf("%d checks for one unknown and one known login, want 2", total.Load())
				}
			})
		})
	}
}

// TestPasswordCostsArePerStore: each store hashes with its own costs, so
// tests (and a demo beside a real store) never change another store's.
func TestPasswordCostsArePerStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		set  password.Params
		want password.Params
	}{{"fast", password.Fast, password.Fast}, {"default", password.Params{}, password.Default}} {
		path := filepath.Join(dir, c.name+".db")
		s := testenv.Open(t, path)
		s.PasswordParams = c.set
		u := &poscare.User{Login: "costs", Name: "成本", Role: poscare.RoleTech}
		must(t, s.CreateUser(ctx, poscare.SystemActor("test"), u, testPassword))
		var hash string
		must(t, rawDB(t, path).QueryRowContext(ctx, "SELECT password_hash FROM users WHERE id = ?", u.ID).Scan(&hash))
		p, err := password.ParamsOf(hash)
		must(t, err)
		if p != c.want {
			t.Errorf("%s: hash made with %+v, want %+v", c.name, p, c.want)
		}
		dp, err := password.ParamsOf(sqlstore.DummyHash(s))
		must(t, err)
		if dp != c.want {
			t.Errorf("%s: unknown logins checked with %+v, want %+v", c.name, dp, c.want)
		}
	}
}
