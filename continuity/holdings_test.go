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

// TestTakerFor: an item goes with its merchant (to the new account
// manager, else the current one unless that is the person); else, with
// all to the backup, to the backup; else to the least loaded agent, who is
// then busier; else to the backup anyway; else nobody.
func TestTakerFor(t *testing.T) {
	agent, lead := staff(1)
	person, backup, a3, a4, boss := agent(1), agent(2), agent(3), agent(4), lead(5)
	r := &Run{Person: person, Strategy: poscare.StrategyBackup, Backup: backup, Candidates: []*poscare.User{backup, a3, a4, boss},
		Plan: map[int64]int64{100: 3}, Load: map[int64]int{2: 5, 3: 1, 4: 1}}
	cases := []struct {
		name              string
		merchant, manager int64
		want              int64
	}{
		{"PlannedMerchantGoesToItsNewManager", 100, 1, 3},
		{"OtherMerchantStaysWithItsManager", 200, 4, 4},
		{"MerchantOfThePersonGoesToTheBackup", 300, 1, 2},
		{"LooseItemGoesToTheBackup", 0, 0, 2},
	}
	for _, c := range cases {
		if got := r.TakerFor(c.merchant, c.manager); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	r.Strategy = poscare.StrategySpread
	if got := r.TakerFor(0, 0); got != 3 || r.Load[3] != 2 {
		t.Errorf("spread: %d (load %v), want the least loaded, lowest id, one busier", got, r.Load)
	}
	if got := r.TakerFor(0, 0); got != 4 {
		t.Errorf("spread again: %d, want the next least loaded", got)
	}
	r.Candidates = nil
	if got := r.TakerFor(0, 0); got != 2 {
		t.Errorf("nobody at work: %d, want the backup", got)
	}
	r.Backup = nil
	if got := r.TakerFor(0, 0); got != 0 {
		t.Errorf("nobody at all: %d, want 0", got)
	}
}

// TestPlanMerchants: archived merchants change hands but are left out of
// the plan of those to tell and of the load; a backup who cannot take
// them turns the run to spreading, and says so.
func TestPlanMerchants(t *testing.T) {
	agent, _ := staff(1)
	away := agent(9)
	away.Status = poscare.UserOnLeave
	r := &Run{Person: agent(1), Strategy: poscare.StrategyBackup, Backup: away, Candidates: []*poscare.User{agent(2), agent(3)}}
	plan, err := r.PlanMerchants([]int64{10, 11, 12}, map[int64]bool{12: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.To) != 3 || len(r.Plan) != 2 || r.Plan[12] != 0 {
		t.Fatalf("plan %v, live plan %v", plan.To, r.Plan)
	}
	if !r.FellBack || r.Strategy != poscare.StrategySpread || r.Load[2]+r.Load[3] != 2 {
		t.Errorf("fell back %v, strategy %s, load %v", r.FellBack, r.Strategy, r.Load)
	}
	if got := MerchantsLine(3, r).In("zh"); got != "已移交 3 家商户（按负荷分给团队：备岗人员不在岗或不在本团队，未能全部交给备岗）" {
		t.Errorf("line %q", got)
	}
	if got := MerchantsLine(3, &Run{Strategy: poscare.StrategyBackup}).In("en"); got != "3 merchants handed over (all to the backup)" {
		t.Errorf("line %q", got)
	}
	if _, err := (&Run{Person: agent(1), Strategy: poscare.StrategySpread}).PlanMerchants([]int64{1}, nil); poscare.ErrorCode(err) != poscare.EConflict {
		t.Errorf("nobody to take them: %v", err)
	}
}

// TestStaffBackupFor: a colleague the person backed up gets the person's
// backup, unless that is the colleague.
func TestStaffBackupFor(t *testing.T) {
	agent, _ := staff(1)
	r := &Run{Backup: agent(2)}
	if got := StaffBackupFor(r, 3); got == nil || *got != 2 {
		t.Errorf("colleague 3: %v", got)
	}
	if got := StaffBackupFor(r, 2); got != nil {
		t.Errorf("the backup themself: %v", *got)
	}
	if got := StaffBackupFor(&Run{}, 3); got != nil {
		t.Errorf("no backup: %v", *got)
	}
}
