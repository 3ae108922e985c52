package poscare

import (
	"errors"
	"testing"
)

// staff builds people of one team for the handover rules.
func staff(team int64) (agent func(id int64) *User, lead func(id int64) *User) {
	mk := func(role Role) func(int64) *User {
		return func(id int64) *User { return &User{ID: id, Role: role, Status: UserActive, TeamID: &team} }
	}
	return mk(RoleAgent), mk(RoleLead)
}

// TestCheckMerchantPeople: the backup of a merchant is in its team and is
// not its manager, or the field is refused.
func TestCheckMerchantPeople(t *testing.T) {
	agent, _ := staff(1)
	a, b := agent(1), agent(2)
	outsider := agent(3)
	outsider.TeamID = new(int64)
	*outsider.TeamID = 9
	m := &Merchant{TeamID: 1, AccountManagerID: a.ID}
	if err := CheckMerchantPeople(m, a, nil); err != nil {
		t.Fatal(err)
	}
	m.BackupManagerID = &b.ID
	if err := CheckMerchantPeople(m, a, b); err != nil {
		t.Fatal(err)
	}
	m.BackupManagerID = &outsider.ID
	wantKeys(t, CheckMerchantPeople(m, a, outsider), "backup_manager_id")
	m.BackupManagerID = &a.ID
	wantKeys(t, CheckMerchantPeople(m, a, a), "backup_manager_id")
	wantKeys(t, CheckMerchantPeople(&Merchant{TeamID: 9, AccountManagerID: a.ID}, a, nil), "account_manager_id")

	// No such user, one on leave in another team and one at work there
	// are refused in the same words, so nothing tells them apart.
	away := agent(4)
	away.TeamID, away.Status = outsider.TeamID, UserOnLeave
	var said []string
	for _, other := range []*User{nil, away, outsider} {
		id := int64(99)
		if other != nil {
			id = other.ID
		}
		m.BackupManagerID = &id
		var e *Error
		if !errors.As(CheckMerchantPeople(m, a, other), &e) {
			t.Fatalf("backup %v accepted", other)
		}
		said = append(said, e.Fields["backup_manager_id"].Zh+"|"+e.Fields["backup_manager_id"].En)
	}
	if said[0] != said[1] || said[1] != said[2] {
		t.Errorf("a stranger's backup is refused in different words: %q", said)
	}
}
