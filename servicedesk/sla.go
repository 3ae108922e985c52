package servicedesk

import (
	"slices"
	"strings"
	"time"

	"poscare"
	"poscare/workcal"
)

// Policy is a service-level policy: the targets a ticket is held to,
// chosen by kind, priority, team and merchant (a contract can carry a
// better one). A zero field matches anything; the most specific policy
// that matches wins.
type Policy struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Kind       Kind     `json:"kind,omitempty"`
	Priority   Priority `json:"priority,omitempty"`
	TeamID     *int64   `json:"team_id,omitempty"`
	MerchantID *int64   `json:"merchant_id,omitempty"`
	// Targets, zero for none: the first public reply, a reply after each
	// merchant message, and the resolution.
	FirstResponse time.Duration `json:"first_response"`
	Update        time.Duration `json:"update"`
	Resolution    time.Duration `json:"resolution"`
	// BusinessHours counts the targets on the working calendar; false
	// counts around the clock.
	BusinessHours bool `json:"business_hours"`
	// WarnAt is the share of a target after which its holder is warned
	// (0.8 when zero).
	WarnAt float64 `json:"warn_at,omitempty"`
}

// DefaultWarnAt is the share of a target at which the warning goes out.
const DefaultWarnAt = 0.8

// specificity ranks a matching policy: a merchant's own beats a team's,
// a team's beats a kind's, a kind's beats a priority's.
func (p *Policy) specificity() int {
	n := 0
	if p.MerchantID != nil {
		n += 8
	}
	if p.TeamID != nil {
		n += 4
	}
	if p.Kind != "" {
		n += 2
	}
	if p.Priority != "" {
		n++
	}
	return n
}

func (p *Policy) matches(t *Ticket) bool {
	return (p.Kind == "" || p.Kind == t.Kind) && (p.Priority == "" || p.Priority == t.Priority) &&
		(p.TeamID == nil || (t.TeamID != nil && *p.TeamID == *t.TeamID)) &&
		(p.MerchantID == nil || *p.MerchantID == t.MerchantID)
}

// PolicyFor is the policy a ticket is held to: the most specific match,
// the lowest id among equals (the older policy); nil when none matches.
func PolicyFor(policies []*Policy, t *Ticket) *Policy {
	var best *Policy
	for _, p := range policies {
		if !p.matches(t) {
			continue
		}
		if best == nil || p.specificity() > best.specificity() || (p.specificity() == best.specificity() && p.ID < best.ID) {
			best = p
		}
	}
	return best
}

// Clock names one of a ticket's three service-level clocks.
type Clock string

// The clocks.
const (
	ClockFirstResponse Clock = "first_response"
	ClockUpdate        Clock = "update"
	ClockResolution    Clock = "resolution"
)

// EventKind is what happened to a ticket, as far as its clocks care.
type EventKind string

// The events that start, stop and pause clocks.
const (
	EventOpened      EventKind = "opened"
	EventStaffReply  EventKind = "staff_reply"      // a public reply the merchant receives
	EventMerchantMsg EventKind = "merchant_message" // the merchant wrote again
	EventStatus      EventKind = "status"           // the status changed to Event.Status
	// Steps that leave the clocks alone.
	EventNote      EventKind = "note"      // an internal note, never shown to the merchant
	EventAssigned  EventKind = "assigned"  // a new assignee or queue
	EventEscalated EventKind = "escalated" // a rung of the escalation chain fired
	EventRated     EventKind = "rated"     // the merchant rated the resolution
)

// Event is one step of a ticket's history.
type Event struct {
	At     time.Time
	Kind   EventKind
	Status Status // for EventStatus
}

// ClockState is where one clock stands.
type ClockState struct {
	Clock  Clock         `json:"clock"`
	Target time.Duration `json:"target"`
	// Started is when the clock's current run began (the opening, or the
	// merchant message an update answers).
	Started time.Time `json:"started"`
	// Used is the counted time of the run so far; Paused the wall-clock
	// time the ticket stood waiting on the merchant, over all runs.
	Used   time.Duration `json:"used"`
	Paused time.Duration `json:"paused"`
	// Running says the clock counts now; Waiting that it would but the
	// ticket waits on the merchant.
	Running bool `json:"running"`
	Waiting bool `json:"waiting"`
	// Due is the deadline of the current run while it counts; Warn is when
	// its holder is warned. Both may be past.
	Due  time.Time `json:"due,omitzero"`
	Warn time.Time `json:"warn,omitzero"`
	// Met is when the last run stopped within its target.
	Met time.Time `json:"met,omitzero"`
	// Breached says a run missed its target, at BreachedAt; it stays so
	// after the ticket moves on. Warned is when the warning was due.
	Breached   bool      `json:"breached"`
	BreachedAt time.Time `json:"breached_at,omitzero"`
	Warned     time.Time `json:"warned,omitzero"`
}

// clock is one clock replayed over a ticket's history.
type clock struct {
	ClockState
	warn    time.Duration // the share of the target after which to warn
	cal     *workcal.Calendar
	mark    time.Time // counted up to here
	overdue time.Time // when the current run passed its target
	active  bool      // a run is open (counting or waiting)
	stopped bool      // the run stopped but may resume (a resolution reopened)
}

func (c *clock) elapsed(a, b time.Time) time.Duration {
	if c.cal == nil {
		return max(b.Sub(a), 0)
	}
	return c.cal.Between(a, b)
}

func (c *clock) add(t time.Time, d time.Duration) time.Time {
	if c.cal == nil {
		return t.Add(d)
	}
	return c.cal.Add(t, d)
}

// settle counts the time from the mark to at.
func (c *clock) settle(at time.Time) {
	if !c.active || at.Before(c.mark) {
		return
	}
	if c.Waiting {
		c.Paused += at.Sub(c.mark)
		c.mark = at
		return
	}
	d := c.elapsed(c.mark, at)
	if c.Warned.IsZero() && c.Used <= c.warn && c.Used+d > c.warn {
		c.Warned = c.add(c.mark, c.warn-c.Used)
	}
	if c.Used <= c.Target && c.Used+d > c.Target {
		c.overdue = c.add(c.mark, c.Target-c.Used)
		if !c.Breached {
			c.Breached, c.BreachedAt = true, c.overdue
		}
	}
	c.Used += d
	c.mark = at
}

// begin opens a new run at at.
func (c *clock) begin(at time.Time, waiting bool) {
	c.Started, c.Used, c.Met, c.Warned, c.overdue = at, 0, time.Time{}, time.Time{}, time.Time{}
	c.active, c.stopped, c.Waiting, c.mark = true, false, waiting, at
}

// end stops the run at at: met when within its target.
func (c *clock) end(at time.Time) {
	if !c.active {
		return
	}
	c.settle(at)
	c.active, c.stopped = false, true
	if c.Used <= c.Target {
		c.Met = at
	}
}

// again resumes a stopped run at at, keeping the time it used.
func (c *clock) again(at time.Time, waiting bool) {
	if c.active || !c.stopped {
		return
	}
	c.active, c.stopped, c.Waiting, c.mark, c.Met = true, false, waiting, at, time.Time{}
}

func (c *clock) wait(at time.Time, waiting bool) {
	if c.active && c.Waiting != waiting {
		c.settle(at)
		c.Waiting = waiting
	}
}

// state is the clock as of now.
func (c *clock) state(now time.Time) ClockState {
	c.settle(now)
	s := c.ClockState
	s.Running = c.active && !c.Waiting
	if c.active {
		s.Due = c.overdue
		if c.Used <= c.Target {
			s.Due = c.add(now, c.Target-c.Used)
		}
		s.Warn = c.Warned
		if s.Warn.IsZero() {
			s.Warn = c.add(now, c.warn-c.Used)
		}
		if c.Waiting {
			s.Due, s.Warn = time.Time{}, time.Time{}
		}
	}
	return s
}

// Clocks replays a ticket's history (in time order) under a policy and a
// calendar (nil: around the clock, as is a policy without business hours)
// and says where each of its clocks stands at now. The first response
// runs from the opening to the first public reply; an update from each
// merchant message (once first answered) to the next reply; the
// resolution from the opening to resolved, and on again when reopened.
// Waiting on the merchant pauses them all. A policy without a target for
// a clock leaves it out.
func Clocks(p *Policy, cal *workcal.Calendar, history []Event, now time.Time) []ClockState {
	if p == nil || len(history) == 0 {
		return nil
	}
	if !p.BusinessHours {
		cal = nil
	}
	share := p.WarnAt
	if share <= 0 || share >= 1 {
		share = DefaultWarnAt
	}
	mk := func(name Clock, target time.Duration) *clock {
		return &clock{ClockState: ClockState{Clock: name, Target: target}, warn: time.Duration(float64(target) * share), cal: cal}
	}
	first, update, resolution := mk(ClockFirstResponse, p.FirstResponse), mk(ClockUpdate, p.Update), mk(ClockResolution, p.Resolution)
	all := []*clock{first, update, resolution}
	status, answered := StatusNew, false
	for _, e := range history {
		for _, c := range all {
			c.settle(e.At)
		}
		switch e.Kind {
		case EventOpened:
			first.begin(e.At, false)
			resolution.begin(e.At, false)
		case EventStaffReply:
			first.end(e.At)
			update.end(e.At)
			answered = true
		case EventMerchantMsg:
			if answered && !update.active && status.Open() {
				update.begin(e.At, false)
			}
			if status.Paused() {
				// A merchant's answer ends the wait: the desk's turn again.
				status = StatusInvestigating
				for _, c := range all {
					c.wait(e.At, false)
				}
			}
		case EventStatus:
			status = e.Status
			switch {
			case status == StatusResolved || status == StatusClosed:
				for _, c := range all {
					c.end(e.At)
				}
				answered = true
			case status == StatusReopened:
				resolution.again(e.At, false)
			default:
				for _, c := range all {
					c.wait(e.At, status.Paused())
				}
			}
		}
	}
	var out []ClockState
	for _, c := range all {
		if c.Target > 0 && (c.active || c.stopped) {
			out = append(out, c.state(now))
		}
	}
	return out
}

// MaxTarget bounds a target: a year.
const MaxTarget = 366 * 24 * time.Hour

// Validate checks a policy before it is stored, naming each bad field.
func (p *Policy) Validate() error {
	problems := poscare.Problems{}
	p.Name = strings.TrimSpace(p.Name)
	if n := len([]rune(p.Name)); n == 0 || n > 100 {
		problems.Say("name", "sd.invalid.policy_name")
	}
	if p.Kind != "" && !slices.Contains(Kinds, p.Kind) {
		problems.Say("kind", "sd.invalid.kind")
	}
	if p.Priority != "" && !slices.Contains(Priorities, p.Priority) {
		problems.Say("priority", "sd.invalid.priority")
	}
	for field, d := range map[string]time.Duration{"first_response": p.FirstResponse, "update": p.Update, "resolution": p.Resolution} {
		if d < 0 || d > MaxTarget || d%time.Minute != 0 {
			problems.Say(field, "sd.invalid.target")
		}
	}
	if p.FirstResponse == 0 && p.Update == 0 && p.Resolution == 0 {
		problems.Say("resolution", "sd.invalid.no_target")
	}
	if p.WarnAt == 0 {
		p.WarnAt = DefaultWarnAt
	}
	if p.WarnAt < 0.05 || p.WarnAt > 0.99 {
		problems.Say("warn_at", "sd.invalid.warn_at")
	}
	return problems.Err()
}
