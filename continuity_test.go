package poscare

import (
	"errors"
	"testing"
	"time"
)

func TestResolveServiceContact(t *testing.T) {
	centre := ServiceCentre{Name: "中心", Phone: "400-800-9000"}
	person := func(id int64, s UserStatus) *User {
		return &User{ID: id, Name: "u", Mobile: "13800000000", Status: s, Role: RoleAgent}
	}
	cover := person(5, UserActive)
	leave := person(1, UserOnLeave)
	leave.CoverID = &cover.ID
	cases := []struct {
		name string
		p    People
		via  string
		id   int64
	}{
		{"ActiveManagerServes", People{Manager: person(1, UserActive), Backup: person(2, UserActive), Lead: person(3, UserActive)}, ViaAccountManager, 1},
		{"CoverWhileOnLeave", People{Manager: leave, Cover: cover, Backup: person(2, UserActive)}, ViaCover, 5},
		{"BackupWhenManagerMissing", People{Manager: person(1, UserMissing), Backup: person(2, UserActive), Lead: person(3, UserActive)}, ViaBackup, 2},
		{"BackupWhenManagerUnreachable", People{Manager: person(1, UserUnreachable), Backup: person(2, UserActive)}, ViaBackup, 2},
		{"LeadWhenBothGone", People{Manager: person(1, UserDeparted), Backup: person(2, UserOnLeave), Lead: person(3, UserActive)}, ViaTeamLead, 3},
		{"CentreWhenNobody", People{Manager: person(1, UserMissing)}, ViaServiceCentre, 0},
		{"CentreWithNoPeopleAtAll", People{}, ViaServiceCentre, 0},
		{"ArchivedManagerDoesNotServe", People{Manager: func() *User { u := person(1, UserActive); u.Archived = &Archival{}; return u }(), Backup: person(2, UserActive)}, ViaBackup, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ResolveServiceContact(c.p, centre)
			if got.Via != c.via {
				t.Fatalf("via %s, want %s", got.Via, c.via)
			}
			if c.id != 0 && (got.UserID == nil || *got.UserID != c.id) {
				t.Fatalf("user %v, want %d", got.UserID, c.id)
			}
			if got.Mobile == "" || got.Name == "" || got.Why.Zh == "" || got.Why.En == "" {
				t.Fatalf("incomplete contact: %+v", got)
			}
		})
	}
}

func TestStatusChangeValidate(t *testing.T) {
	u := &User{ID: 1, Role: RoleAgent}
	cover := int64(2)
	self := int64(1)
	d := Date("2026-12-01")
	bad := Date("2026-13-01")
	cases := []struct {
		name  string
		c     StatusChange
		field string
	}{
		{"LeaveNeedsCover", StatusChange{Status: UserOnLeave, Reason: "年假", AwayUntil: &d}, "cover_id"},
		{"LeaveCannotCoverSelf", StatusChange{Status: UserOnLeave, Reason: "年假", CoverID: &self, AwayUntil: &d}, "cover_id"},
		{"LeaveNeedsReturnDate", StatusChange{Status: UserOnLeave, Reason: "年假", CoverID: &cover}, "away_until"},
		{"ReturnDateMustBeReal", StatusChange{Status: UserOnLeave, Reason: "年假", CoverID: &cover, AwayUntil: &bad}, "away_until"},
		{"ReasonRequired", StatusChange{Status: UserMissing}, "reason"},
		{"UnknownStatus", StatusChange{Status: "vanished", Reason: "不见了"}, "status"},
		{"OnlyLeaveHasCover", StatusChange{Status: UserMissing, Reason: "联系不上三天", CoverID: &cover}, "cover_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.c.Validate(u)
			e, ok := err.(*Error)
			if !ok || e.Code != EInvalid || e.Fields[c.field].Zh == "" {
				t.Fatalf("want invalid %s, got %v", c.field, err)
			}
		})
	}
	ok := StatusChange{Status: UserOnLeave, Reason: "年假一周", CoverID: &cover, AwayUntil: &d}
	if err := ok.Validate(u); err != nil {
		t.Fatalf("valid leave refused: %v", err)
	}
}

func TestContinuityPolicyValidate(t *testing.T) {
	if err := DefaultContinuityPolicy.Validate(); err != nil {
		t.Fatalf("default policy: %v", err)
	}
	cases := []struct {
		field string
		edit  func(*ContinuityPolicy)
	}{
		{"silent_days", func(p *ContinuityPolicy) { p.SilentDays = 0 }},
		{"failed_attempts", func(p *ContinuityPolicy) { p.FailedAttempts = -1 }},
		{"overdue_tasks", func(p *ContinuityPolicy) { p.OverdueTasks = 1001 }},
		{"bulk_limit", func(p *ContinuityPolicy) { p.BulkLimit = 0 }},
		{"attempt_window", func(p *ContinuityPolicy) { p.AttemptWindow = time.Second }},
		{"bulk_window", func(p *ContinuityPolicy) { p.BulkWindow = 31 * 24 * time.Hour }},
		{"stale_after", func(p *ContinuityPolicy) { p.StaleAfter = time.Hour }},
		{"callback_within", func(p *ContinuityPolicy) { p.CallbackWithin = time.Minute }},
		{"callback_within", func(p *ContinuityPolicy) { p.CallbackWithin = 8 * 24 * time.Hour }},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			p := DefaultContinuityPolicy
			c.edit(&p)
			var e *Error
			if err := p.Validate(); !errors.As(err, &e) || e.Code != EInvalid || len(e.Fields) != 1 || e.Fields[c.field].Zh == "" || e.Fields[c.field].En == "" {
				t.Fatalf("got %v, want one bilingual problem with %s", err, c.field)
			}
		})
	}
	// The edges are allowed.
	edge := ContinuityPolicy{SilentDays: 1, FailedAttempts: 1000, AttemptWindow: time.Minute, OverdueTasks: 1,
		BulkLimit: 1, BulkWindow: 30 * 24 * time.Hour, StaleAfter: 24 * time.Hour, CallbackWithin: 5 * time.Minute}
	if err := edge.Validate(); err != nil {
		t.Fatalf("edges: %v", err)
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]Text{
		48 * time.Hour:          {"2 天", "2 days"},
		24 * time.Hour:          {"1 天", "1 day"},
		time.Hour:               {"1 小时", "1 hour"},
		36 * time.Hour:          {"36 小时", "36 hours"},
		90 * time.Minute:        {"90 分钟", "90 minutes"},
		time.Minute:             {"1 分钟", "1 minute"},
		1500 * time.Millisecond: {"1.5 秒", "1.5 seconds"},
		0:                       {"0 秒", "0 seconds"},
	} {
		if got := DurationText(d); got != want {
			t.Errorf("%s: %+v, want %+v", d, got, want)
		}
	}
}
