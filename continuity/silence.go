package continuity

// The continuity package holds the rules that keep every merchant served
// whatever happens to one person, in plain Go: storage loads the values,
// calls these rules and writes what they decide. The signals part (this
// file and silence*, removal*, freshness*, callback*, outbox*) decides
// who is suspected unreachable (失联) and why, when a person's removals
// of customers are refused, which contacts and self-checks are due, who
// takes a merchant's callback and by when, and how the outbox retries a
// message and falls back to another channel.

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"poscare"
)

// Silence: a staff member with no activity for SilentDays, whom
// FailedAttempts distinct colleagues failed to reach in the last
// AttemptWindow (one colleague calling ten times counts once, so nobody
// can mark a colleague unreachable alone), or with OverdueTasks tasks
// owed to merchants left past their deadline, becomes "unreachable
// (suspected)"; their merchants' service contact then falls through to
// the backup at once, and their lead and ops are alerted.
//
// Each sign is a Signal in a registry: a capability that brings a new
// one (the service desk's overdue tickets, say) registers it with its
// threshold and its words, and storage registers the count it loads; the
// detection itself is not edited.

// Signal is one sign that a staff member cannot be reached.
type Signal struct {
	// Name names the signal for storage (which loads its count under it)
	// and for the reason's order.
	Name string
	// Threshold is the count at which the signal crosses: from the
	// policy, or a value of the signal's own.
	Threshold func(p poscare.ContinuityPolicy) int
	// Says puts a crossed signal into words, given its count.
	Says func(n int, p poscare.ContinuityPolicy) poscare.Msg
}

// The built-in signals.
const (
	SignalDaysSilent       = "days_silent"       // days since the last login, API call or finished task
	SignalColleaguesFailed = "colleagues_failed" // distinct colleagues who failed to reach them in the window
	SignalOverdueTasks     = "overdue_tasks"     // open tasks owed to merchants past their deadline
)

var (
	signalsMu sync.RWMutex
	signals   []Signal
)

// RegisterSignal adds a silence signal; detection weighs it from then on,
// after the ones registered before it. It panics on a name registered
// twice or a signal without a threshold or words: a mistake found at
// start-up. It returns true, to register as a variable declaration.
func RegisterSignal(s Signal) bool {
	signalsMu.Lock()
	defer signalsMu.Unlock()
	if s.Name == "" || s.Threshold == nil || s.Says == nil {
		panic("continuity: a silence signal needs a name, a threshold and words: " + s.Name)
	}
	for _, x := range signals {
		if x.Name == s.Name {
			panic("continuity: silence signal registered twice: " + s.Name)
		}
	}
	signals = append(signals, s)
	return true
}

// Signals are the registered silence signals, in the order of
// registration.
func Signals() []Signal {
	signalsMu.RLock()
	defer signalsMu.RUnlock()
	return slices.Clone(signals)
}

// Thresholds are the registered signals' thresholds under a policy, by
// name: what storage compares its counts with when it looks for
// candidates.
func Thresholds(p poscare.ContinuityPolicy) map[string]int {
	out := map[string]int{}
	for _, s := range Signals() {
		out[s.Name] = s.Threshold(p)
	}
	return out
}

var _ = RegisterSignal(Signal{Name: SignalDaysSilent,
	Threshold: func(p poscare.ContinuityPolicy) int { return p.SilentDays },
	Says: func(n int, _ poscare.ContinuityPolicy) poscare.Msg {
		return poscare.M("silence.signal.days_silent", "n", n)
	}})

var _ = RegisterSignal(Signal{Name: SignalColleaguesFailed,
	Threshold: func(p poscare.ContinuityPolicy) int { return p.FailedAttempts },
	Says: func(n int, p poscare.ContinuityPolicy) poscare.Msg {
		return poscare.M("silence.signal.colleagues_failed", "n", n, "window", poscare.DurationText(p.AttemptWindow))
	}})

var _ = RegisterSignal(Signal{Name: SignalOverdueTasks,
	Threshold: func(p poscare.ContinuityPolicy) int { return p.OverdueTasks },
	Says: func(n int, _ poscare.ContinuityPolicy) poscare.Msg {
		return poscare.M("silence.signal.overdue_tasks", "n", n)
	}})

// Readings are one person's count of each signal, by name; a signal
// storage did not load counts 0.
type Readings map[string]int

// DaysSilent is how many whole days passed between a person's last sign
// of activity (or their creation, if none) and now.
func DaysSilent(u *poscare.User, now time.Time) int {
	seen := u.CreatedAt
	if u.LastSeenAt != nil {
		seen = *u.LastSeenAt
	}
	return int(now.Sub(seen).Hours() / 24)
}

// SilentSince is the last sign of activity before which a person counts
// as silent for the policy's days: what storage compares with.
func SilentSince(now time.Time, p poscare.ContinuityPolicy) time.Time {
	return now.AddDate(0, 0, -p.SilentDays)
}

// AttemptsSince is the start of the window in which colleagues' failed
// attempts count.
func AttemptsSince(now time.Time, p poscare.ContinuityPolicy) time.Time {
	return now.Add(-p.AttemptWindow)
}

// Suspicion is what silence detection concludes about one person: the
// signals that crossed their thresholds, in registration order, and the
// reason in words.
type Suspicion struct {
	Crossed []string
	Reason  poscare.Msg
}

// Suspected reports whether any signal crossed.
func (s Suspicion) Suspected() bool { return len(s.Crossed) > 0 }

// Detect weighs a person's readings against the policy: every signal at
// or past its threshold is named in the reason.
func Detect(r Readings, p poscare.ContinuityPolicy) Suspicion {
	var out Suspicion
	var said []poscare.Msg
	for _, s := range Signals() {
		if n := r[s.Name]; n >= s.Threshold(p) {
			out.Crossed = append(out.Crossed, s.Name)
			said = append(said, s.Says(n, p))
		}
	}
	out.Reason = poscare.M("silence.reason", "signals", join("silence.list", said))
	return out
}

// join chains messages two by two through a key whose template joins
// {first} and {rest} in each language: the list reads "a，b，c" in
// Chinese and "a, b, c" in English. No message is the empty string.
func join(key string, ms []poscare.Msg) any {
	switch len(ms) {
	case 0:
		return ""
	case 1:
		return ms[0]
	}
	return poscare.M(key, "first", ms[0], "rest", join(key, ms[1:]))
}

// UnreachableAlert is the alert raised when a person is marked
// unreachable (suspected): to their lead, ops and the service centre,
// once per person and day.
func UnreachableAlert(u *poscare.User, s Suspicion, now time.Time) Alert {
	return Alert{To: ToLeadAndOps, About: u.ID,
		Key:     fmt.Sprintf("alert:%d:%d:unreachable", u.ID, now.Truncate(24*time.Hour).Unix()),
		Subject: poscare.M("alert.unreachable.subject", "name", u.Name),
		Body:    poscare.M("alert.unreachable.body", "reason", s.Reason),
	}
}

// Audience is who reads an alert.
type Audience string

const (
	// ToLeadAndOps: the team lead of the person the alert is about
	// (unless gone), every ops user at work and the service centre, never
	// the person themselves.
	ToLeadAndOps Audience = "lead_and_ops"
	// ToStaff: the one staff member About.
	ToStaff Audience = "staff"
)

// Alert is a message a rule decided to send to staff: storage queues it
// through every alert channel each reader has an address for, once per
// Key and address however often the rule raises it.
type Alert struct {
	To      Audience
	About   int64 // the person the alert is about (ToLeadAndOps) or for (ToStaff)
	Key     string
	Subject poscare.Msg
	Body    poscare.Msg
}

// Outcomes of a failed attempt to reach a colleague.
var attemptOutcomes = map[string]bool{"no_answer": true, "disconnected": true, "blocked": true}

// CheckAttempt checks a failed contact attempt before it is recorded: a
// known outcome, about somebody other than the one recording it, and a
// note of bounded length. Errors: EInvalid.
func CheckAttempt(byID, aboutID int64, outcome, notes string) error {
	p := poscare.Problems{}
	if !attemptOutcomes[outcome] {
		p.Say("outcome", "silence.outcome.invalid")
	}
	if aboutID == byID {
		p.Say("user_id", "silence.attempt.self")
	}
	poscare.CheckLength(p, "notes", notes, poscare.MaxNote)
	return p.Err()
}
