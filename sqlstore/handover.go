package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

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
	plan       map[int64]int64 // merchant → new account manager
	rows       [][]any         // handovers rows, written at the end
	left       int             // items nobody at work could take
}

// handed notes one item handed over (to may be nil: nobody needed).
func (r *handoverRun) handed(t *Tx, kind string, record int64, detail string, to *int64) {
	r.rows = append(r.rows, []any{r.incidentID, kind, record, detail, r.person.ID, nullInt(to), micros(t.now)})
}

// takerFor is who takes an item tied to merchant (0: none): the merchant's
// new account manager, else its current one unless that is the person,
// else the person's backup, else the first colleague at work; 0 if nobody.
// Only merchants can stop the playbook for want of someone to take them:
// other items nobody can take stay where they are (run.left) and the
// person's access ends all the same.
func (r *handoverRun) takerFor(ctx context.Context, t *Tx, merchant int64) (int64, error) {
	if to, ok := r.plan[merchant]; ok {
		return to, nil
	}
	if merchant != 0 {
		var am int64
		err := t.queryRow(ctx, "SELECT account_manager_id FROM merchants WHERE id = ?", merchant).Scan(&am)
		if err != nil && err != sql.ErrNoRows {
			return 0, t.s.translate(err)
		}
		if err == nil && am != r.person.ID {
			return am, nil
		}
	}
	if r.strategy == poscare.StrategyBackup && r.backup != nil {
		return r.backup.ID, nil
	}
	// Spread: the least loaded colleague at work, who is then one item
	// busier.
	best := poscare.LeastLoaded(r.candidates, r.load)
	if best == nil {
		if r.backup != nil {
			return r.backup.ID, nil
		}
		return 0, nil
	}
	r.load[best.ID]++
	return best.ID, nil
}

// handMerchants gives the person's merchants to their backup or spreads
// them over the team by load (the run's strategy), in chunks of 500.
func handMerchants(ctx context.Context, t *Tx, run *handoverRun) (int, error) {
	type held struct{ id int64 }
	ms, err := queryAllTx(ctx, t, "SELECT id FROM merchants WHERE account_manager_id = ? AND archived_at IS NULL ORDER BY id", []any{run.person.ID},
		func(r scanner) (*held, error) { var h held; return &h, r.Scan(&h.id) })
	if err != nil {
		return 0, err
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	if run.strategy == poscare.StrategyBackup && (run.backup == nil || !slices.ContainsFunc(run.candidates, func(c *poscare.User) bool { return c.ID == run.backup.ID })) {
		// The backup cannot take them: spread, and say so.
		run.strategy, run.fellBack = poscare.StrategySpread, len(ids) > 0
	}
	plan, ok := poscare.PlanHandover(ids, run.strategy, run.backup, run.candidates, run.load)
	if !ok {
		return 0, poscare.Errorf(poscare.EConflict, "团队中没有可接手的在岗人员，请先安排人员", "nobody at work in the team can take over; assign someone first")
	}
	run.plan = plan
	for _, to := range plan {
		run.load[to]++
	}
	byTo := map[int64][]int64{}
	for _, m := range ids {
		byTo[plan[m]] = append(byTo[plan[m]], m)
	}
	for to, ms := range byTo {
		for start := 0; start < len(ms); start += 500 {
			in, args := inList(ms[start:min(start+500, len(ms))])
			if _, err := t.exec(ctx, "UPDATE merchants SET account_manager_id = ?, updated_at = ? WHERE id IN "+in, append([]any{to, micros(t.now)}, args...)...); err != nil {
				return 0, err
			}
			// A merchant whose backup just became its manager has no backup now.
			if _, err := t.exec(ctx, "UPDATE merchants SET backup_manager_id = NULL WHERE backup_manager_id = account_manager_id AND id IN "+in, args...); err != nil {
				return 0, err
			}
		}
		for _, m := range ms {
			run.handed(t, "merchant", m, "", &to)
			before := json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d}`, run.person.ID))
			after := json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d,"incident_id":%d}`, to, run.incidentID))
			if err := t.record(ctx, run.actor, "handover", poscare.EntityMerchant, m, before, after); err != nil {
				return 0, err
			}
		}
	}
	return len(ids), nil
}

// handBackupRoles: where the person was a merchant's backup manager, their
// own backup steps in (nobody, where that is the merchant's manager).
func handBackupRoles(ctx context.Context, t *Tx, run *handoverRun) (int, error) {
	type merchant struct{ id int64 }
	ms, err := queryAllTx(ctx, t, "SELECT id FROM merchants WHERE backup_manager_id = ? AND archived_at IS NULL", []any{run.person.ID},
		func(r scanner) (*merchant, error) { var m merchant; return &m, r.Scan(&m.id) })
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	var backupID any
	if run.backup != nil {
		backupID = run.backup.ID
	}
	if _, err := t.exec(ctx, "UPDATE merchants SET backup_manager_id = CASE WHEN account_manager_id = CAST(? AS BIGINT) THEN NULL ELSE CAST(? AS BIGINT) END, updated_at = ? WHERE backup_manager_id = ? AND archived_at IS NULL",
		backupID, backupID, micros(t.now), run.person.ID); err != nil {
		return 0, err
	}
	for _, m := range ms {
		run.handed(t, "backup", m.id, "", nil)
	}
	return len(ms), nil
}

// handStages gives the open onboarding stages the person was responsible
// for to whoever takes the merchant.
func handStages(ctx context.Context, t *Tx, run *handoverRun) (int, error) {
	type stage struct {
		app, merchant int64
		pos           int
	}
	stages, err := queryAllTx(ctx, t, `SELECT s.application_id, s.position, x.merchant_id FROM application_stages s JOIN applications x ON x.id = s.application_id
		WHERE s.responsible_id = ? AND s.completed_at IS NULL AND x.archived_at IS NULL`, []any{run.person.ID},
		func(r scanner) (*stage, error) { var s stage; return &s, r.Scan(&s.app, &s.pos, &s.merchant) })
	if err != nil {
		return 0, err
	}
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
		if _, err := t.exec(ctx, "UPDATE application_stages SET responsible_id = ? WHERE application_id = ? AND position = ?", to, st.app, st.pos); err != nil {
			return 0, err
		}
		run.handed(t, "stage", st.app, fmt.Sprint(st.pos), &to)
		n++
	}
	return n, nil
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
		if _, err := t.exec(ctx, "UPDATE tasks SET user_id = ? WHERE id = ?", to, task.ID); err != nil {
			return 0, err
		}
		run.handed(t, "task", task.ID, "", &to)
		n++
	}
	return n, nil
}
