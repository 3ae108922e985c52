package poscare

import "testing"

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
