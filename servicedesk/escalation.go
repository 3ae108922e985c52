package servicedesk

import (
	"time"

	"poscare"
	"poscare/workcal"
)

// Level is a rung of the escalation chain: the assignee is warned before
// a breach; at the breach the ticket goes up to the assignee's backup,
// then to the team lead, then to ops, one step apart.
type Level string

// The rungs, in order.
const (
	LevelWarn   Level = "warn"   // the assignee (or, unassigned, the team's lead)
	LevelBackup Level = "backup" // at the breach
	LevelLead   Level = "lead"   // one step after
	LevelOps    Level = "ops"    // two steps after
)

// Levels are the rungs in the order they fire.
var Levels = []Level{LevelWarn, LevelBackup, LevelLead, LevelOps}

// DefaultStep is the time between the rungs after a breach.
const DefaultStep = time.Hour

// Rung is one escalation due for a clock.
type Rung struct {
	Clock Clock     `json:"clock"`
	Level Level     `json:"level"`
	At    time.Time `json:"at"`
}

// Rungs are the escalations a clock's current run calls for, in order:
// the warning, then the breach and the steps after it (counted the way
// the policy counts, so a breach on a Friday evening reaches the lead on
// Monday morning in business hours). A paused or stopped clock calls for
// none; a breach already past keeps its rungs, so that a restarted server
// fires what it missed.
func Rungs(s ClockState, cal *workcal.Calendar, businessHours bool, step time.Duration) []Rung {
	if !s.Running || s.Due.IsZero() {
		return nil
	}
	if step <= 0 {
		step = DefaultStep
	}
	add := func(t time.Time, d time.Duration) time.Time {
		if cal == nil || !businessHours {
			return t.Add(d)
		}
		return cal.Add(t, d)
	}
	warn := s.Warned
	if warn.IsZero() {
		warn = s.Warn
	}
	return []Rung{
		{s.Clock, LevelWarn, warn},
		{s.Clock, LevelBackup, s.Due},
		{s.Clock, LevelLead, add(s.Due, step)},
		{s.Clock, LevelOps, add(s.Due, 2*step)},
	}
}

// Chain is who stands on each rung for one ticket.
type Chain struct {
	Assignee *poscare.User // nil for a ticket in the team's queue
	Backup   *poscare.User
	Lead     *poscare.User
}

// Recipient is who a rung goes to: a person, or ops as a role when the
// chain has nobody at work on it.
type Recipient struct {
	UserID *int64 `json:"user_id,omitempty"`
	Ops    bool   `json:"ops,omitempty"`
}

// RecipientFor is who is told at a rung: the first available person from
// that rung up (someone missing, departed or on leave is passed over), ops
// at the top.
func RecipientFor(level Level, c Chain) Recipient {
	var people []*poscare.User
	switch level {
	case LevelWarn:
		people = []*poscare.User{c.Assignee, c.Backup, c.Lead}
	case LevelBackup:
		people = []*poscare.User{c.Backup, c.Lead}
	case LevelLead:
		people = []*poscare.User{c.Lead}
	}
	for _, u := range people {
		if u.Available() {
			id := u.ID
			return Recipient{UserID: &id}
		}
	}
	return Recipient{Ops: true}
}

// NotifyAt is when a rung's message goes out: at once for an urgent
// ticket or a recipient without a calendar, else at the start of the
// recipient's next working window.
func NotifyAt(at time.Time, urgent bool, recipient *workcal.Calendar) time.Time {
	if urgent || recipient == nil {
		return at
	}
	if t := recipient.NextOpen(at); !t.IsZero() {
		return t
	}
	return at
}
