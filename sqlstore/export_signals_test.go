package sqlstore

import (
	"time"

	"poscare"
)

// UncountedSignals are the registered silence signals storage loads no
// count of.
func UncountedSignals() []string { return uncountedSignals() }

// RegisterSignalCount adds the count of a silence signal as a fixed
// query yielding (user_id, n), as a capability's file would.
func RegisterSignalCount(name, query string) bool {
	return registerSignalCount(name, func(time.Time, poscare.ContinuityPolicy) (string, []any) { return query, nil })
}
