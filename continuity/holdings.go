package continuity

import (
	"sort"

	"poscare"
)

// The rules of who takes what a person holds when the playbook hands it
// over: merchants by the run's strategy, backup roles by the backup
// rules, and every other item (onboarding stages, tasks, any later kind)
// by the merchant it is tied to (Run.TakerFor). Storage loads the people
// and the load and applies these rules; it decides nothing of its own.

// Receivers are the colleagues who take merchants in a handover: the
// team's agents at work. The lead is the last resort, asked only when no
// agent can take them (leads is then true).
func Receivers(candidates []*poscare.User) (out []*poscare.User, leads bool) {
	for _, c := range candidates {
		if c.Role == poscare.RoleAgent {
			out = append(out, c)
		}
	}
	if len(out) > 0 {
		return out, false
	}
	for _, c := range candidates {
		if c.Role == poscare.RoleLead {
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
func PlanHandover(merchants []int64, strategy poscare.Strategy, backup *poscare.User, candidates []*poscare.User, load map[int64]int) (HandoverPlan, error) {
	plan := HandoverPlan{To: make(map[int64]int64, len(merchants))}
	if len(merchants) == 0 {
		return plan, nil
	}
	if strategy == poscare.StrategyBackup {
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
		return HandoverPlan{}, poscare.Fail(poscare.EConflict, "playbook.error.nobody_to_take")
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
func LeastLoaded(candidates []*poscare.User, load map[int64]int) *poscare.User {
	var best *poscare.User
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
// one team. A current backup who fits (poscare.FitsAsBackup, judged on
// people, the team's agents and leads who are not gone) stays. Otherwise
// the new one is taken from candidates (the team's agents and leads at
// work): the manager's own backup if they are one, else the agent with the
// fewest backup roles (backupLoad, updated as roles are given), the lead
// only when no agent other than the manager is at work. A merchant absent
// from the result keeps its backup; 0 means nobody but the manager is at
// work.
func PlanBackups(needs []BackupNeed, teamID int64, people map[int64]*poscare.User, candidates []*poscare.User, backupLoad map[int64]int) map[int64]int64 {
	out := map[int64]int64{}
	for _, n := range needs {
		if n.Backup != 0 && poscare.FitsAsBackup(people[n.Backup], n.Manager, teamID) {
			continue
		}
		var pick *poscare.User
		if mgr := people[n.Manager]; mgr != nil && mgr.BackupID != nil {
			for _, c := range candidates {
				if c.ID == *mgr.BackupID && c.ID != n.Manager {
					pick = c
				}
			}
		}
		if pick == nil {
			others := make([]*poscare.User, 0, len(candidates))
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

// AddLoad adds what each person holds of one kind (part) to the load used
// for spreading: every kind that counts toward a person's work counts one
// per item, so that a merchant, an open onboarding stage and an open task
// owed to a merchant weigh the same.
func AddLoad(load, part map[int64]int) {
	for id, n := range part {
		load[id] += n
	}
}

// Run is what the playbook's rules know about one run while it hands over
// what a person holds: who can take it, their load, and the plan for the
// person's merchants once made. Storage keeps one per run and asks it.
type Run struct {
	Person     *poscare.User
	Strategy   poscare.Strategy // the strategy in force: spread once the backup could not take them
	Backup     *poscare.User    // the person's backup, if at work
	Candidates []*poscare.User  // the team's agents and leads at work, the person aside
	Load       map[int64]int    // each one's load now, updated as items are given
	Plan       map[int64]int64  // live merchant → new account manager
	FellBack   bool             // asked for all to the backup, who cannot take them
	ToLead     bool             // no agent of the team at work: the lead took the merchants
	Left       int              // items nobody at work could take
	NoBackup   int              // live merchants left without a backup: nobody else in the team
}

// PlanMerchants decides who takes each of the person's merchants
// (PlanHandover) and keeps the plan of the live ones: archived merchants
// change hands too (a merchant restored later must not come back to
// someone gone) but are not told, nobody serving them until they are
// restored. It returns the whole plan. Errors: EConflict.
func (r *Run) PlanMerchants(ids []int64, archived map[int64]bool) (HandoverPlan, error) {
	if r.Load == nil {
		r.Load = map[int64]int{}
	}
	plan, err := PlanHandover(ids, r.Strategy, r.Backup, r.Candidates, r.Load)
	if err != nil {
		return plan, err
	}
	if plan.FellBack {
		// The backup cannot take them: spread, and say so.
		r.Strategy, r.FellBack = poscare.StrategySpread, len(ids) > 0
	}
	r.ToLead = plan.ToLead
	r.Plan = map[int64]int64{}
	for m, to := range plan.To {
		if !archived[m] {
			r.Plan[m] = to
			r.Load[to]++
		}
	}
	return plan, nil
}

// TakerFor is who takes an item tied to merchant (0: none) whose account
// manager is manager (0: none or unknown): the merchant's new account
// manager, else its current one unless that is the person, else the
// person's backup (all to the backup), else the least loaded agent at
// work, who is then one item busier (the lead when no agent is), else the
// backup whatever the strategy; 0 if nobody.
// Only merchants can stop the playbook for want of someone to take them:
// other items nobody can take stay where they are (Left) and the person's
// access ends all the same.
func (r *Run) TakerFor(merchant, manager int64) int64 {
	if to, ok := r.Plan[merchant]; ok {
		return to
	}
	if merchant != 0 && manager != 0 && manager != r.Person.ID {
		return manager
	}
	if r.Strategy == poscare.StrategyBackup && r.Backup != nil {
		return r.Backup.ID
	}
	if r.Load == nil {
		r.Load = map[int64]int{}
	}
	receivers, _ := Receivers(r.Candidates)
	best := LeastLoaded(receivers, r.Load)
	if best == nil {
		if r.Backup != nil {
			return r.Backup.ID
		}
		return 0
	}
	r.Load[best.ID]++
	return best.ID
}

// StaffBackupFor is the new backup (nil: none, their lead names one) of a
// colleague the person backed up: the person's own backup, unless that is
// the colleague.
func StaffBackupFor(r *Run, colleague int64) *int64 {
	if r.Backup != nil && r.Backup.ID != colleague {
		id := r.Backup.ID
		return &id
	}
	return nil
}

// StrategyName is how the timeline names a strategy.
func StrategyName(s poscare.Strategy) poscare.Msg {
	if s == poscare.StrategySpread {
		return poscare.M("playbook.strategy.spread")
	}
	return poscare.M("playbook.strategy.backup")
}

// MerchantsLine is the timeline's line for n merchants handed over: by
// which strategy, and whether it fell back or went to the lead.
func MerchantsLine(n int, r *Run) poscare.Msg {
	fell, lead := any(""), any("")
	if r.FellBack {
		fell = poscare.M("handover.merchants.fell_back")
	}
	if r.ToLead {
		lead = poscare.M("handover.merchants.to_lead")
	}
	return poscare.M("handover.merchants", "n", n, "how", StrategyName(r.Strategy), "fell_back", fell, "to_lead", lead)
}

// BackupRolesLine is the line for n backup roles passed on.
func BackupRolesLine(n int) poscare.Msg { return poscare.M("handover.backup_roles", "n", n) }

// StagesLine is the line for n onboarding stages handed over.
func StagesLine(n int) poscare.Msg { return poscare.M("handover.stages", "n", n) }

// StaffBackupsLine is the line for n colleagues given another backup.
func StaffBackupsLine(n int) poscare.Msg { return poscare.M("handover.staff_backups", "n", n) }

// TasksLine is the line for n open tasks handed over.
func TasksLine(n int) poscare.Msg { return poscare.M("handover.tasks", "n", n) }
