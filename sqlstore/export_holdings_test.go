package sqlstore

import "slices"

// UnregisterHolding removes a kind registered by a test, so that the
// kinds the other tests see are the program's.
func UnregisterHolding(kind string) {
	holdings = slices.DeleteFunc(holdings, func(h registeredHolding) bool { return h.Kind() == kind })
}
