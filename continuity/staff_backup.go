package continuity

import "poscare"

// EntityBackup is a staff member's backup (备岗人员) as a kind in the role
// table: the colleague who takes over their merchants when they are away.
// Setting it is a lead's or ops' decision, apart from editing the user,
// which stays an admin's: those who see "agents without a backup" on the
// continuity page can then fix it.
const EntityBackup = "backup"

var _ = poscare.Grant(EntityBackup, map[poscare.Role][]poscare.Action{
	poscare.RoleAdmin: {poscare.ActUpdate},
	poscare.RoleOps:   {poscare.ActUpdate},
	poscare.RoleLead:  {poscare.ActUpdate},
})

// CanSetBackup reports whether the actor may name person's backup: ops and
// admins for any staff member, a lead for the members of the own team,
// nobody for themselves, and nobody for a person the playbook took
// everything from (missing or departed), who comes back through the
// incident.
func CanSetBackup(a poscare.Actor, person *poscare.User) bool {
	return a.Can(EntityBackup, poscare.ActUpdate) && a.CanSetStatus(person) && person.Archived == nil &&
		!person.Status.ComesBackByReturn()
}

// CheckBackup decides whether backup (nil for none) may back person up,
// chosen by a: an active staff member other than the person, for a lead
// one of the own team; an agent at work who has a backup keeps one.
// Errors: EInvalid on backup_id.
func CheckBackup(a poscare.Actor, person, backup *poscare.User) error {
	p := poscare.Problems{}
	switch {
	case backup == nil:
		if person.Role == poscare.RoleAgent && person.Status == poscare.UserActive && person.BackupID != nil {
			p.Say("backup_id", "user.agent_needs_backup")
		}
	case backup.ID == person.ID:
		p.Say("backup_id", "backup.not_self")
	case !backup.Role.IsStaff() || !backup.Available():
		p.Say("backup_id", "user.must_be_active")
	case a.Role == poscare.RoleLead && !a.CanSeeUser(backup):
		p.Say("backup_id", "backup.own_team")
	}
	return p.Err()
}

var _ = poscare.Register(map[string]poscare.Text{
	"backup.not_self": {Zh: "不能做自己的备岗人员", En: "cannot be the person's own backup"},
	"backup.own_team": {Zh: "应为本团队的同事", En: "must be a colleague of your own team"},
	// Restoring chosen removals with none chosen, which must not mean all.
	"removal.none_chosen": {Zh: "请至少勾选一条要恢复的记录", En: "tick at least one row to restore"},
	"field.restore":       {Zh: "恢复的记录", En: "rows to restore"},
})
