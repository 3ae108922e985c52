package continuity

import (
	"testing"

	"poscare"
)

// staff builds people of one team for the handover rules.
func staff(team int64) (agent func(id int64) *poscare.User, lead func(id int64) *poscare.User) {
	mk := func(role poscare.Role) func(int64) *poscare.User {
		return func(id int64) *poscare.User {
			return &poscare.User{ID: id, Role: role, Status: poscare.UserActive, TeamID: &team}
		}
	}
	return mk(poscare.RoleAgent), mk(poscare.RoleLead)
}

// TestPlanHandoverSpreadsOverAgentsNotTheLead: the lead holds nothing and
// is the least loaded, yet the merchants go to the agents, evenly; the lead
// takes them only when no agent is at work, and the plan says so.
func TestPlanHandoverSpreadsOverAgentsNotTheLead(t *testing.T) {
	agent, lead := staff(1)
	boss := lead(1)
	team := []*poscare.User{boss, agent(2), agent(3), agent(4), agent(5), agent(6)}
	load := map[int64]int{2: 56, 3: 56, 4: 56, 5: 56, 6: 56}
	ms := make([]int64, 56)
	for i := range ms {
		ms[i] = int64(100 + i)
	}
	plan, err := PlanHandover(ms, poscare.StrategySpread, nil, team, load)
	if err != nil || plan.ToLead || plan.FellBack {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	got := map[int64]int{}
	for _, to := range plan.To {
		got[to]++
	}
	if got[boss.ID] != 0 || len(got) != 5 {
		t.Fatalf("spread %v: the lead took merchants while agents were at work", got)
	}
	for id, n := range got {
		if n < 11 || n > 12 {
			t.Fatalf("agent %d took %d of 56, want 11 or 12: %v", id, n, got)
		}
	}
	if load[2] != 56 {
		t.Fatal("the caller's load was changed")
	}

	// Nobody but the lead at work: the lead, said so.
	away := agent(7)
	away.Status = poscare.UserMissing
	plan, err = PlanHandover(ms[:3], poscare.StrategySpread, nil, []*poscare.User{boss}, nil)
	if err != nil || !plan.ToLead || plan.To[ms[0]] != boss.ID {
		t.Fatalf("lead as last resort: %+v %v", plan, err)
	}
	// All to a backup who is at work in the team.
	plan, err = PlanHandover(ms[:3], poscare.StrategyBackup, team[3], team, load)
	if err != nil || plan.FellBack || plan.To[ms[2]] != team[3].ID {
		t.Fatalf("to the backup: %+v %v", plan, err)
	}
	// A backup who is away: spread, and said so.
	plan, err = PlanHandover(ms[:3], poscare.StrategyBackup, away, team, load)
	if err != nil || !plan.FellBack || plan.To[ms[0]] == away.ID || plan.To[ms[0]] == boss.ID {
		t.Fatalf("fallback: %+v %v", plan, err)
	}
	if _, err := PlanHandover(ms[:1], poscare.StrategySpread, nil, nil, nil); poscare.ErrorCode(err) != poscare.EConflict {
		t.Fatalf("nobody at work: %v", err)
	}
}

// TestPlanBackups: a fitting backup stays; one who is the manager, gone or
// in another team is replaced by the manager's own backup, else the agent
// with the fewest backup roles, the lead last; nobody when the manager is
// alone.
func TestPlanBackups(t *testing.T) {
	agent, lead := staff(1)
	boss, a2, a3, a4 := lead(1), agent(2), agent(3), agent(4)
	a2.BackupID = &a3.ID
	gone := agent(5)
	gone.Status = poscare.UserDeparted
	other := agent(6)
	other.TeamID = new(int64)
	*other.TeamID = 2
	people := map[int64]*poscare.User{1: boss, 2: a2, 3: a3, 4: a4, 5: gone, 6: other}
	cands := []*poscare.User{boss, a2, a3, a4}
	load := map[int64]int{2: 5, 3: 10, 4: 0}
	got := PlanBackups([]BackupNeed{
		{Merchant: 10, Manager: 2, Backup: 4}, // fits: stays
		{Merchant: 11, Manager: 2, Backup: 2}, // the manager: the manager's backup (3)
		{Merchant: 12, Manager: 3, Backup: 5}, // gone: the least loaded agent other than 3 (4)
		{Merchant: 13, Manager: 3, Backup: 6}, // another team: 4 again, or 2 once 4 is busier
		{Merchant: 14, Manager: 4, Backup: 0}, // none: an agent, not the lead
	}, 1, people, cands, load)
	if _, ok := got[10]; ok {
		t.Fatalf("a fitting backup was replaced: %v", got)
	}
	if got[11] != 3 || got[12] != 4 {
		t.Fatalf("plan %v", got)
	}
	for m, b := range got {
		if b == 0 || b == boss.ID || !poscare.FitsAsBackup(people[b], map[int64]int64{11: 2, 12: 3, 13: 3, 14: 4}[m], 1) {
			t.Fatalf("merchant %d got backup %d: %v", m, b, got)
		}
	}
	// Alone with the lead: the lead; alone altogether: nobody.
	if got := PlanBackups([]BackupNeed{{Merchant: 20, Manager: 2}}, 1, people, []*poscare.User{boss, a2}, map[int64]int{}); got[20] != boss.ID {
		t.Fatalf("lead as last resort: %v", got)
	}
	if got := PlanBackups([]BackupNeed{{Merchant: 21, Manager: 2, Backup: 2}}, 1, people, []*poscare.User{a2}, map[int64]int{}); got[21] != 0 {
		t.Fatalf("alone: %v", got)
	}
}
