package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"

	"poscare"
)

// Login throttling. Every password check — a login, or the current
// password of a password change — first takes an attempt from guards kept
// in the database, in the same write transaction that checks them, before
// the password is verified; so parallel guesses cannot slip between the
// check and the count, and several instances share one count. A success
// gives the attempt back.
//
//   - A source address and a login together (the pair guard): while a check
//     runs, no other check of the pair may start (for up to InFlightHold);
//     past PairFreeFailures failures (typing slips), each failure blocks the
//     pair for a delay that starts at PairDelay and doubles up to
//     PairMaxDelay. Guessing from one place is slowed without end.
//   - A login across all addresses (the login guard): past LoginFreeFailures
//     failures, a short back-off that doubles up to LoginMaxDelay. It slows
//     guessing spread over many addresses, but only briefly, so that nobody
//     can shut an account's owner out for long.
//   - An address across all logins (the address guard): past
//     AddressFreeFailures failures, a back-off up to AddressMaxDelay, which
//     slows spraying one password over many logins.
//
// A pair that has logged in before (within TrustedFor) skips the login
// and address guards: the owner at their usual desk, or a colleague behind
// the same office NAT as a guesser, is never held up by someone else.
// Nothing depends on whether the login exists or is locked, so throttled
// requests get the same answer for unknown, existing and locked logins.
// A guard with no failure for ForgetAfter starts again from nothing.
const (
	PairFreeFailures    = 2
	InFlightHold        = 10 * time.Second
	PairDelay           = time.Second
	PairMaxDelay        = 15 * time.Minute
	LoginFreeFailures   = 10
	LoginMaxDelay       = 30 * time.Second
	AddressFreeFailures = 50
	AddressMaxDelay     = time.Minute
	TrustedFor          = 30 * 24 * time.Hour
	ForgetAfter         = time.Hour
)

// guard is one throttle row.
type guard struct {
	key  string
	free int // failures allowed before a delay
	base time.Duration
	cap  time.Duration
}

// delay is how long the guard blocks after its n-th counted attempt.
func (g guard) delay(n int) time.Duration {
	over := n - g.free
	if over <= 0 {
		return 0
	}
	d := g.base
	for i := 1; i < over && d < g.cap; i++ {
		d *= 2
	}
	return min(d, g.cap)
}

func throttleKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// attempt is a password check that has taken its place in the guards: at
// is when, and pairFailures the pair's count with this attempt in it.
type attempt struct {
	source, login string
	guards        []guard
	at            time.Time
	pairFailures  int
}

// RetryAfter is carried, as the cause, by the error of a throttled
// attempt: how long until the next attempt may be made. The HTTP edge
// sends it as Retry-After.
type RetryAfter time.Duration

func (r RetryAfter) Error() string { return "retry after " + time.Duration(r).String() }

// Seconds is the wait in whole seconds, rounded up, at least 1.
func (r RetryAfter) Seconds() string {
	return strconv.Itoa(max(1, int((time.Duration(r)+time.Second-1)/time.Second)))
}

func throttled(wait time.Duration) error {
	e := poscare.Fail(poscare.ETooManyRequests, "db.throttle.too_many")
	e.Cause = RetryAfter(wait)
	return e
}

// reserveAttempt checks and counts one password check of login from
// source in one step. It answers ETooManyRequests (with RetryAfter) while
// a guard blocks; the answer depends on nothing but the guards.
func (t *Tx) reserveAttempt(ctx context.Context, source, login string) (*attempt, error) {
	a := &attempt{source: source, login: login, at: t.now,
		guards: []guard{{key: throttleKey("pair", source, login), free: PairFreeFailures, base: PairDelay, cap: PairMaxDelay}}}
	trusted, err := t.throttleRow(ctx, throttleKey("trusted", source, login))
	if err != nil {
		return nil, err
	}
	if trusted == nil || t.now.Sub(fromMicros(trusted.lastAt)) > TrustedFor {
		a.guards = append(a.guards,
			guard{key: throttleKey("login", login), free: LoginFreeFailures, base: time.Second, cap: LoginMaxDelay},
			guard{key: throttleKey("address", source), free: AddressFreeFailures, base: time.Second, cap: AddressMaxDelay})
	}
	rows := make([]*throttleRow, len(a.guards))
	var wait time.Duration
	for i, g := range a.guards {
		if rows[i], err = t.lockThrottleRow(ctx, g.key); err != nil {
			return nil, err
		}
		if until := fromMicros(rows[i].blockedUntil); t.now.Before(until) {
			wait = max(wait, until.Sub(t.now))
		}
	}
	if wait > 0 {
		t.s.observeLogin(LoginThrottled)
		return nil, throttled(wait)
	}
	for i, g := range a.guards {
		n := rows[i].failures + 1
		if t.now.Sub(fromMicros(rows[i].lastAt)) > ForgetAfter {
			n = 1
		}
		until := t.now.Add(g.delay(n))
		if i == 0 {
			// The pair is held while this check runs, whatever comes of it;
			// failed or succeeded lifts the hold.
			a.pairFailures = n
			until = t.now.Add(max(g.delay(n), InFlightHold))
		}
		if _, err := t.exec(ctx, "UPDATE login_throttle SET failures = ?, blocked_until = ?, last_at = ? WHERE key_hash = ?",
			n, micros(until), micros(t.now), g.key); err != nil {
			return nil, err
		}
	}
	if rand.IntN(100) == 0 {
		// Now and then, drop guards long idle so the table stays small.
		if _, err := t.exec(ctx, "DELETE FROM login_throttle WHERE last_at < ?", micros(t.now.Add(-max(TrustedFor, ForgetAfter)))); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// failed ends a failed attempt: the pair's hold becomes the delay its
// failures have earned, counted from the attempt.
func (t *Tx) failed(ctx context.Context, a *attempt) error {
	g := a.guards[0]
	_, err := t.exec(ctx, "UPDATE login_throttle SET blocked_until = ? WHERE key_hash = ? AND failures = ?",
		micros(a.at.Add(g.delay(a.pairFailures))), g.key, a.pairFailures)
	return err
}

// released gives back an attempt whose password was never checked (the
// password gate was full): it counts against no guard, and the pair's
// hold is lifted, so a flood of other requests that keeps the server busy
// does not add up to a block of the owner.
func (t *Tx) released(ctx context.Context, a *attempt) error {
	g := a.guards[0]
	if _, err := t.exec(ctx, "UPDATE login_throttle SET failures = failures - 1, blocked_until = 0 WHERE key_hash = ? AND failures = ?",
		g.key, a.pairFailures); err != nil {
		return err
	}
	for _, g := range a.guards[1:] {
		if _, err := t.exec(ctx, "UPDATE login_throttle SET failures = failures - 1 WHERE key_hash = ? AND failures > 0", g.key); err != nil {
			return err
		}
	}
	return nil
}

// succeeded gives a successful attempt back: the pair starts again from
// nothing, the login and address guards lose the attempt, and the pair is
// remembered as one that logs in.
func (t *Tx) succeeded(ctx context.Context, a *attempt) error {
	if _, err := t.exec(ctx, "DELETE FROM login_throttle WHERE key_hash = ?", a.guards[0].key); err != nil {
		return err
	}
	for _, g := range a.guards[1:] {
		if _, err := t.exec(ctx, "UPDATE login_throttle SET failures = failures - 1 WHERE key_hash = ? AND failures > 0", g.key); err != nil {
			return err
		}
	}
	key := throttleKey("trusted", a.source, a.login)
	if _, err := t.lockThrottleRow(ctx, key); err != nil {
		return err
	}
	_, err := t.exec(ctx, "UPDATE login_throttle SET last_at = ? WHERE key_hash = ?", micros(t.now), key)
	return err
}

type throttleRow struct {
	failures     int
	blockedUntil int64
	lastAt       int64
}

func (t *Tx) throttleRow(ctx context.Context, key string) (*throttleRow, error) {
	var r throttleRow
	err := t.queryRow(ctx, "SELECT failures, blocked_until, last_at FROM login_throttle WHERE key_hash = ?", key).Scan(&r.failures, &r.blockedUntil, &r.lastAt)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return &r, t.s.translate(err)
}

// lockThrottleRow makes sure the guard's row exists and locks it until the
// transaction ends (SQLite's single writer does that by itself), so that
// concurrent attempts of the same guard queue behind one another.
func (t *Tx) lockThrottleRow(ctx context.Context, key string) (*throttleRow, error) {
	if _, err := t.exec(ctx, "INSERT INTO login_throttle (key_hash, failures, blocked_until, last_at) VALUES (?, 0, 0, ?) ON CONFLICT (key_hash) DO NOTHING",
		key, micros(t.now)); err != nil {
		return nil, err
	}
	q := "SELECT failures, blocked_until, last_at FROM login_throttle WHERE key_hash = ?"
	if t.s.dialect == Postgres {
		q += " FOR UPDATE"
	}
	var r throttleRow
	err := t.queryRow(ctx, q, key).Scan(&r.failures, &r.blockedUntil, &r.lastAt)
	return &r, t.s.translate(err)
}

// forgetLogin clears the login guard of a login whose password an admin
// has just replaced, so its owner can log in with it at once.
func (t *Tx) forgetLogin(ctx context.Context, login string) error {
	_, err := t.exec(ctx, "DELETE FROM login_throttle WHERE key_hash = ?", throttleKey("login", login))
	return err
}
