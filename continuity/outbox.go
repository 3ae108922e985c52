package continuity

import (
	"slices"
	"strings"
	"time"
)

// The outbox's policy: a message that fails is tried again with
// exponential backoff (30 s, 1 min, 2 min …) until it has failed the
// store's allowed attempts; then it fails for good and, where the merchant
// has another way to be reached, a copy goes out through the next one in
// the fallback order.

// FirstRetry is the wait after a message's first failure; each further
// failure doubles it.
const FirstRetry = 30 * time.Second

// AfterFailure says what becomes of a message that has now failed
// attempts times, of the allowed attempts: tried again after retryIn, or failed
// for good.
func AfterFailure(attempts, allowed int) (retryIn time.Duration, failed bool) {
	if attempts >= allowed {
		return 0, true
	}
	return FirstRetry << (max(attempts, 1) - 1), false
}

// Route is where a message goes: an outbox channel and an address on it.
type Route struct{ Channel, Address string }

// Reachable is a contact's live channels as routes, in the order they
// were added, with the outbox channel of its preferred kind.
type Reachable struct {
	ID        int64
	Preferred string
	Routes    []Route
}

// FallbackOrder lists the routes to a merchant in the order a message
// tries them: the contact holding first (the chain's first route), if any
// is still live, then the other contacts in order; each contact's routes
// of its preferred kind before its others.
func FallbackOrder(contacts []Reachable, first Route) []Route {
	ordered := make([]Reachable, 0, len(contacts))
	for i, c := range contacts {
		if slices.Contains(c.Routes, first) {
			ordered = append(append(append(ordered, c), contacts[:i]...), contacts[i+1:]...)
			break
		}
	}
	if len(ordered) == 0 {
		ordered = contacts
	}
	var out []Route
	for _, c := range ordered {
		for _, r := range c.Routes {
			if r.Channel == c.Preferred {
				out = append(out, r)
			}
		}
		for _, r := range c.Routes {
			if r.Channel != c.Preferred {
				out = append(out, r)
			}
		}
	}
	return out
}

// NextFallback is the route a failed message's copy takes: the first in
// the fallback order that the chain (the first message and its copies)
// has not tried; false when every one has been.
func NextFallback(contacts []Reachable, first Route, tried map[Route]bool) (Route, bool) {
	for _, r := range FallbackOrder(contacts, first) {
		if !tried[r] {
			return r, true
		}
	}
	return Route{}, false
}

// BaseKey is the dedupe key of the first message of a fallback chain.
func BaseKey(k string) string {
	if i := strings.Index(k, ":via:"); i >= 0 {
		return k[:i]
	}
	return k
}

// FallbackKey is the dedupe key of the copy of the message with key k
// sent through r.
func FallbackKey(k string, r Route) string { return k + ":via:" + r.Channel + ":" + r.Address }
