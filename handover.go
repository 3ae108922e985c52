package poscare

// The rules of who may hold a merchant (客户归属): who may be a merchant's
// account manager or backup manager, and who is gone. Storage loads the
// people and applies these rules; it decides nothing of its own. Who takes
// what a person holds when the emergency playbook hands it over is the
// continuity package's.

// HoldsPortfolio reports whether u can take merchants of team teamID as
// account manager or backup now: an agent or lead of that team, at work.
func HoldsPortfolio(u *User, teamID int64) bool {
	return u.Available() && (u.Role == RoleAgent || u.Role == RoleLead) && u.TeamID != nil && *u.TeamID == teamID
}

// Gone reports whether u can no longer serve anyone without a decision to
// bring them back: missing, departed, disabled, archived or unknown.
// Someone on leave or suspected unreachable is not gone: the service
// chain passes over them meanwhile, and they keep what they hold.
func Gone(u *User) bool {
	return u == nil || u.Archived != nil || u.Status.LocksOut()
}

// FitsAsBackup reports whether b can be (or stay) the backup manager of a
// merchant of team teamID managed by managerID: a different person, an
// agent or lead of the same team, and not gone.
func FitsAsBackup(b *User, managerID, teamID int64) bool {
	return b != nil && !Gone(b) && b.ID != managerID && (b.Role == RoleAgent || b.Role == RoleLead) &&
		b.TeamID != nil && *b.TeamID == teamID
}

// CheckMerchantPeople checks the account manager and backup a merchant is
// given, once storage has loaded them (nil: no such user): the manager
// holds a portfolio in the merchant's team, and the backup, when there is
// one, does too and is somebody else. Errors: EInvalid naming
// account_manager_id or backup_manager_id.
func CheckMerchantPeople(m *Merchant, manager, backup *User) error {
	// One answer for every way a person does not fit (no such user, not at
	// work, another team, another role): different answers would tell an
	// agent which ids are colleagues at work in other teams.
	p := Problems{}
	if manager == nil || !HoldsPortfolio(manager, m.TeamID) {
		p.Say("account_manager_id", "handover.field.not_at_work")
	}
	if m.BackupManagerID != nil {
		switch {
		case *m.BackupManagerID == m.AccountManagerID:
			p.Say("backup_manager_id", "handover.field.backup_is_manager")
		case backup == nil || !HoldsPortfolio(backup, m.TeamID):
			p.Say("backup_manager_id", "handover.field.not_at_work")
		}
	}
	return p.Err()
}
