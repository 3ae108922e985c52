package poscare

import "sort"

// The rules of who may hold a merchant (客户归属): who may receive a
// person's merchants when the playbook hands them over, who may be a
// merchant's backup manager, and the order in which colleagues are asked.
// Storage loads the people and applies these rules; it decides nothing of
// its own.

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
		p.Add("account_manager_id", "应为该团队在岗的业务员或主管", "must be an agent or lead at work in the merchant's team")
	}
	if m.BackupManagerID != nil {
		switch {
		case *m.BackupManagerID == m.AccountManagerID:
			p.Add("backup_manager_id", "备岗客户经理不能是客户经理本人", "the backup manager must be someone other than the account manager")
		case backup == nil || !HoldsPortfolio(backup, m.TeamID):
			p.Add("backup_manager_id", "应为该团队在岗的业务员或主管", "must be an agent or lead at work in the merchant's team")
		}
	}
	return p.Err()
}

// Receivers are the colleagues who take merchants in a handover: the
// team's agents at work. The lead is the last resort, asked only when no
// agent can take them (leads is then true).
func Receivers(candidates []*User) (out []*User, leads bool) {
	for _, c := range candidates {
		if c.Role == RoleAgent {
			out = append(out, c)
		}
	}
	if len(out) > 0 {
		return out, false
	}
	for _, c := range candidates {
		if c.Role == RoleLead {
			out = append(out, c)
		}
	}
	return out, len(out) > 0
}

// HandoverPlan is who takes over each merchant a person managed.
type HandoverPlan struct {
	To map[int64]int64 // merchant id → new account manager
	// FellBack: all to the backup was asked, but the backup is away or in
	// another team, so the merchants were spread instead.
	FellBack bool
	// ToLead: no agent of the team was at work, so the lead took them.
	ToLead bool
}

// PlanHandover decides who takes over each merchant a person managed.
// With StrategyBackup everything goes to the backup when the backup is at
// work in the team (one of candidates); otherwise, and with
// StrategySpread, each merchant goes to the team's agent with the lightest
// load at that moment, so that nobody is buried, and to the lead only when
// no agent is at work. candidates are the team's agents and leads at work
// other than the person; load is each one's current load. Errors:
// EConflict when nobody can take them.
func PlanHandover(merchants []int64, strategy Strategy, backup *User, candidates []*User, load map[int64]int) (HandoverPlan, error) {
	plan := HandoverPlan{To: make(map[int64]int64, len(merchants))}
	if len(merchants) == 0 {
		return plan, nil
	}
	if strategy == StrategyBackup {
		if backup != nil {
			for _, c := range candidates {
				if c.ID == backup.ID {
					for _, m := range merchants {
						plan.To[m] = backup.ID
					}
					return plan, nil
				}
			}
		}
		plan.FellBack = true
	}
	receivers, leads := Receivers(candidates)
	if len(receivers) == 0 {
		return HandoverPlan{}, Errorf(EConflict, "团队中没有可接手的在岗人员，请先安排人员", "nobody at work in the team can take over; assign someone first")
	}
	plan.ToLead = leads
	now := make(map[int64]int, len(receivers))
	for _, c := range receivers {
		now[c.ID] = load[c.ID]
	}
	sorted := append([]int64(nil), merchants...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	for _, m := range sorted {
		best := LeastLoaded(receivers, now)
		plan.To[m] = best.ID
		now[best.ID]++
	}
	return plan, nil
}

// LeastLoaded is the candidate with the lightest load, ties to the lowest
// id so that the same state always gives the same choice; nil without
// candidates.
func LeastLoaded(candidates []*User, load map[int64]int) *User {
	var best *User
	for _, c := range candidates {
		if best == nil || load[c.ID] < load[best.ID] || (load[c.ID] == load[best.ID] && c.ID < best.ID) {
			best = c
		}
	}
	return best
}

// BackupNeed is one merchant whose backup manager is to be decided.
type BackupNeed struct {
	Merchant, Manager int64
	Backup            int64 // the current backup, 0 for none
}

// PlanBackups decides the backup manager of each merchant in needs, all of
// one team. A current backup who fits (FitsAsBackup, judged on people, the
// team's agents and leads who are not gone) stays. Otherwise the new one is
// taken from candidates (the team's agents and leads at work): the
// manager's own backup if they are one, else the agent with the fewest
// backup roles (backupLoad, updated as roles are given), the lead only
// when no agent other than the manager is at work. A merchant absent from
// the result keeps its backup; 0 means nobody but the manager is at work.
func PlanBackups(needs []BackupNeed, teamID int64, people map[int64]*User, candidates []*User, backupLoad map[int64]int) map[int64]int64 {
	out := map[int64]int64{}
	for _, n := range needs {
		if n.Backup != 0 && FitsAsBackup(people[n.Backup], n.Manager, teamID) {
			continue
		}
		var pick *User
		if mgr := people[n.Manager]; mgr != nil && mgr.BackupID != nil {
			for _, c := range candidates {
				if c.ID == *mgr.BackupID && c.ID != n.Manager {
					pick = c
				}
			}
		}
		if pick == nil {
			others := make([]*User, 0, len(candidates))
			for _, c := range candidates {
				if c.ID != n.Manager {
					others = append(others, c)
				}
			}
			receivers, _ := Receivers(others)
			pick = LeastLoaded(receivers, backupLoad)
		}
		if pick == nil {
			if n.Backup != 0 {
				out[n.Merchant] = 0
			}
			continue
		}
		out[n.Merchant] = pick.ID
		backupLoad[pick.ID]++
	}
	return out
}
