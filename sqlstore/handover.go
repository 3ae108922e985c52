package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"poscare"
)

// A holding is one kind of thing staff hold that the emergency playbook
// hands over when they go missing or leave: merchants they manage, the
// backup roles they fill, onboarding stages and tasks they own. A later
// kind (tickets, repair jobs, visits) is one more entry in holdings and a
// field in poscare.HandoverSum; runPlaybook itself does not change.
type holding struct {
	kind string // handovers.kind
	// count is where the summary keeps how many were handed over.
	count func(*poscare.HandoverSum) *int
	// done is the timeline's line for n handed over.
	done func(n int, run *handoverRun) poscare.Text
	// hand moves everything run.person holds of this kind inside t,
	// calling run.handed once per item, and returns how many it moved.
	hand func(ctx context.Context, t *Tx, run *handoverRun) (int, error)
}

// holdings run in this order: merchants first, because the others follow
// a merchant to its new account manager (run.plan).
var holdings = []holding{
	{kind: "merchant", count: func(s *poscare.HandoverSum) *int { return &s.Merchants }, hand: handMerchants,
		done: func(n int, run *handoverRun) poscare.Text {
			s := strategyName(run.strategy)
			if run.fellBack {
				s.Zh += "：备岗人员不在岗或不在本团队，未能全部交给备岗"
				s.En += ": the backup is away or in another team, so not all to the backup"
			}
			if run.toLead {
				s.Zh += "；团队中没有在岗的业务员，由主管接手"
				s.En += "; no agent of the team is at work, so the lead took them"
			}
			return poscare.Text{Zh: fmt.Sprintf("已移交 %d 家商户（%s）", n, s.Zh), En: fmt.Sprintf("%d merchants handed over (%s)", n, s.En)}
		}},
	{kind: "backup", count: func(s *poscare.HandoverSum) *int { return &s.BackupRoles }, hand: handBackupRoles,
		done: func(n int, _ *handoverRun) poscare.Text {
			return poscare.Text{Zh: fmt.Sprintf("已转交 %d 家商户的备岗职责", n), En: fmt.Sprintf("backup role for %d merchants passed on", n)}
		}},
	{kind: "stage", count: func(s *poscare.HandoverSum) *int { return &s.Stages }, hand: handStages,
		done: func(n int, _ *handoverRun) poscare.Text {
			return poscare.Text{Zh: fmt.Sprintf("已移交 %d 个进件阶段", n), En: fmt.Sprintf("%d onboarding stages handed over", n)}
		}},
	{kind: "staff_backup", count: func(s *poscare.HandoverSum) *int { return &s.CoveredStaff }, hand: handStaffBackups,
		done: func(n int, _ *handoverRun) poscare.Text {
			return poscare.Text{Zh: fmt.Sprintf("已为 %d 名同事重新指定备岗人员", n), En: fmt.Sprintf("%d colleagues given another backup", n)}
		}},
	{kind: "task", count: func(s *poscare.HandoverSum) *int { return &s.Tasks }, hand: handTasks,
		done: func(n int, _ *handoverRun) poscare.Text {
			return poscare.Text{Zh: fmt.Sprintf("已移交 %d 项待办任务", n), En: fmt.Sprintf("%d open tasks handed over", n)}
		}},
}

// handoverRun is what every holding needs to know about one playbook run.
type handoverRun struct {
	incidentID int64
	actor      poscare.Actor
	person     *poscare.User
	strategy   poscare.Strategy
	backup     *poscare.User   // the person's backup, if at work
	candidates []*poscare.User // the team's agents and leads at work
	load       map[int64]int   // each candidate's merchants, open stages and tasks now
	fellBack   bool            // asked for all to the backup, who cannot take them
	toLead     bool            // no agent of the team at work: the lead took the merchants
	plan       map[int64]int64 // merchant → new account manager
	managers   map[int64]int64 // account managers read by readManagers (0: no such merchant)
	rows       [][]any         // handovers rows, written at the end
	left       int             // items nobody at work could take
	noBackup   int             // merchants left without a backup: nobody else in the team
	teams      map[int64]*teamPeople
	// backupsGiven is the new backup (0: none) of each of the person's
	// merchants whose backup changed with its handover; backedByPerson,
	// those of them the person backed up as well.
	backupsGiven   map[int64]int64
	backedByPerson []int64
}

// handed notes one item handed over (to may be nil: nobody needed).
func (r *handoverRun) handed(t *Tx, kind string, record int64, detail string, to *int64) {
	r.rows = append(r.rows, []any{r.incidentID, kind, record, detail, r.person.ID, nullInt(to), micros(t.now)})
}

// takerFor is who takes an item tied to merchant (0: none): the merchant's
// new account manager, else its current one unless that is the person,
// else the person's backup, else the least loaded agent at work (the lead
// when no agent is); 0 if nobody.
// Only merchants can stop the playbook for want of someone to take them:
// other items nobody can take stay where they are (run.left) and the
// person's access ends all the same.
func (r *handoverRun) takerFor(ctx context.Context, t *Tx, merchant int64) (int64, error) {
	if to, ok := r.plan[merchant]; ok {
		return to, nil
	}
	if merchant != 0 {
		am, read := r.managers[merchant]
		if !read {
			err := t.queryRow(ctx, "SELECT account_manager_id FROM merchants WHERE id = ?", merchant).Scan(&am)
			if err != nil && err != sql.ErrNoRows {
				return 0, t.s.translate(err)
			}
		}
		if am != 0 && am != r.person.ID {
			return am, nil
		}
	}
	if r.strategy == poscare.StrategyBackup && r.backup != nil {
		return r.backup.ID, nil
	}
	// Spread: the least loaded colleague at work, who is then one item
	// busier.
	receivers, _ := poscare.Receivers(r.candidates)
	best := poscare.LeastLoaded(receivers, r.load)
	if best == nil {
		if r.backup != nil {
			return r.backup.ID, nil
		}
		return 0, nil
	}
	r.load[best.ID]++
	return best.ID, nil
}

// handMerchants gives the person's merchants, archived ones too (a
// merchant restored later must not come back to someone gone), to their
// backup or spreads them over the team's agents by load (the run's
// strategy), in chunks of 500. Each merchant's backup is put right in the
// same write and the same audit entry (its new manager may have been its
// backup, say), by poscare.PlanBackups: a 10,000-merchant handover is one
// row rewrite and one entry per merchant, not two. handBackupRoles then
// puts right the backups of the rest of the team.
func handMerchants(ctx context.Context, t *Tx, run *handoverRun) (int, error) {
	type held struct {
		id, team, backup int64
		archived         bool
	}
	ms, err := queryAllTx(ctx, t, "SELECT id, team_id, COALESCE(backup_manager_id, 0), archived_at IS NOT NULL FROM merchants WHERE account_manager_id = ? ORDER BY id", []any{run.person.ID},
		func(r scanner) (*held, error) { var h held; return &h, r.Scan(&h.id, &h.team, &h.backup, &h.archived) })
	if err != nil {
		return 0, err
	}
	ids := make([]int64, len(ms))
	archived := map[int64]bool{}
	for i, m := range ms {
		ids[i] = m.id
		archived[m.id] = m.archived
	}
	plan, err := poscare.PlanHandover(ids, run.strategy, run.backup, run.candidates, run.load)
	if err != nil {
		return 0, err
	}
	if plan.FellBack {
		// The backup cannot take them: spread, and say so.
		run.strategy, run.fellBack = poscare.StrategySpread, len(ids) > 0
	}
	run.toLead = plan.ToLead
	// Archived merchants change hands but are not told: nobody serves
	// them until they are restored, and Restore tells them then.
	run.plan = map[int64]int64{}
	for m, to := range plan.To {
		if !archived[m] {
			run.plan[m] = to
			run.load[to]++
		}
	}
	// Their backups, team by team, with the new manager.
	needs := map[int64][]poscare.BackupNeed{}
	oldBackup := make(map[int64]int64, len(ms))
	for _, m := range ms {
		needs[m.team] = append(needs[m.team], poscare.BackupNeed{Merchant: m.id, Manager: plan.To[m.id], Backup: m.backup})
		oldBackup[m.id] = m.backup
		if m.backup == run.person.ID {
			run.backedByPerson = append(run.backedByPerson, m.id)
		}
	}
	backups := map[int64]int64{} // merchant → new backup (0: none), for those whose backup changes
	for _, team := range slices.Sorted(maps.Keys(needs)) {
		tp, err := run.teamPeople(ctx, t)(team)
		if err != nil {
			return 0, err
		}
		maps.Copy(backups, poscare.PlanBackups(needs[team], team, tp.people, tp.candidates, tp.backupLoad))
	}
	run.backupsGiven = backups
	type write struct {
		to, backup int64
		setBackup  bool
	}
	groups := map[write][]int64{}
	for _, m := range ids {
		w := write{to: plan.To[m]}
		w.backup, w.setBackup = backups[m]
		groups[w] = append(groups[w], m)
	}
	for w, ms := range groups {
		for start := 0; start < len(ms); start += 500 {
			in, inArgs := inList(ms[start:min(start+500, len(ms))])
			set, args := "account_manager_id = ?", []any{w.to}
			if w.setBackup {
				set, args = set+", backup_manager_id = ?", append(args, nullInt64(w.backup))
			}
			if _, err := t.exec(ctx, "UPDATE merchants SET "+set+", updated_at = ? WHERE id IN "+in, append(append(args, micros(t.now)), inArgs...)...); err != nil {
				return 0, err
			}
		}
		for _, m := range ms {
			detail := ""
			if archived[m] {
				detail = handedArchived
			}
			run.handed(t, "merchant", m, detail, &w.to)
			var before, after json.RawMessage
			if w.setBackup {
				before = json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d,"backup_manager_id":%s}`, run.person.ID, jsonID(oldBackup[m])))
				after = json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d,"backup_manager_id":%s,"incident_id":%d}`, w.to, jsonID(w.backup), run.incidentID))
			} else {
				before = json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d}`, run.person.ID))
				after = json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d,"incident_id":%d}`, w.to, run.incidentID))
			}
			if err := t.record(ctx, run.actor, "handover", poscare.EntityMerchant, m, before, after); err != nil {
				return 0, err
			}
		}
	}
	return len(ids), nil
}

// jsonID is id as JSON, null for 0.
func jsonID(id int64) string {
	if id == 0 {
		return "null"
	}
	return strconv.FormatInt(id, 10)
}

// handedArchived marks, in handovers.detail, a merchant handed over while
// archived and not yet told; Restore tells it and marks it handedTold.
const (
	handedArchived = "archived"
	handedTold     = "archived_told"
)

// handBackupRoles: where the person was a merchant's backup manager
// (archived merchants too), and wherever a merchant of the person's team
// has no backup who fits now (its manager just became its backup, say),
// a colleague of the merchant's team at work steps in, by
// poscare.PlanBackups. Only the person's own backup roles are counted.
func handBackupRoles(ctx context.Context, t *Tx, run *handoverRun) (int, error) {
	type merchant struct{ id, team int64 }
	ms, err := queryAllTx(ctx, t, "SELECT id, team_id FROM merchants WHERE backup_manager_id = ?", []any{run.person.ID},
		func(r scanner) (*merchant, error) { var m merchant; return &m, r.Scan(&m.id, &m.team) })
	if err != nil {
		return 0, err
	}
	teams := []int64{}
	if run.person.TeamID != nil {
		teams = append(teams, *run.person.TeamID)
	}
	for _, m := range ms {
		if !slices.Contains(teams, m.team) {
			teams = append(teams, m.team)
		}
	}
	given := map[int64]int64{}
	for _, team := range teams {
		changed, left, err := t.fixBackups(ctx, run.actor, run.incidentID, team, run.teamPeople(ctx, t))
		if err != nil {
			return 0, err
		}
		run.noBackup += left
		maps.Copy(given, changed)
	}
	// A merchant the person managed and backed up both (old data) had its
	// backup put right with its handover.
	maps.Copy(given, run.backupsGiven)
	roles := make([]int64, 0, len(ms)+len(run.backedByPerson))
	for _, m := range ms {
		roles = append(roles, m.id)
	}
	roles = append(roles, run.backedByPerson...)
	for _, m := range roles {
		var to *int64
		if b := given[m]; b != 0 {
			to = &b
		}
		run.handed(t, "backup", m, "", to)
	}
	return len(roles), nil
}

// handStages gives the open onboarding stages the person was responsible
// for to whoever takes the merchant, in one UPDATE per taker and position.
func handStages(ctx context.Context, t *Tx, run *handoverRun) (int, error) {
	type stage struct {
		app, merchant int64
		pos           int
	}
	stages, err := queryAllTx(ctx, t, `SELECT s.application_id, s.position, x.merchant_id FROM application_stages s JOIN applications x ON x.id = s.application_id
		WHERE s.responsible_id = ? AND s.completed_at IS NULL ORDER BY s.application_id, s.position`, []any{run.person.ID},
		func(r scanner) (*stage, error) { var s stage; return &s, r.Scan(&s.app, &s.pos, &s.merchant) })
	if err != nil {
		return 0, err
	}
	merchants := make([]int64, len(stages))
	for i, st := range stages {
		merchants[i] = st.merchant
	}
	if err := run.readManagers(ctx, t, merchants); err != nil {
		return 0, err
	}
	type group struct {
		to  int64
		pos int
	}
	groups := map[group][]int64{}
	var order []group
	n := 0
	for _, st := range stages {
		to, err := run.takerFor(ctx, t, st.merchant)
		if err != nil {
			return 0, err
		}
		if to == 0 {
			run.left++ // nobody at work: it waits for the lead, access still ends
			continue
		}
		g := group{to, st.pos}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], st.app)
		run.handed(t, "stage", st.app, fmt.Sprint(st.pos), &to)
		n++
	}
	for _, g := range order {
		err := inChunks(groups[g], func(in string, args []any) error {
			_, err := t.exec(ctx, "UPDATE application_stages SET responsible_id = ? WHERE responsible_id = ? AND position = ? AND application_id IN "+in,
				append([]any{g.to, run.person.ID, g.pos}, args...)...)
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// inChunks calls fn with an IN list and its arguments for each chunk of
// ids, at most chunkIDs to a statement.
func inChunks(ids []int64, fn func(in string, args []any) error) error {
	for start := 0; start < len(ids); start += chunkIDs {
		in, args := inList(ids[start:min(start+chunkIDs, len(ids))])
		if err := fn(in, args); err != nil {
			return err
		}
	}
	return nil
}

// chunkIDs is how many ids one IN list holds.
const chunkIDs = 5000

// readManagers reads, in a few statements, the account managers of the
// merchants takerFor will be asked about that the run's plan does not
// cover, so that it need not read them one by one.
func (r *handoverRun) readManagers(ctx context.Context, t *Tx, merchants []int64) error {
	if r.managers == nil {
		r.managers = map[int64]int64{}
	}
	var ask []int64
	for _, m := range merchants {
		if _, ok := r.plan[m]; ok || m == 0 {
			continue
		}
		if _, ok := r.managers[m]; !ok {
			r.managers[m] = 0 // asked: 0 until read, and if there is none
			ask = append(ask, m)
		}
	}
	return inChunks(ask, func(in string, args []any) error {
		rows, err := t.query(ctx, "SELECT id, account_manager_id FROM merchants WHERE id IN "+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, am int64
			if err := rows.Scan(&id, &am); err != nil {
				return t.s.translate(err)
			}
			r.managers[id] = am
		}
		return t.s.translate(rows.Err())
	})
}

// handStaffBackups: colleagues whose backup the person was get the
// person's own backup (or none, to be named by their lead).
func handStaffBackups(ctx context.Context, t *Tx, run *handoverRun) (int, error) {
	covered, err := queryAllTx(ctx, t, "SELECT "+userCols+" FROM users WHERE backup_id = ?", []any{run.person.ID}, scanUser)
	if err != nil {
		return 0, err
	}
	for _, u := range covered {
		var to *int64
		if run.backup != nil && run.backup.ID != u.ID {
			to = &run.backup.ID
		}
		if _, err := t.exec(ctx, "UPDATE users SET backup_id = ?, updated_at = ? WHERE id = ?", nullInt(to), micros(t.now), u.ID); err != nil {
			return 0, err
		}
		run.handed(t, "staff_backup", u.ID, "", to)
	}
	return len(covered), nil
}

// handTasks gives open tasks and follow-ups to whoever takes the task's
// merchant, else the backup. A reminder to check one's own contact details
// (verify_self) concerns the person alone and stays with them.
func handTasks(ctx context.Context, t *Tx, run *handoverRun) (int, error) {
	tasks, err := queryAllTx(ctx, t, "SELECT "+taskCols+" FROM tasks WHERE user_id = ? AND done_at IS NULL AND kind <> 'verify_self'", []any{run.person.ID}, scanTask)
	if err != nil {
		return 0, err
	}
	merchants := make([]int64, 0, len(tasks))
	for _, task := range tasks {
		if task.MerchantID != nil {
			merchants = append(merchants, *task.MerchantID)
		}
	}
	if err := run.readManagers(ctx, t, merchants); err != nil {
		return 0, err
	}
	byTo := map[int64][]int64{}
	var order []int64
	n := 0
	for _, task := range tasks {
		var merchant int64
		if task.MerchantID != nil {
			merchant = *task.MerchantID
		}
		to, err := run.takerFor(ctx, t, merchant)
		if err != nil {
			return 0, err
		}
		if to == 0 {
			run.left++ // nobody at work: it waits for the lead, access still ends
			continue
		}
		if _, ok := byTo[to]; !ok {
			order = append(order, to)
		}
		byTo[to] = append(byTo[to], task.ID)
		run.handed(t, "task", task.ID, "", &to)
		n++
	}
	for _, to := range order {
		err := inChunks(byTo[to], func(in string, args []any) error {
			_, err := t.exec(ctx, "UPDATE tasks SET user_id = ? WHERE id IN "+in, append([]any{to}, args...)...)
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// teamPeople is who of one team can hold merchants, for the backup rules.
type teamPeople struct {
	people     map[int64]*poscare.User // the team's agents and leads who are not gone
	candidates []*poscare.User         // of them, those at work
	backupLoad map[int64]int           // live merchants each backs up now
}

// teamPeople returns a loader of teamPeople that keeps what it loaded for
// the rest of the run.
func (r *handoverRun) teamPeople(ctx context.Context, t *Tx) func(int64) (*teamPeople, error) {
	return func(team int64) (*teamPeople, error) {
		if r.teams == nil {
			r.teams = map[int64]*teamPeople{}
		}
		if tp, ok := r.teams[team]; ok {
			return tp, nil
		}
		tp, err := t.loadTeamPeople(ctx, team)
		r.teams[team] = tp
		return tp, err
	}
}

// loadTeamPeople reads who of a team can hold merchants and how many
// merchants each backs up.
func (t *Tx) loadTeamPeople(ctx context.Context, team int64) (*teamPeople, error) {
	users, err := queryAllTx(ctx, t, "SELECT "+userCols+` FROM users WHERE team_id = ? AND role IN ('agent', 'lead')
		AND status NOT IN ('disabled', 'missing', 'departed') AND archived_at IS NULL ORDER BY id`, []any{team}, scanUser)
	if err != nil {
		return nil, err
	}
	tp := &teamPeople{people: map[int64]*poscare.User{}, backupLoad: map[int64]int{}}
	for _, u := range users {
		tp.people[u.ID] = u
		if poscare.HoldsPortfolio(u, team) {
			tp.candidates = append(tp.candidates, u)
		}
	}
	type load struct {
		id int64
		n  int
	}
	loads, err := queryAllTx(ctx, t, "SELECT backup_manager_id, COUNT(*) FROM merchants WHERE team_id = ? AND archived_at IS NULL AND backup_manager_id IS NOT NULL GROUP BY backup_manager_id",
		[]any{team}, func(r scanner) (*load, error) { var l load; return &l, r.Scan(&l.id, &l.n) })
	if err != nil {
		return nil, err
	}
	for _, l := range loads {
		tp.backupLoad[l.id] = l.n
	}
	return tp, nil
}

// unfitBackup is the SQL form of "not poscare.FitsAsBackup" for a
// merchant m and its backup b (LEFT JOINed): the playbook repairs with it,
// so it must say what the rule says (the dashboard applies the rule
// itself, per group of merchants).
const unfitBackup = `(b.id IS NULL OR b.id = m.account_manager_id OR b.team_id IS NULL OR b.team_id <> m.team_id
	OR b.role NOT IN ('agent', 'lead') OR b.status IN ('disabled', 'missing', 'departed') OR b.archived_at IS NOT NULL)`

// fixBackups gives every merchant of a team (archived ones too) whose
// backup does not fit a colleague who does, by poscare.PlanBackups, with
// an audit entry each. It returns the new backup of each merchant changed
// (0: none) and how many live merchants are left without a backup because
// nobody else in the team is at work.
func (t *Tx) fixBackups(ctx context.Context, a poscare.Actor, incidentID, team int64, load func(int64) (*teamPeople, error)) (map[int64]int64, int, error) {
	type need struct {
		poscare.BackupNeed
		archived bool
	}
	ns, err := queryAllTx(ctx, t, `SELECT m.id, m.account_manager_id, COALESCE(m.backup_manager_id, 0), m.archived_at IS NOT NULL
		FROM merchants m LEFT JOIN users b ON b.id = m.backup_manager_id WHERE m.team_id = ? AND `+unfitBackup+" ORDER BY m.id", []any{team},
		func(r scanner) (*need, error) {
			var n need
			return &n, r.Scan(&n.Merchant, &n.Manager, &n.Backup, &n.archived)
		})
	if err != nil || len(ns) == 0 {
		return nil, 0, err
	}
	tp, err := load(team)
	if err != nil {
		return nil, 0, err
	}
	needs := make([]poscare.BackupNeed, len(ns))
	for i, n := range ns {
		needs[i] = n.BackupNeed
	}
	plan := poscare.PlanBackups(needs, team, tp.people, tp.candidates, tp.backupLoad)
	left := 0
	byTo := map[int64][]int64{}
	for _, n := range ns {
		to, ok := plan[n.Merchant]
		if !ok || to == 0 {
			if !n.archived && !poscare.FitsAsBackup(tp.people[n.Backup], n.Manager, team) {
				left++
			}
			if !ok {
				continue
			}
		}
		byTo[to] = append(byTo[to], n.Merchant)
	}
	for to, ms := range byTo {
		var b any
		if to != 0 {
			b = to
		}
		for start := 0; start < len(ms); start += 500 {
			in, args := inList(ms[start:min(start+500, len(ms))])
			if _, err := t.exec(ctx, "UPDATE merchants SET backup_manager_id = ?, updated_at = ? WHERE id IN "+in, append([]any{b, micros(t.now)}, args...)...); err != nil {
				return nil, 0, err
			}
		}
	}
	for _, n := range ns {
		to, ok := plan[n.Merchant]
		if !ok {
			continue
		}
		after := map[string]any{"backup_manager_id": nullInt64(to)}
		if incidentID != 0 {
			after["incident_id"] = incidentID
		}
		if err := t.record(ctx, a, "handover_backup", poscare.EntityMerchant, n.Merchant, map[string]any{"backup_manager_id": nullInt64(n.Backup)}, after); err != nil {
			return nil, 0, err
		}
	}
	return plan, left, nil
}

// nullInt64 is id, or nil for 0, for an audit entry.
func nullInt64(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// restoredMerchant puts a merchant that comes back into use in the hands
// of people at work. An account manager who is not at work in its team
// (gone, on leave, moved) hands it over by the playbook's rules: to its
// backup if at work, else the least loaded agent, the lead last; nobody at
// work refuses the restore. A backup who no longer fits is replaced. The
// merchant is told its contact when it changed, or when the playbook
// handed it over while it was archived and so never told it.
// Errors: EConflict.
func (t *Tx) restoredMerchant(ctx context.Context, a poscare.Actor, id int64) error {
	m, err := t.getMerchant(ctx, id)
	if err != nil {
		return err
	}
	tp, err := t.loadTeamPeople(ctx, m.TeamID)
	if err != nil {
		return err
	}
	var incident any
	tell := false
	var handed int64
	err = t.queryRow(ctx, "SELECT incident_id FROM handovers WHERE kind = 'merchant' AND record_id = ? AND detail = ? ORDER BY id DESC LIMIT 1", id, handedArchived).Scan(&handed)
	switch {
	case err == nil:
		incident, tell = handed, true
		if _, err := t.exec(ctx, "UPDATE handovers SET detail = ? WHERE kind = 'merchant' AND record_id = ? AND detail = ?", handedTold, id, handedArchived); err != nil {
			return err
		}
	case err != sql.ErrNoRows:
		return t.s.translate(err)
	}
	if mgr := tp.people[m.AccountManagerID]; !poscare.HoldsPortfolio(mgr, m.TeamID) {
		var backup *poscare.User
		if m.BackupManagerID != nil {
			backup = tp.people[*m.BackupManagerID]
		}
		type load struct {
			id int64
			n  int
		}
		loads, err := queryAllTx(ctx, t, "SELECT account_manager_id, COUNT(*) FROM merchants WHERE team_id = ? AND archived_at IS NULL GROUP BY account_manager_id",
			[]any{m.TeamID}, func(r scanner) (*load, error) { var l load; return &l, r.Scan(&l.id, &l.n) })
		if err != nil {
			return err
		}
		byID := map[int64]int{}
		for _, l := range loads {
			byID[l.id] = l.n
		}
		plan, err := poscare.PlanHandover([]int64{id}, poscare.StrategyBackup, backup, tp.candidates, byID)
		if err != nil {
			return poscare.Errorf(poscare.EConflict, "商户的客户经理已不在岗，且团队中没有可接手的在岗人员，请先安排人员再恢复",
				"the merchant's account manager is not at work and nobody at work in the team can take it: assign someone, then restore")
		}
		to := plan.To[id]
		if _, err := t.exec(ctx, "UPDATE merchants SET account_manager_id = ?, updated_at = ? WHERE id = ?", to, micros(t.now), id); err != nil {
			return err
		}
		if err := t.record(ctx, a, "handover", poscare.EntityMerchant, id, map[string]any{"account_manager_id": m.AccountManagerID},
			map[string]any{"account_manager_id": to, "restored": true}); err != nil {
			return err
		}
		m.AccountManagerID, tell = to, true
	}
	backup := int64(0)
	if m.BackupManagerID != nil {
		backup = *m.BackupManagerID
	}
	need := poscare.BackupNeed{Merchant: id, Manager: m.AccountManagerID, Backup: backup}
	// A merchant that never had a backup is not given one by a restore
	// alone; one whose backup or manager is gone is put right.
	if to, ok := poscare.PlanBackups([]poscare.BackupNeed{need}, m.TeamID, tp.people, tp.candidates, tp.backupLoad)[id]; ok && (backup != 0 || tell) {
		if _, err := t.exec(ctx, "UPDATE merchants SET backup_manager_id = ?, updated_at = ? WHERE id = ?", nullInt64(to), micros(t.now), id); err != nil {
			return err
		}
		if err := t.record(ctx, a, "handover_backup", poscare.EntityMerchant, id, map[string]any{"backup_manager_id": nullInt64(backup)},
			map[string]any{"backup_manager_id": nullInt64(to), "restored": true}); err != nil {
			return err
		}
	}
	if !tell {
		return nil
	}
	plan := map[int64]int64{id: m.AccountManagerID}
	key := func(kind string) func(int64) string {
		return func(mid int64) string { return fmt.Sprintf("restore:%d:%s:%d", micros(t.now), kind, mid) }
	}
	_, silent, err := t.queueNotices(ctx, incident, key("merchant"), plan, tp.people)
	if err != nil || len(silent) == 0 {
		return err
	}
	return t.tellEachInPerson(ctx, key("tell"), silent, plan)
}
