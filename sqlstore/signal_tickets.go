package sqlstore

import (
	"time"

	"poscare"
	"poscare/continuity"
	"poscare/servicedesk"
)

// The merchants who filed "cannot reach my contact" about a person within
// the attempt window: distinct merchants, so one merchant filing twice
// counts once.
var _ = registerSignalCount(servicedesk.SignalUnreachableReports, func(now time.Time, p poscare.ContinuityPolicy) (string, []any) {
	return "SELECT about_user_id AS user_id, COUNT(DISTINCT merchant_id) AS n FROM tickets WHERE kind = 'unreachable' AND about_user_id IS NOT NULL AND created_at >= ? GROUP BY about_user_id",
		[]any{micros(continuity.AttemptsSince(now, p))}
})
