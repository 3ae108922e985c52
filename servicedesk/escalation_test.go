package servicedesk_test

import (
	"testing"
	"time"

	"poscare"
	"poscare/servicedesk"
)

func TestABreachClimbsTheChain(t *testing.T) {
	cal := office(t)
	p := &servicedesk.Policy{FirstResponse: 2 * time.Hour, BusinessHours: true}
	// Opened at 16:00 on a Friday: due at 18:00 when the office closes, so
	// the backup is told then, the lead an hour of office time later —
	// Monday 10:00 — and ops at 11:00.
	s := clock(t, servicedesk.Clocks(p, cal, []servicedesk.Event{opened("2026-03-06 16:00")}, at("2026-03-06 16:10")), servicedesk.ClockFirstResponse)
	rungs := servicedesk.Rungs(s, cal, p.BusinessHours, time.Hour)
	want := []struct {
		level servicedesk.Level
		at    string
	}{{servicedesk.LevelWarn, "2026-03-06 17:36"}, {servicedesk.LevelBackup, "2026-03-06 18:00"}, {servicedesk.LevelLead, "2026-03-09 10:00"}, {servicedesk.LevelOps, "2026-03-09 11:00"}}
	if len(rungs) != len(want) {
		t.Fatalf("rungs = %+v", rungs)
	}
	for i, w := range want {
		if rungs[i].Level != w.level {
			t.Errorf("rung %d is %s, want %s", i, rungs[i].Level, w.level)
		}
		same(t, string(w.level), rungs[i].At, w.at)
	}
	// Once answered, or while waiting on the merchant, nothing escalates.
	answered := clock(t, servicedesk.Clocks(p, cal, []servicedesk.Event{opened("2026-03-06 15:00"), reply("2026-03-06 15:30")}, at("2026-03-06 18:00")), servicedesk.ClockFirstResponse)
	if r := servicedesk.Rungs(answered, cal, true, time.Hour); r != nil {
		t.Errorf("an answered ticket escalates: %+v", r)
	}
}

func TestTheChainPassesOverWhoIsAway(t *testing.T) {
	person := func(id int64, status poscare.UserStatus) *poscare.User {
		return &poscare.User{ID: id, Role: poscare.RoleAgent, Status: status}
	}
	active, missing := poscare.UserActive, poscare.UserMissing
	for _, c := range []struct {
		name  string
		level servicedesk.Level
		chain servicedesk.Chain
		want  int64 // 0: ops
	}{
		{"warning to the assignee", servicedesk.LevelWarn, servicedesk.Chain{Assignee: person(1, active), Backup: person(2, active), Lead: person(3, active)}, 1},
		{"an unassigned ticket warns the backup, then the lead", servicedesk.LevelWarn, servicedesk.Chain{Lead: person(3, active)}, 3},
		{"a missing assignee's warning goes to the backup", servicedesk.LevelWarn, servicedesk.Chain{Assignee: person(1, missing), Backup: person(2, active)}, 2},
		{"breach to the backup", servicedesk.LevelBackup, servicedesk.Chain{Assignee: person(1, active), Backup: person(2, active), Lead: person(3, active)}, 2},
		{"no backup: the lead", servicedesk.LevelBackup, servicedesk.Chain{Assignee: person(1, active), Lead: person(3, active)}, 3},
		{"the lead away: ops", servicedesk.LevelLead, servicedesk.Chain{Lead: person(3, poscare.UserOnLeave)}, 0},
		{"ops is ops", servicedesk.LevelOps, servicedesk.Chain{Lead: person(3, active)}, 0},
	} {
		got := servicedesk.RecipientFor(c.level, c.chain)
		if c.want == 0 {
			if !got.Ops || got.UserID != nil {
				t.Errorf("%s: %+v, want ops", c.name, got)
			}
			continue
		}
		if got.UserID == nil || *got.UserID != c.want {
			t.Errorf("%s: %+v, want user %d", c.name, got, c.want)
		}
	}
}

func TestNoticesWaitForWorkingHoursUnlessUrgent(t *testing.T) {
	cal := office(t)
	late := at("2026-02-14 23:00")
	same(t, "urgent", servicedesk.NotifyAt(late, true, cal), "2026-02-14 23:00")
	same(t, "not urgent", servicedesk.NotifyAt(late, false, cal), "2026-02-24 09:00")
	same(t, "no calendar", servicedesk.NotifyAt(late, false, nil), "2026-02-14 23:00")
}
