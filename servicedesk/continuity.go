package servicedesk

import (
	"poscare"
	"poscare/continuity"
)

// HoldingTicket is the kind of holding the playbook hands over for the
// service desk: a person's open tickets.
const HoldingTicket = "ticket"

// HandoverLine is the timeline's line for n tickets handed over.
func HandoverLine(n int) poscare.Msg { return poscare.M("sd.handover.tickets", "n", n) }

// SignalUnreachableReports is the silence signal of merchants reporting
// that they cannot reach their contact: as many distinct merchants as it
// takes distinct colleagues (ContinuityPolicy.FailedAttempts) within the
// same window make the person suspected unreachable.
const SignalUnreachableReports = "unreachable_reports"

var _ = continuity.RegisterSignal(continuity.Signal{Name: SignalUnreachableReports,
	Threshold: func(p poscare.ContinuityPolicy) int { return p.FailedAttempts },
	Says: func(n int, p poscare.ContinuityPolicy) poscare.Msg {
		return poscare.M("sd.signal.unreachable_reports", "n", n, "window", poscare.DurationText(p.AttemptWindow))
	}})
