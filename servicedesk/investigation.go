package servicedesk

import (
	"slices"
	"strings"
	"time"

	"poscare"
)

// Investigation is what the desk found out about a ticket: the findings,
// the root cause a report counts it under, the resolution, and any
// compensation to the merchant (in fen) with who approved it.
type Investigation struct {
	TicketID        int64      `json:"ticket_id"`
	Findings        string     `json:"findings"`
	Cause           Cause      `json:"cause,omitempty"`
	Result          string     `json:"result"` // how it was resolved
	CompensationFen int64      `json:"compensation_fen"`
	ApprovedBy      *int64     `json:"approved_by,omitempty"`
	ApprovedAt      *time.Time `json:"approved_at,omitempty"`
	UpdatedBy       *int64     `json:"updated_by,omitempty"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// MaxCompensationFen bounds a compensation: 100,000 yuan.
const MaxCompensationFen = 100_000_00

// Validate checks an investigation as written, naming each bad field.
func (x *Investigation) Validate() error {
	p := poscare.Problems{}
	x.Findings, x.Result = strings.TrimSpace(x.Findings), strings.TrimSpace(x.Result)
	if x.Cause != "" && !slices.Contains(Causes, x.Cause) {
		p.Say("cause", "sd.invalid.cause")
	}
	for field, v := range map[string]string{"findings": x.Findings, "result": x.Result} {
		if len([]rune(v)) > MaxBody {
			p.Say(field, "sd.invalid.too_long", "max", MaxBody)
		}
	}
	if x.CompensationFen < 0 || x.CompensationFen > MaxCompensationFen {
		p.Say("compensation_fen", "sd.invalid.compensation")
	}
	return p.Err()
}

// NeedsInvestigation reports whether a ticket of kind k is resolved only
// with a root cause and a resolution on record: complaints, fee disputes
// and "cannot reach my contact", the ones reports and reviews count.
func NeedsInvestigation(k Kind) bool {
	return k == KindComplaint || k == KindFeeDispute || k == KindUnreachable
}

// CheckResolvable says what a ticket still lacks to be resolved: for the
// kinds that need one, an investigation with a cause and a resolution;
// for any compensation, its approval.
func CheckResolvable(k Kind, x *Investigation) error {
	p := poscare.Problems{}
	if NeedsInvestigation(k) {
		if x == nil || x.Cause == "" {
			p.Say("cause", "sd.resolve.cause")
		}
		if x == nil || x.Result == "" {
			p.Say("result", "sd.resolve.resolution")
		}
	}
	if x != nil && x.CompensationFen > 0 && x.ApprovedBy == nil {
		p.Say("compensation_fen", "sd.resolve.approval")
	}
	return p.Err()
}
