package sqlstore

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"poscare"
)

// The continuity dashboard's coverage (who holds how many merchants, how
// many have no fitting backup) is one pass over the merchants in scope:
// about a second for a million. It is kept per scope and counted again
// only after a committed write that may change it (any write to merchants
// or people but the few that touch only a login's bookkeeping), or when
// older than coverageMaxAge, for writes by another instance on the same
// PostgreSQL database. So a view right after a handover shows it, and
// views in between cost nothing.
type coverageCache struct {
	gen atomic.Uint64 // committed writes that may change coverage
	mu  sync.Mutex
	m   map[string]cachedCoverage
}

type cachedCoverage struct {
	gen uint64
	at  time.Time
	c   *Coverage
}

const coverageMaxAge = 30 * time.Second

// touchesPeopleOrMerchants matches a statement that writes merchants or
// users; harmlessUserWrite, those of them that change nothing coverage
// shows (last seen, language, contact check, password, failed logins).
var (
	touchesPeopleOrMerchants = regexp.MustCompile(`(?i)^\s*(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+(merchants|users)\b`)
	harmlessUserWrite        = regexp.MustCompile(`(?i)^\s*UPDATE\s+users\s+SET\s+(last_seen_at|lang|contact_checked_at|password_hash|failed_logins)\s*=`)
)

// noteWrite marks t as changing coverage when q may.
func (t *Tx) noteWrite(q string) {
	if t.changesCoverage {
		return
	}
	q = strings.TrimLeft(q, " \t\n")
	if q == "" || !strings.ContainsRune("IUDiud", rune(q[0])) {
		return // a read, the most of them
	}
	if touchesPeopleOrMerchants.MatchString(q) && !harmlessUserWrite.MatchString(q) {
		t.changesCoverage = true
	}
}

// cachedCoverage returns the coverage of a's scope, counted again when a
// write may have changed it since gen was read, before t began. Callers
// must not change what it returns: it is shared.
func (s *Store) cachedCoverage(ctx context.Context, t *Tx, a poscare.Actor, gen uint64) (*Coverage, error) {
	key := fmt.Sprintf("%+v", a.MerchantScope())
	c := &s.coverage
	c.mu.Lock()
	hit, ok := c.m[key]
	c.mu.Unlock()
	if ok && hit.gen == gen && time.Since(hit.at) < coverageMaxAge {
		return hit.c, nil
	}
	cov, err := t.coverage(ctx, a)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedCoverage{}
	}
	c.m[key] = cachedCoverage{gen: gen, at: time.Now(), c: cov}
	c.mu.Unlock()
	return cov, nil
}
