// Package password hashes staff and merchant passwords with argon2id
// (RFC 9106) in the PHC string format, so parameters can be raised later
// without breaking stored hashes.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// Default follows RFC 9106's second recommended option (64 MiB), at a cost
// of some tens of milliseconds per login on a small server.
var Default = Params{Time: 3, Memory: 64 * 1024, Threads: 2}

// Fast is for tests and demo data only, where thousands of users are
// created; it is never used for a real login.
var Fast = Params{Time: 1, Memory: 8 * 1024, Threads: 1}

// Hash returns the PHC string of pw with a fresh salt.
func Hash(pw string, p Params) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// ParamsOf returns the cost parameters a PHC string was made with.
func ParamsOf(encoded string) (Params, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Params{}, errors.New("password: not an argon2id hash")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, fmt.Errorf("password: bad parameters: %w", err)
	}
	return p, nil
}

// Verify reports whether pw matches the PHC string encoded, in constant time.
func Verify(pw, encoded string) (bool, error) {
	p, err := ParamsOf(encoded)
	if err != nil {
		return false, err
	}
	parts := strings.Split(encoded, "$")
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// ErrBusy is returned by a Gate that found no free slot in time.
var ErrBusy = errors.New("password: too many password checks in progress")

// Gate bounds how many hashes and verifications run at once. Each argon2id
// computation takes its memory cost (64 MiB by default) and a core for tens
// of milliseconds, so without a bound a burst of logins, even for logins
// that do not exist, is a lever on the server's memory and CPU. A request
// that finds every slot taken waits up to Wait, then gets ErrBusy.
type Gate struct {
	slots chan struct{}
	wait  time.Duration
	// Observe, when set, is told +1 as a computation starts and -1 as it
	// ends; the tests count with it how many run at once.
	Observe func(delta int)
}

// NewGate returns a gate for n computations at once, waiting up to wait.
func NewGate(n int, wait time.Duration) *Gate {
	return &Gate{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// run runs fn in a slot.
func (g *Gate) run(ctx context.Context, fn func()) error {
	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
	case <-timer.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.slots }()
	if g.Observe != nil {
		g.Observe(+1)
		defer g.Observe(-1)
	}
	fn()
	return nil
}

// Verify is Verify in a slot of the gate.
func (g *Gate) Verify(ctx context.Context, pw, encoded string) (ok bool, err error) {
	if gerr := g.run(ctx, func() { ok, err = Verify(pw, encoded) }); gerr != nil {
		return false, gerr
	}
	return ok, err
}

// Hash is Hash in a slot of the gate.
func (g *Gate) Hash(ctx context.Context, pw string, p Params) (encoded string, err error) {
	err = g.run(ctx, func() { encoded = Hash(pw, p) })
	return encoded, err
}
