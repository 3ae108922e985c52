package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"poscare"
)

// DeclareIncident runs the emergency playbook (应急预案) for a staff member
// who went missing or left. In one transaction it blocks their access,
// hands over every merchant they manage (to their backup, or spread over
// the team by load), their backup roles, their open onboarding stages and
// the colleagues they back up, queues a notice to every affected merchant
// through its preferred channel, writes a risk report from the audit trail
// and opens an incident with checklist and timeline.
//
// The request is put on record first, in a transaction of its own, so a
// crash before the playbook commits is finished by the next start
// (ResumePlaybooks). The playbook itself is all or nothing: a crash leaves
// no half-done handover, and running it again finds the open incident and
// changes nothing more. A declaration while another for the same person is
// pending joins it.
// Errors: EForbidden, ENotFound, EInvalid, EConflict.
func (s *Store) DeclareIncident(ctx context.Context, a poscare.Actor, userID int64, d poscare.Declaration) (*poscare.Incident, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActCreate) {
		return nil, poscare.Forbidden()
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	var requestID, incidentID int64
	record := func(t *Tx) error {
		if _, err := t.declarable(ctx, a, userID); err != nil {
			return err
		}
		var err error
		if incidentID, err = t.openIncident(ctx, userID); err != nil || incidentID != 0 {
			return err // already declared: idempotent
		}
		err = t.queryRow(ctx, "SELECT id FROM playbook_requests WHERE user_id = ? AND done_at IS NULL", userID).Scan(&requestID)
		if err != sql.ErrNoRows {
			return t.s.translate(err)
		}
		requestID, err = t.insert(ctx, `INSERT INTO playbook_requests (user_id, kind, reason, strategy, actor_id, actor_source, requested_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, userID, d.Kind, d.Reason, d.Strategy, a.UserID, a.Source, micros(t.now))
		return err
	}
	err := s.inWrite(ctx, record)
	if poscare.ErrorCode(err) == poscare.EConflict {
		// Another caller recorded a request for the same person at the
		// same moment (PostgreSQL): join it.
		err = s.inWrite(ctx, record)
	}
	if err != nil {
		return nil, err
	}
	if incidentID == 0 {
		if incidentID, err = s.runRequest(ctx, a, requestID, false); err != nil {
			return nil, err
		}
	}
	return s.GetIncident(ctx, a, incidentID)
}

// ResumePlaybooks finishes every declaration that was put on record but
// whose playbook never committed (the process died in between), in the
// name of whoever asked. serve calls it at start and with every sweep; a
// run that another instance finishes first changes nothing. It returns
// how many it finished.
func (s *Store) ResumePlaybooks(ctx context.Context) (int, error) {
	type pending struct {
		id, actorID int64
		source      string
	}
	var todo []*pending
	err := s.inRead(ctx, func(t *Tx) error {
		var err error
		todo, err = queryAllTx(ctx, t, "SELECT id, actor_id, actor_source FROM playbook_requests WHERE done_at IS NULL ORDER BY id", nil,
			func(r scanner) (*pending, error) { var p pending; return &p, r.Scan(&p.id, &p.actorID, &p.source) })
		return err
	})
	if err != nil {
		return 0, err
	}
	done := 0
	var first error
	for _, p := range todo {
		a := poscare.SystemActor(p.source)
		if p.actorID != 0 {
			u, err := s.GetUser(ctx, poscare.SystemActor("resume"), p.actorID)
			if err == nil && (u.Status.LocksOut() || u.Archived != nil) {
				// Whoever asked has lost their access since: nothing is done
				// in their name; ops are told, to decide for themselves.
				err = poscare.Errorf(poscare.EForbidden, "申报人已无权限", "the person who asked no longer has access")
			}
			if err != nil {
				s.failRequest(ctx, p.id, err, true)
				first = cmp.Or(first, internalOnly(err))
				continue
			}
			a = poscare.Actor{UserID: u.ID, Login: u.Login, Role: u.Role, TeamID: u.TeamID, MerchantID: u.MerchantID, Source: p.source}
		}
		if _, err := s.runRequest(ctx, a, p.id, true); err != nil {
			// One request that keeps failing must not hold up the others.
			first = cmp.Or(first, internalOnly(err))
			if ctx.Err() != nil {
				return done, ctx.Err()
			}
			continue
		}
		done++
	}
	return done, first
}

// internalOnly passes on an internal error, the kind worth reporting to
// whoever resumes; a refusal is already on record.
func internalOnly(err error) error {
	if poscare.ErrorCode(err) == poscare.EInternal {
		return err
	}
	return nil
}

// maxRequestAttempts is how many runs a declaration gets before it is
// given up, on record and with ops alerted, instead of failing forever.
const maxRequestAttempts = 5

// runRequest runs the playbook of one recorded request and marks the
// request done with its incident, in the playbook's transaction. A refusal
// (the person is out of the actor's reach by now, say) ends the request
// with the reason; an internal error leaves it pending for the next start.
func (s *Store) runRequest(ctx context.Context, a poscare.Actor, requestID int64, resumed bool) (_ int64, err error) {
	defer func(start time.Time) { s.observePlaybook(resumed, start, err) }(time.Now())
	var incidentID int64
	err = s.inWrite(ctx, func(t *Tx) error {
		var userID, requested int64
		var d poscare.Declaration
		var done sql.NullInt64
		if err := t.queryRow(ctx, "SELECT user_id, kind, reason, strategy, requested_at, done_at, COALESCE(incident_id, 0) FROM playbook_requests WHERE id = ?", requestID).
			Scan(&userID, &d.Kind, &d.Reason, &d.Strategy, &requested, &done, &incidentID); err != nil {
			return t.s.translate(err)
		}
		if done.Valid {
			if incidentID != 0 {
				return nil
			}
			var why string
			t.queryRow(ctx, "SELECT last_error FROM playbook_requests WHERE id = ?", requestID).Scan(&why)
			return poscare.Errorf(poscare.EConflict, "此前的应急预案申报未能执行：%s", "an earlier declaration could not be carried out: %s", why)
		}
		person, err := t.declarable(ctx, a, userID)
		if err != nil {
			return err
		}
		if incidentID, err = t.openIncident(ctx, userID); err != nil {
			return err
		}
		if incidentID == 0 {
			if err := t.runPlaybook(ctx, a, person, d, fromMicros(requested), resumed, &incidentID); err != nil {
				return err
			}
		}
		_, err = t.exec(ctx, "UPDATE playbook_requests SET done_at = ?, incident_id = ?, attempts = attempts + 1, last_error = '' WHERE id = ?", micros(t.now), incidentID, requestID)
		return err
	})
	if err == nil {
		return incidentID, nil
	}
	// Another instance may have opened the incident at the same moment
	// (the one-open-incident index refused ours): then it is done.
	if poscare.ErrorCode(err) == poscare.EConflict {
		if id, ok := s.openIncidentOf(ctx, requestID); ok {
			return id, nil
		}
	}
	s.failRequest(ctx, requestID, err, resumed)
	return 0, err
}

// failRequest records why a request's run failed. A refusal ends the
// request, and so does the last of maxRequestAttempts internal errors; an
// earlier internal error leaves it pending for the next start. When a
// request ends unheard (resumed: its caller is long gone, or given up)
// the refusal goes into the audit trail and ops and the lead are alerted:
// someone asked to cut a person off, and that has not happened.
func (s *Store) failRequest(ctx context.Context, requestID int64, cause error, resumed bool) {
	err := s.inWrite(context.WithoutCancel(ctx), func(t *Tx) error {
		var userID, actorID int64
		var attempts int
		var source string
		if err := t.queryRow(ctx, "SELECT user_id, actor_id, actor_source, attempts FROM playbook_requests WHERE id = ? AND done_at IS NULL", requestID).
			Scan(&userID, &actorID, &source, &attempts); err != nil {
			if err == sql.ErrNoRows {
				return nil // another run ended it
			}
			return t.s.translate(err)
		}
		attempts++
		end := poscare.ErrorCode(cause) != poscare.EInternal || attempts >= maxRequestAttempts
		var doneAt any
		if end {
			doneAt = micros(t.now)
		}
		// Only if no other run (another instance resuming it) recorded
		// its own failure or finish since it was read.
		res, err := t.exec(ctx, "UPDATE playbook_requests SET attempts = ?, last_error = ?, done_at = ? WHERE id = ? AND done_at IS NULL AND attempts = ?",
			attempts, cause.Error(), doneAt, requestID, attempts-1)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if !end || !(resumed || attempts >= maxRequestAttempts) {
			return nil
		}
		person, err := t.getUser(ctx, userID)
		if err != nil {
			return err
		}
		a := poscare.SystemActor("resume")
		if err := t.record(ctx, a, "declare_refused", poscare.EntityUser, userID, nil,
			map[string]any{"request_id": requestID, "requested_by": actorID, "from": source, "attempts": attempts, "error": poscare.Message(cause, "en")}); err != nil {
			return err
		}
		subject := poscare.Text{Zh: "【预警】应急预案未能执行：" + person.Name, En: "[Alert] the emergency playbook was not carried out: " + person.Name}
		body := poscare.Text{
			Zh: "对 " + person.Name + " 的应急预案申报未能执行（" + poscare.Message(cause, "zh") + "）。其账号和商户仍未交接，请立即在控制台重新申报。",
			En: "The declaration for " + person.Name + " could not be carried out (" + poscare.Message(cause, "en") + "). Their access and merchants have not been handed over: declare again in the console now.",
		}
		return t.alertStaff(ctx, person, fmt.Sprintf("alert:request:%d:refused", requestID), poscare.Recorded(subject), poscare.Recorded(body))
	})
	if err != nil && s.Log != nil {
		s.Log.Error("playbook request: recording the failure", "request", requestID, "err", err)
	}
}

// openIncidentOf marks a request done with the open incident of its person,
// when there is one.
func (s *Store) openIncidentOf(ctx context.Context, requestID int64) (int64, bool) {
	var id int64
	err := s.inWrite(ctx, func(t *Tx) error {
		var userID int64
		if err := t.queryRow(ctx, "SELECT user_id FROM playbook_requests WHERE id = ?", requestID).Scan(&userID); err != nil {
			return t.s.translate(err)
		}
		var err error
		if id, err = t.openIncident(ctx, userID); err != nil || id == 0 {
			return err
		}
		_, err = t.exec(ctx, "UPDATE playbook_requests SET done_at = ?, incident_id = ?, attempts = attempts + 1 WHERE id = ? AND done_at IS NULL", micros(t.now), id, requestID)
		return err
	})
	return id, err == nil && id != 0
}

// declarable is the person a playbook is declared for, when the actor may.
func (t *Tx) declarable(ctx context.Context, a poscare.Actor, userID int64) (*poscare.User, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActCreate) {
		return nil, poscare.Forbidden()
	}
	person, err := t.getUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !a.CanSeeUser(person) {
		return nil, poscare.NotFound(poscare.EntityUser)
	}
	if !a.CanSetStatus(person) {
		return nil, poscare.Forbidden()
	}
	return person, nil
}

// openIncident is the id of the person's open incident, or 0.
func (t *Tx) openIncident(ctx context.Context, userID int64) (int64, error) {
	var id int64
	err := t.queryRow(ctx, "SELECT id FROM incidents WHERE user_id = ? AND closed_at IS NULL ORDER BY id DESC LIMIT 1", userID).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, t.s.translate(err)
}

func (t *Tx) runPlaybook(ctx context.Context, a poscare.Actor, person *poscare.User, d poscare.Declaration, requested time.Time, resumed bool, incidentID *int64) error {
	before := *person
	events := []poscare.Event{}
	note := func(zh, en string) {
		events = append(events, poscare.Event{At: t.now, ByID: a.UserID, Text: poscare.Text{Zh: zh, En: en}})
	}
	if resumed {
		events = append(events, poscare.Event{At: requested, ByID: a.UserID, Text: poscare.Text{
			Zh: "提交应急预案申请：" + person.Name, En: "playbook requested for " + person.Name}})
		note("上次运行中断，重启后继续完成", "the run was interrupted and is finished after a restart")
	}
	note(fmt.Sprintf("启动应急预案：%s（%s）", person.Name, d.Reason), fmt.Sprintf("playbook started for %s (%s)", person.Name, d.Reason))

	// 1. Access ends now.
	status := poscare.UserMissing
	if d.Kind == poscare.IncidentDeparted {
		status = poscare.UserDeparted
	}
	if _, err := t.exec(ctx, "UPDATE users SET status = ?, status_reason = ?, cover_id = NULL, away_until = NULL, updated_at = ? WHERE id = ?",
		status, d.Reason, micros(t.now), person.ID); err != nil {
		return err
	}
	if err := t.revokeTokens(ctx, person.ID); err != nil {
		return err
	}
	note("已停用其账号并注销全部会话和令牌", "access blocked: sessions and tokens revoked")

	// 2. Who can take over: the team's available agents and leads.
	run := &handoverRun{actor: a, person: person, strategy: d.Strategy, load: map[int64]int{}}
	if person.TeamID != nil {
		var err error
		run.candidates, err = queryAllTx(ctx, t, "SELECT "+userCols+" FROM users WHERE team_id = ? AND id <> ? AND role IN ('agent', 'lead') AND status = 'active' AND archived_at IS NULL ORDER BY id",
			[]any{*person.TeamID, person.ID}, scanUser)
		if err != nil {
			return err
		}
		type load struct {
			id int64
			n  int
		}
		// Load is what each holds now: merchants, open onboarding stages
		// and open tasks owed to merchants, one each.
		for _, q := range []string{
			"SELECT account_manager_id, COUNT(*) FROM merchants WHERE team_id = ? AND archived_at IS NULL GROUP BY account_manager_id",
			`SELECT s.responsible_id, COUNT(*) FROM application_stages s JOIN users u ON u.id = s.responsible_id
				WHERE u.team_id = ? AND s.completed_at IS NULL GROUP BY s.responsible_id`,
			"SELECT k.user_id, COUNT(*) FROM tasks k JOIN users u ON u.id = k.user_id WHERE u.team_id = ? AND k.done_at IS NULL AND k.kind IN " + merchantTaskKinds + " GROUP BY k.user_id",
		} {
			loads, err := queryAllTx(ctx, t, q, []any{*person.TeamID}, func(r scanner) (*load, error) { var l load; return &l, r.Scan(&l.id, &l.n) })
			if err != nil {
				return err
			}
			for _, l := range loads {
				run.load[l.id] += l.n
			}
		}
	}
	if person.BackupID != nil {
		if b, err := t.getUser(ctx, *person.BackupID); err == nil && b.Available() {
			run.backup = b
		}
	}

	// The incident row first, so every handover can point at it.
	id, err := t.insert(ctx, `INSERT INTO incidents (kind, user_id, reason, strategy, opened_by, opened_at, checklist, handed_over, risk_report)
		VALUES (?, ?, ?, ?, ?, ?, '[]', '{}', '{}')`, d.Kind, person.ID, d.Reason, d.Strategy, a.UserID, micros(t.now))
	if err != nil {
		return err
	}
	*incidentID, run.incidentID = id, id

	// 3. Everything they hold, kind by kind.
	sum := poscare.HandoverSum{}
	for _, h := range holdings {
		n, err := h.hand(ctx, t, run)
		if err != nil {
			return err
		}
		*h.count(&sum) = n
		if n > 0 {
			text := h.done(n, run)
			note(text.Zh, text.En)
		}
	}
	if run.left > 0 {
		note(fmt.Sprintf("%d 项待办或进件阶段无人可接手，仍在其名下，请主管指派", run.left),
			fmt.Sprintf("%d tasks or onboarding stages had nobody to take them and stay with the person; the lead must assign them", run.left))
	}
	if run.noBackup > 0 {
		note(fmt.Sprintf("%d 家商户没有可担任备岗的在岗同事，暂无备岗，请主管安排人员", run.noBackup),
			fmt.Sprintf("%d merchants have no backup: nobody else in the team is at work to be one; the lead must assign someone", run.noBackup))
	}
	plan, backup, candidates, handovers := run.plan, run.backup, run.candidates, run.rows

	// 4. Tell every affected merchant who their new contact is.
	n, silent, err := t.queueHandoverNotices(ctx, id, plan, candidates, backup)
	if err != nil {
		return err
	}
	sum.Notifications, sum.Unreachable = n, len(silent)
	if n > 0 {
		note(fmt.Sprintf("已向 %d 家商户发送新联系人通知（排队中，全部送达后自动勾选“已通知商户”）", n),
			fmt.Sprintf("%d merchants notified of their new contact (queued; \"merchants informed\" is ticked once all are delivered)", n))
	}
	if len(silent) > 0 {
		if err := t.tellInPerson(ctx, id, silent, plan); err != nil {
			return err
		}
		note(fmt.Sprintf("%d 家商户没有可用的联系方式，已给新客户经理派发任务：电话或上门告知", len(silent)),
			fmt.Sprintf("%d merchants have no live contact detail: their new account managers have a task to tell them by phone or in person", len(silent)))
	}

	// 5. Risk report of the last 30 days.
	since := t.now.AddDate(0, 0, -30)
	// Counted over the whole window; listed, the riskiest 500 (a sort of
	// one person's month, through the actor index).
	type tally struct {
		action string
		n      int
	}
	tallies, err := queryAllTx(ctx, t, "SELECT action, COUNT(*) FROM audit_log WHERE actor_id = ? AND at >= ? GROUP BY action", []any{person.ID, micros(since)},
		func(r scanner) (*tally, error) { var x tally; return &x, r.Scan(&x.action, &x.n) })
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, x := range tallies {
		counts[x.action] = x.n
	}
	rank := "CASE action"
	for _, action := range slices.Sorted(maps.Keys(poscare.RiskRank)) {
		rank += fmt.Sprintf(" WHEN '%s' THEN %d", action, poscare.RiskRank[action])
	}
	rank += " ELSE 9 END"
	es, err := queryAllTx(ctx, t, "SELECT "+auditCols+" FROM audit_log WHERE actor_id = ? AND at >= ? ORDER BY "+rank+", seq DESC LIMIT 500", []any{person.ID, micros(since)},
		func(r scanner) (*poscare.AuditEntry, error) { e, err := scanAuditRow(r); return &e, err })
	if err != nil {
		return err
	}
	entries := make([]poscare.AuditEntry, len(es))
	for i, e := range es {
		entries[i] = *e
	}
	risk := poscare.BuildRiskReport(since, counts, entries)
	note(fmt.Sprintf("风险报告（近30天）：查看敏感信息 %d 次，导出 %d 次，批量删除被拦截 %d 次，归档或删除联系方式 %d 次，修改 %d 次",
		risk.SensitiveViews, risk.Exports, risk.BulkBlocked, risk.Archives, risk.Changes),
		fmt.Sprintf("risk report (30 days): %d sensitive views, %d exports, %d bulk removals blocked, %d archives or removed contact details, %d changes",
			risk.SensitiveViews, risk.Exports, risk.BulkBlocked, risk.Archives, risk.Changes))

	checklist := make([]poscare.CheckItem, len(poscare.ChecklistItems))
	for i, item := range poscare.ChecklistItems {
		checklist[i] = poscare.CheckItem{Item: item}
		if item == poscare.CheckMerchantsInformed && len(plan) == 0 {
			now, by := t.now, a.UserID
			checklist[i].Done, checklist[i].ByID = &now, &by
		}
	}
	cl, _ := json.Marshal(checklist)
	hs, _ := json.Marshal(sum)
	rr, _ := json.Marshal(risk)
	if _, err := t.exec(ctx, "UPDATE incidents SET checklist = ?, handed_over = ?, risk_report = ? WHERE id = ?", string(cl), string(hs), string(rr), id); err != nil {
		return err
	}
	if err := t.insertRows(ctx, "handovers", []string{"incident_id", "kind", "record_id", "detail", "from_user", "to_user", "at"}, handovers); err != nil {
		return err
	}
	for _, e := range events {
		if _, err := t.exec(ctx, "INSERT INTO incident_events (incident_id, at, by_id, text_zh, text_en) VALUES (?, ?, ?, ?, ?)", id, micros(e.At), e.ByID, e.Text.Zh, e.Text.En); err != nil {
			return err
		}
	}
	after, err := t.getUser(ctx, person.ID)
	if err != nil {
		return err
	}
	return t.record(ctx, a, "declare_"+string(d.Kind), poscare.EntityUser, person.ID, &before, map[string]any{"user": after, "incident_id": id, "handed_over": sum})
}

func strategyName(s poscare.Strategy) poscare.Text {
	if s == poscare.StrategySpread {
		return poscare.Text{Zh: "按负荷分给团队", En: "spread over the team by load"}
	}
	return poscare.Text{Zh: "全部交给备岗人员", En: "all to the backup"}
}

// inList renders "(?, ?, …)" for ids.
func inList[T any](ids []T) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}

// queryAllTx runs a query inside t and scans every row.
func queryAllTx[T any](ctx context.Context, t *Tx, q string, args []any, scan func(scanner) (*T, error)) ([]*T, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(t.s, rows, scan)
}

// channelFor maps a contact channel to the outbox channel that reaches it.
var channelFor = map[poscare.ChannelKind]string{poscare.ChannelPhone: "sms", poscare.ChannelEmail: "email", poscare.ChannelWeChat: "wechat"}

// queueHandoverNotices queues one notice per handed-over merchant, to its
// first contact through that contact's preferred channel. The dedupe key
// makes a second run queue nothing.
// It returns how many it queued and the merchants it could not reach.
func (t *Tx) queueHandoverNotices(ctx context.Context, incidentID int64, plan map[int64]int64, candidates []*poscare.User, backup *poscare.User) (int, []int64, error) {
	people := map[int64]*poscare.User{}
	for _, c := range candidates {
		people[c.ID] = c
	}
	if backup != nil {
		people[backup.ID] = backup
	}
	return t.queueNotices(ctx, incidentID, func(mid int64) string { return fmt.Sprintf("incident:%d:merchant:%d", incidentID, mid) }, plan, people)
}

// queueNotices queues, for each merchant of plan, the notice of its new
// account manager (people[plan[merchant]]) under the dedupe key key(merchant),
// tied to incident (nil: none). It returns how many it queued and the
// merchants it could not reach.
func (t *Tx) queueNotices(ctx context.Context, incident any, key func(int64) string, plan map[int64]int64, people map[int64]*poscare.User) (int, []int64, error) {
	ids := make([]int64, 0, len(plan))
	for m := range plan {
		ids = append(ids, m)
	}
	var rows [][]any
	var silent []int64
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		in, args := inList(chunk)
		r, err := t.query(ctx, `SELECT m.id, m.legal_name, c.id, c.preferred_channel, c.lang, ch.kind, ch.value FROM merchants m
			JOIN contacts c ON c.merchant_id = m.id AND c.archived_at IS NULL
			JOIN contact_channels ch ON ch.contact_id = c.id AND ch.removed_at IS NULL
			WHERE m.id IN `+in+` ORDER BY m.id, c.id, ch.id`, args...)
		if err != nil {
			return 0, nil, err
		}
		type pick struct {
			name, lang, kind, value string
			contact                 int64
			preferred               bool
		}
		best := map[int64]pick{}
		for r.Next() {
			var mid, cid int64
			var name, pref, lang, kind, value string
			if err := r.Scan(&mid, &name, &cid, &pref, &lang, &kind, &value); err != nil {
				r.Close()
				return 0, nil, t.s.translate(err)
			}
			cur, seen := best[mid]
			// The first contact wins; within it, its preferred channel.
			if !seen || (cur.contact == cid && !cur.preferred && kind == pref) {
				best[mid] = pick{name: name, lang: lang, kind: kind, value: value, contact: cid, preferred: kind == pref}
			}
		}
		r.Close()
		for _, mid := range chunk {
			p, ok := best[mid]
			if !ok {
				silent = append(silent, mid)
				continue
			}
			to := people[plan[mid]]
			if to == nil {
				continue
			}
			// In the contact's language.
			subject, body := poscare.HandoverMessage(p.name, to)
			rows = append(rows, []any{key(mid), mid, incident, channelFor[poscare.ChannelKind(p.kind)],
				p.value, p.lang, subject.Encode(), body.Encode(), "queued", micros(t.now), micros(t.now)})
		}
	}
	err := t.insertRows(ctx, "outbox", []string{"dedupe_key", "merchant_id", "incident_id", "channel", "address", "lang", "subject_msg", "body_msg", "status",
		"next_attempt_at", "created_at"}, rows)
	return len(rows), silent, err
}

// tellInPerson gives each merchant's new account manager a follow-up to
// tell, by phone or in person, a merchant the playbook could not message.
func (t *Tx) tellInPerson(ctx context.Context, incidentID int64, merchants []int64, plan map[int64]int64) error {
	return t.tellEachInPerson(ctx, func(mid int64) string { return fmt.Sprintf("incident:%d:tell:%d", incidentID, mid) }, merchants, plan)
}

// tellEachInPerson is tellInPerson with the tasks' dedupe keys given by key.
func (t *Tx) tellEachInPerson(ctx context.Context, key func(int64) string, merchants []int64, plan map[int64]int64) error {
	rows := make([][]any, 0, len(merchants))
	due := micros(t.now.Add(24 * time.Hour))
	for _, mid := range merchants {
		var name string
		if err := t.queryRow(ctx, "SELECT legal_name FROM merchants WHERE id = ?", mid).Scan(&name); err != nil {
			return t.s.translate(err)
		}
		rows = append(rows, []any{key(mid), TaskFollowUp, plan[mid], mid,
			"无可用联系方式，请电话或上门告知新联系人：" + name, "", due, micros(t.now)})
	}
	return t.insertRows(ctx, "tasks", []string{"dedupe_key", "kind", "user_id", "merchant_id", "title_msg", "notes", "due_at", "created_at"}, rows)
}

// MarkIncidentsInformed ticks "merchants informed" on every open incident
// whose notices have all been delivered (each merchant has one sent
// message), with a line in the timeline. The outbox worker calls it when
// its queue runs dry. It returns how many incidents it ticked.
func (s *Store) MarkIncidentsInformed(ctx context.Context) (int, error) {
	ticked := 0
	err := s.inWrite(ctx, func(t *Tx) error {
		ticked = 0 // afresh on every run: inWrite may retry
		type open struct {
			id        int64
			checklist string
		}
		xs, err := queryAllTx(ctx, t, "SELECT id, checklist FROM incidents WHERE closed_at IS NULL", nil,
			func(r scanner) (*open, error) { var x open; return &x, r.Scan(&x.id, &x.checklist) })
		if err != nil {
			return err
		}
		for _, x := range xs {
			var items []poscare.CheckItem
			if err := json.Unmarshal([]byte(x.checklist), &items); err != nil {
				return poscare.Internal(err)
			}
			i := slices.IndexFunc(items, func(c poscare.CheckItem) bool { return c.Item == poscare.CheckMerchantsInformed })
			if i < 0 || items[i].Done != nil {
				continue
			}
			var total, sent int
			if err := t.queryRow(ctx, `SELECT COUNT(DISTINCT merchant_id), COUNT(DISTINCT CASE WHEN status = 'sent' THEN merchant_id END)
				FROM outbox WHERE incident_id = ? AND merchant_id IS NOT NULL`, x.id).Scan(&total, &sent); err != nil {
				return t.s.translate(err)
			}
			if total == 0 || sent < total {
				continue
			}
			before := append([]poscare.CheckItem(nil), items...)
			now, by := t.now, int64(0)
			items[i].Done, items[i].ByID = &now, &by
			cl, _ := json.Marshal(items)
			// Only if nobody changed the checklist meanwhile (a lead
			// ticking another item, another instance ticking this one).
			res, err := t.exec(ctx, "UPDATE incidents SET checklist = ? WHERE id = ? AND checklist = ?", string(cl), x.id, x.checklist)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue
			}
			if err := t.record(ctx, poscare.SystemActor("outbox"), "check", poscare.EntityIncident, x.id, before, items); err != nil {
				return err
			}
			if _, err := t.exec(ctx, "INSERT INTO incident_events (incident_id, at, by_id, text_zh, text_en) VALUES (?, ?, ?, ?, ?)", x.id, micros(t.now), 0,
				fmt.Sprintf("全部 %d 家商户已收到新联系人通知：已通知商户", total), fmt.Sprintf("all %d merchants have received their new contact: merchants informed", total)); err != nil {
				return err
			}
			ticked++
		}
		return nil
	})
	return ticked, err
}

// GetIncident returns an incident with its timeline. Leads see their
// team's incidents; ops, admins and auditors all.
func (s *Store) GetIncident(ctx context.Context, a poscare.Actor, id int64) (*poscare.Incident, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	return readOne(ctx, s, func(t *Tx) (*poscare.Incident, error) { return t.incident(ctx, a, id) })
}

func (t *Tx) incident(ctx context.Context, a poscare.Actor, id int64) (*poscare.Incident, error) {
	var x poscare.Incident
	var opened int64
	var closed sql.NullInt64
	var cl, hs, rr string
	err := t.queryRow(ctx, "SELECT id, kind, user_id, reason, strategy, opened_by, opened_at, closed_at, checklist, handed_over, risk_report FROM incidents WHERE id = ?", id).
		Scan(&x.ID, &x.Kind, &x.UserID, &x.Reason, &x.Strategy, &x.OpenedBy, &opened, &closed, &cl, &hs, &rr)
	if err == sql.ErrNoRows {
		return nil, poscare.NotFound(poscare.EntityIncident)
	}
	if err != nil {
		return nil, t.s.translate(err)
	}
	person, err := t.getUser(ctx, x.UserID)
	if err != nil || !a.CanSeeUser(person) {
		return nil, poscare.NotFound(poscare.EntityIncident)
	}
	x.OpenedAt, x.ClosedAt = fromMicros(opened), timePtr(closed)
	json.Unmarshal([]byte(cl), &x.Checklist)
	json.Unmarshal([]byte(hs), &x.Handed)
	if rr != "{}" {
		x.Risk = &poscare.RiskReport{}
		json.Unmarshal([]byte(rr), x.Risk)
	}
	rows, err := t.query(ctx, "SELECT at, by_id, text_zh, text_en FROM incident_events WHERE incident_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	x.Timeline = []poscare.Event{}
	for rows.Next() {
		var e poscare.Event
		var at int64
		if err := rows.Scan(&at, &e.ByID, &e.Text.Zh, &e.Text.En); err != nil {
			return nil, t.s.translate(err)
		}
		e.At = fromMicros(at)
		x.Timeline = append(x.Timeline, e)
	}
	return &x, t.s.translate(rows.Err())
}

// ListIncidents lists incidents the actor may see, newest first.
func (s *Store) ListIncidents(ctx context.Context, a poscare.Actor, openOnly bool, p poscare.Page) ([]*poscare.Incident, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	p.Normalize()
	// The rule of Actor.CanSeeUser, in SQL, so that pages are full; each
	// incident is still checked by t.incident.
	where, args := []string{"1=1"}, []any{}
	if openOnly {
		where = append(where, "x.closed_at IS NULL")
	}
	switch {
	case a.SeesAllUsers():
	case a.Role == poscare.RoleTech:
		where, args = append(where, "(u.id = ? OR u.role <> 'merchant')"), append(args, a.UserID)
	case (a.Role == poscare.RoleLead || a.Role == poscare.RoleAgent) && a.TeamID != nil:
		where, args = append(where, "(u.id = ? OR u.team_id = ?)"), append(args, a.UserID, *a.TeamID)
	default:
		where, args = append(where, "u.id = ?"), append(args, a.UserID)
	}
	q := "SELECT x.id FROM incidents x JOIN users u ON u.id = x.user_id WHERE " + strings.Join(where, " AND ")
	var out []*poscare.Incident
	err := s.inRead(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, q+" ORDER BY x.id DESC LIMIT ? OFFSET ?", append(args, p.Rows(), p.Offset)...)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return t.s.translate(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		out = []*poscare.Incident{}
		for _, id := range ids {
			x, err := t.incident(ctx, a, id)
			if poscare.ErrorCode(err) == poscare.ENotFound {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return nil
	})
	return out, err
}

// CheckIncident ticks a checklist item, with notes (a police report
// reference, where the backup is kept), and adds it to the timeline.
// Errors: EForbidden, ENotFound, EInvalid.
func (s *Store) CheckIncident(ctx context.Context, a poscare.Actor, id int64, item, notes string) (*poscare.Incident, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActUpdate) {
		return nil, poscare.Forbidden()
	}
	known := false
	for _, i := range poscare.ChecklistItems {
		known = known || i == item
	}
	if !known {
		p := poscare.Problems{}
		p.Add("item", "未知检查项", "unknown checklist item")
		return nil, p.Err()
	}
	if err := poscare.ValidateNote("notes", strings.TrimSpace(notes), poscare.MaxNote); err != nil {
		return nil, err
	}
	err := s.inWrite(ctx, func(t *Tx) error {
		x, err := t.incident(ctx, a, id)
		if err != nil {
			return err
		}
		before := append([]poscare.CheckItem(nil), x.Checklist...)
		for i := range x.Checklist {
			if x.Checklist[i].Item == item {
				now, by := t.now, a.UserID
				x.Checklist[i].Done, x.Checklist[i].ByID, x.Checklist[i].Notes = &now, &by, strings.TrimSpace(notes)
			}
		}
		cl, _ := json.Marshal(x.Checklist)
		if _, err := t.exec(ctx, "UPDATE incidents SET checklist = ? WHERE id = ?", string(cl), id); err != nil {
			return err
		}
		if _, err := t.exec(ctx, "INSERT INTO incident_events (incident_id, at, by_id, text_zh, text_en) VALUES (?, ?, ?, ?, ?)",
			id, micros(t.now), a.UserID, strings.TrimSpace("完成检查项："+poscare.CheckLabels[item].Zh+" "+notes),
			strings.TrimSpace("checklist: "+poscare.CheckLabels[item].En+" done "+notes)); err != nil {
			return err
		}
		return t.record(ctx, a, "check", poscare.EntityIncident, id, before, x.Checklist)
	})
	if err != nil {
		return nil, err
	}
	return s.GetIncident(ctx, a, id)
}

// Notification is one message in the outbox.
type Notification struct {
	ID        int64      `json:"id"`
	Channel   string     `json:"channel"`
	Address   string     `json:"address"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// MerchantNotifications lists the messages queued or sent to a merchant,
// with their delivery status.
func (s *Store) MerchantNotifications(ctx context.Context, a poscare.Actor, merchantID int64) ([]*Notification, error) {
	if !a.Can(poscare.EntityMerchant, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	var out []*Notification
	err := s.inRead(ctx, func(t *Tx) error {
		if _, err := t.visibleMerchant(ctx, a, merchantID); err != nil {
			return err
		}
		var err error
		out, err = queryAllTx(ctx, t, "SELECT id, channel, address, lang, subject_msg, body_msg, status, attempts, created_at, sent_at FROM outbox WHERE merchant_id = ? ORDER BY id DESC LIMIT 100",
			[]any{merchantID}, func(r scanner) (*Notification, error) {
				var n Notification
				var created int64
				var sent sql.NullInt64
				var lang, subject, body string
				err := r.Scan(&n.ID, &n.Channel, &n.Address, &lang, &subject, &body, &n.Status, &n.Attempts, &created, &sent)
				n.CreatedAt, n.SentAt = fromMicros(created), timePtr(sent)
				// In the words the merchant reads them in.
				n.Subject, n.Body = poscare.DecodeMsg(subject).In(lang), poscare.DecodeMsg(body).In(lang)
				return &n, err
			})
		return err
	})
	return out, err
}

// ReturnMerchants brings a person who came back to work and gives them the
// merchants the playbook took from them: all of them, or only those
// listed. It is the only way back for someone missing or departed: ops or
// the lead of the person's team, on the person's latest incident, which
// records the return in its timeline and the audit trail. A merchant that
// was reassigned again since stays where it is. Someone otherwise away
// (disabled, on leave) must be at work first. It returns how many merchants
// went back. Errors: EForbidden, ENotFound, EConflict.
func (s *Store) ReturnMerchants(ctx context.Context, a poscare.Actor, incidentID int64, only []int64) (int, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActUpdate) {
		return 0, poscare.Forbidden()
	}
	returned := 0
	err := s.inWrite(ctx, func(t *Tx) error {
		returned = 0 // afresh on every run: inWrite may retry
		x, err := t.incident(ctx, a, incidentID)
		if err != nil {
			return err
		}
		person, err := t.getUser(ctx, x.UserID)
		if err != nil {
			return err
		}
		if !a.CanSetStatus(person) {
			return poscare.Forbidden()
		}
		if person.Status.ComesBackByReturn() {
			if err := t.returnToWork(ctx, a, x, person); err != nil {
				return err
			}
		}
		if !person.Available() {
			return poscare.Errorf(poscare.EConflict, "当事人尚未恢复在岗，不能交回", "the person is not back at work yet")
		}
		want := map[int64]bool{}
		for _, id := range only {
			want[id] = true
		}
		type back struct{ merchant, to int64 }
		var moves []back
		rows, err := t.query(ctx, "SELECT record_id, to_user FROM handovers WHERE incident_id = ? AND kind = 'merchant' AND detail = ''", incidentID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var b back
			var to sql.NullInt64
			if err := rows.Scan(&b.merchant, &to); err != nil {
				rows.Close()
				return t.s.translate(err)
			}
			b.to = to.Int64
			if len(want) == 0 || want[b.merchant] {
				moves = append(moves, b)
			}
		}
		rows.Close()
		for _, b := range moves {
			res, err := t.exec(ctx, "UPDATE merchants SET account_manager_id = ?, updated_at = ? WHERE id = ? AND account_manager_id = ?", person.ID, micros(t.now), b.merchant, b.to)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if _, err := t.exec(ctx, "UPDATE handovers SET detail = 'returned' WHERE incident_id = ? AND kind = 'merchant' AND record_id = ?", incidentID, b.merchant); err != nil {
				return err
			}
			if err := t.record(ctx, a, "return", poscare.EntityMerchant, b.merchant,
				json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d}`, b.to)), json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d,"incident_id":%d}`, person.ID, incidentID))); err != nil {
				return err
			}
			returned++
		}
		_, err = t.exec(ctx, "INSERT INTO incident_events (incident_id, at, by_id, text_zh, text_en) VALUES (?, ?, ?, ?, ?)", incidentID, micros(t.now), a.UserID,
			fmt.Sprintf("已将 %d 家商户交回 %s", returned, person.Name), fmt.Sprintf("%d merchants returned to %s", returned, person.Name))
		return err
	})
	return returned, err
}

// returnToWork brings a missing or departed person back to work through
// incident x, which must be their latest: status active, in the timeline
// and the audit trail with the incident. Their sessions and tokens stay
// revoked: they log in afresh. Errors: EConflict.
func (t *Tx) returnToWork(ctx context.Context, a poscare.Actor, x *poscare.Incident, person *poscare.User) error {
	var latest int64
	if err := t.queryRow(ctx, "SELECT MAX(id) FROM incidents WHERE user_id = ?", person.ID).Scan(&latest); err != nil {
		return t.s.translate(err)
	}
	if latest != x.ID {
		return poscare.Errorf(poscare.EConflict, "请在此人最近一次的应急事件（#%d）中办理返岗", "bring the person back on their latest incident (#%d)", latest)
	}
	if person.Archived != nil {
		return poscare.Errorf(poscare.EConflict, "此人的账号已归档，请先恢复账号", "the person's account is archived: restore it first")
	}
	before := *person
	reason := fmt.Sprintf("应急事件 #%d 返岗", x.ID)
	if _, err := t.exec(ctx, "UPDATE users SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?", poscare.UserActive, reason, micros(t.now), person.ID); err != nil {
		return err
	}
	person.Status, person.StatusReason, person.UpdatedAt = poscare.UserActive, reason, t.now
	if _, err := t.exec(ctx, "INSERT INTO incident_events (incident_id, at, by_id, text_zh, text_en) VALUES (?, ?, ?, ?, ?)", x.ID, micros(t.now), a.UserID,
		person.Name+" 已返岗，账号恢复（需重新登录）", person.Name+" is back at work; access restored (a new login is needed)"); err != nil {
		return err
	}
	return t.record(ctx, a, "return_to_work", poscare.EntityUser, person.ID, &before, map[string]any{"user": person, "incident_id": x.ID})
}

// CloseIncident closes an incident once its work is done.
func (s *Store) CloseIncident(ctx context.Context, a poscare.Actor, id int64) error {
	if !a.Can(poscare.EntityIncident, poscare.ActUpdate) {
		return poscare.Forbidden()
	}
	return s.inWrite(ctx, func(t *Tx) error {
		if _, err := t.incident(ctx, a, id); err != nil {
			return err
		}
		res, err := t.exec(ctx, "UPDATE incidents SET closed_at = ? WHERE id = ? AND closed_at IS NULL", micros(t.now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // closed already, by this close or another: on record once
		}
		if _, err := t.exec(ctx, "INSERT INTO incident_events (incident_id, at, by_id, text_zh, text_en) VALUES (?, ?, ?, ?, ?)", id, micros(t.now), a.UserID, "事件关闭", "incident closed"); err != nil {
			return err
		}
		return t.record(ctx, a, "close", poscare.EntityIncident, id, nil, nil)
	})
}
