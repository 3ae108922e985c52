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
	"poscare/continuity"
)

// DeclareIncident runs the emergency playbook for a staff member
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
		if err != nil {
			return err
		}
		// With the request, the job that finishes it should this run not.
		return t.enqueue(ctx, ResumePlaybook{Request: requestID})
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
// name of whoever asked. serve calls it at start and the playbook.resume job (queued with each request, and periodic) after; a
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
				err = poscare.Fail(poscare.EForbidden, "playbook.error.no_access")
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
			return poscare.Fail(poscare.EConflict, "playbook.error.earlier_failed", "why", why)
		}
		person, err := t.declarable(ctx, a, userID)
		if err != nil {
			return err
		}
		if incidentID, err = t.openIncident(ctx, userID); err != nil {
			return err
		}
		if incidentID == 0 {
			if _, err := t.runPlaybook(ctx, a, person, d, fromMicros(requested), resumed, &incidentID); err != nil {
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
		subject, body := continuity.RefusedAlert(person.Name, cause)
		return t.alertStaff(ctx, person, fmt.Sprintf("alert:request:%d:refused", requestID), subject, body)
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

// runPlaybook loads what the person holds and who can take it, asks the
// continuity rules what to do and writes the answers, all in t: access
// ends, every registered holding is handed over, the merchants are told,
// the risk report is drawn, and the incident gets its checklist, summary
// and timeline. It returns the run as the holdings saw it (the preview
// reads its fallback, lead and leftovers).
func (t *Tx) runPlaybook(ctx context.Context, a poscare.Actor, person *poscare.User, d poscare.Declaration, requested time.Time, resumed bool, incidentID *int64) (*Handover, error) {
	before := *person

	// 1. Access ends now.
	if _, err := t.exec(ctx, "UPDATE users SET status = ?, status_reason = ?, cover_id = NULL, away_until = NULL, updated_at = ? WHERE id = ?",
		continuity.StatusFor(d.Kind), d.Reason, micros(t.now), person.ID); err != nil {
		return nil, err
	}
	if err := t.revokeTokens(ctx, person.ID); err != nil {
		return nil, err
	}

	// 2. Who can take over: the team's available agents and leads, and
	// what each holds now, kind by kind.
	h := &Handover{Actor: a, Run: &continuity.Run{Person: person, Strategy: d.Strategy, Load: map[int64]int{}}}
	if person.TeamID != nil {
		var err error
		h.Run.Candidates, err = queryAllTx(ctx, t, "SELECT "+userCols+" FROM users WHERE team_id = ? AND id <> ? AND role IN ('agent', 'lead') AND status = 'active' AND archived_at IS NULL ORDER BY id",
			[]any{*person.TeamID, person.ID}, scanUser)
		if err != nil {
			return nil, err
		}
		for _, k := range holdings {
			part, err := k.Load(ctx, t, *person.TeamID)
			if err != nil {
				return nil, err
			}
			continuity.AddLoad(h.Run.Load, part)
		}
	}
	if person.BackupID != nil {
		if b, err := t.getUser(ctx, *person.BackupID); err == nil && b.Available() {
			h.Run.Backup = b
		}
	}

	// The incident row first, so every handover can point at it.
	id, err := t.insert(ctx, `INSERT INTO incidents (kind, user_id, reason, strategy, opened_by, opened_at, checklist, handed_over, risk_report)
		VALUES (?, ?, ?, ?, ?, ?, '[]', '{}', '{}')`, d.Kind, person.ID, d.Reason, d.Strategy, a.UserID, micros(t.now))
	if err != nil {
		return nil, err
	}
	*incidentID, h.IncidentID = id, id

	// 3. Everything they hold, kind by kind.
	out := continuity.Outcome{Person: person.Name, Reason: d.Reason, Resumed: resumed, Run: h.Run}
	for _, k := range holdings {
		n, err := k.Hand(ctx, t, h)
		if err != nil {
			return nil, err
		}
		out.Handed = append(out.Handed, continuity.Handed{Kind: k.Kind(), N: n, Line: k.Line(n, h)})
	}

	// 4. Tell every affected merchant who their new contact is.
	people := map[int64]*poscare.User{}
	for _, c := range h.Run.Candidates {
		people[c.ID] = c
	}
	if h.Run.Backup != nil {
		people[h.Run.Backup.ID] = h.Run.Backup
	}
	n, silent, err := t.queueNotices(ctx, id, func(mid int64) string { return fmt.Sprintf("incident:%d:merchant:%d", id, mid) }, h.Run.Plan, people)
	if err != nil {
		return nil, err
	}
	out.Notified, out.Unreachable = n, len(silent)
	if len(silent) > 0 {
		if err := t.tellEachInPerson(ctx, func(mid int64) string { return fmt.Sprintf("incident:%d:tell:%d", id, mid) }, silent, h.Run.Plan); err != nil {
			return nil, err
		}
	}

	// 5. Risk report of the last 30 days.
	if out.Risk, err = t.riskReport(ctx, person.ID); err != nil {
		return nil, err
	}

	// What the incident shows.
	cl, _ := json.Marshal(continuity.NewChecklist(t.now, a.UserID, len(h.Run.Plan)))
	sum := out.Sum()
	hs, _ := json.Marshal(sum)
	rr, _ := json.Marshal(out.Risk)
	if _, err := t.exec(ctx, "UPDATE incidents SET checklist = ?, handed_over = ?, risk_report = ? WHERE id = ?", string(cl), string(hs), string(rr), id); err != nil {
		return nil, err
	}
	if err := t.insertRows(ctx, "handovers", []string{"incident_id", "kind", "record_id", "detail", "from_user", "to_user", "at"}, h.rows); err != nil {
		return nil, err
	}
	lines := out.Timeline()
	events := make([]poscare.Event, len(lines))
	for i, l := range lines {
		events[i] = poscare.Event{At: t.now, ByID: a.UserID, Msg: l.Msg}
		if l.AtRequest {
			events[i].At = requested
		}
	}
	if err := t.insertEvents(ctx, id, events...); err != nil {
		return nil, err
	}
	after, err := t.getUser(ctx, person.ID)
	if err != nil {
		return nil, err
	}
	return h, t.record(ctx, a, "declare_"+string(d.Kind), poscare.EntityUser, person.ID, &before, map[string]any{"user": after, "incident_id": id, "handed_over": sum})
}

// riskReport is the risk report of what person did in the last 30 days:
// counted over the whole window, and the riskiest entries listed (a sort
// of one person's month, through the actor index).
func (t *Tx) riskReport(ctx context.Context, person int64) (*poscare.RiskReport, error) {
	since := continuity.RiskSince(t.now)
	counts, err := t.countsByAction(ctx, person, since)
	if err != nil {
		return nil, err
	}
	rank := "CASE action"
	for _, action := range slices.Sorted(maps.Keys(continuity.RiskRank)) {
		rank += fmt.Sprintf(" WHEN '%s' THEN %d", action, continuity.RiskRank[action])
	}
	rank += fmt.Sprintf(" ELSE %d END", continuity.RiskUnranked)
	es, err := queryAllTx(ctx, t, "SELECT "+auditCols+" FROM audit_log WHERE actor_id = ? AND at >= ? ORDER BY "+rank+", seq DESC LIMIT ?", []any{person, micros(since), continuity.RiskListed},
		func(r scanner) (*poscare.AuditEntry, error) { e, err := scanAuditRow(r); return &e, err })
	if err != nil {
		return nil, err
	}
	entries := make([]poscare.AuditEntry, len(es))
	for i, e := range es {
		entries[i] = *e
	}
	return continuity.BuildRiskReport(since, counts, entries), nil
}

// countsByAction counts a person's audit entries since a time, by action.
func (t *Tx) countsByAction(ctx context.Context, person int64, since time.Time) (map[string]int, error) {
	type tally struct {
		action string
		n      int
	}
	tallies, err := queryAllTx(ctx, t, "SELECT action, COUNT(*) FROM audit_log WHERE actor_id = ? AND at >= ? GROUP BY action", []any{person, micros(since)},
		func(r scanner) (*tally, error) { var x tally; return &x, r.Scan(&x.action, &x.n) })
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int, len(tallies))
	for _, x := range tallies {
		counts[x.action] = x.n
	}
	return counts, nil
}

// insertEvents writes lines of an incident's timeline, each as its
// message.
func (t *Tx) insertEvents(ctx context.Context, incidentID int64, es ...poscare.Event) error {
	rows := make([][]any, len(es))
	for i, e := range es {
		rows[i] = []any{incidentID, micros(e.At), e.ByID, e.Msg.Encode()}
	}
	return t.insertRows(ctx, "incident_events", []string{"incident_id", "at", "by_id", "msg"}, rows)
}

// event is one line of the timeline written now by a.
func (t *Tx) event(by int64, m poscare.Msg) poscare.Event {
	return poscare.Event{At: t.now, ByID: by, Msg: m}
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
var channelFor = continuity.NoticeChannel

// queueNotices queues, for each merchant of plan, the notice of its new
// account manager (people[plan[merchant]]) under the dedupe key key(merchant),
// tied to incident (nil: none), through the route continuity.PlanNotices
// picks. The dedupe key makes a second run queue nothing. It returns how
// many it queued and the merchants it could not reach.
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
		routes := make([]continuity.NoticeRoute, 0, 2*len(chunk))
		for r.Next() {
			var x continuity.NoticeRoute
			if err := r.Scan(&x.Merchant, &x.Name, &x.Contact, &x.Preferred, &x.Lang, &x.Kind, &x.Value); err != nil {
				r.Close()
				return 0, nil, t.s.translate(err)
			}
			routes = append(routes, x)
		}
		r.Close()
		if err := r.Err(); err != nil {
			return 0, nil, t.s.translate(err)
		}
		notices, unreachable := continuity.PlanNotices(chunk, routes, plan, people)
		silent = append(silent, unreachable...)
		for _, n := range notices {
			rows = append(rows, []any{key(n.Merchant), n.Merchant, incident, n.Channel, n.Address, n.Lang, n.Subject.Encode(), n.Body.Encode(), "queued", micros(t.now), micros(t.now)})
		}
	}
	err := t.insertRows(ctx, "outbox", []string{"dedupe_key", "merchant_id", "incident_id", "channel", "address", "lang", "subject_msg", "body_msg", "status",
		"next_attempt_at", "created_at"}, rows)
	if err == nil && len(rows) > 0 {
		err = t.enqueue(ctx, DeliverOutbox{})
	}
	return len(rows), silent, err
}

// tellEachInPerson gives each merchant's new account manager (plan) a
// follow-up to tell, by phone or in person, a merchant the playbook could
// not message, under the dedupe key key(merchant): the merchants' names
// in a few statements, the tasks in a few more.
func (t *Tx) tellEachInPerson(ctx context.Context, key func(int64) string, merchants []int64, plan map[int64]int64) error {
	names := make(map[int64]string, len(merchants))
	err := inChunks(merchants, func(in string, args []any) error {
		rows, err := t.query(ctx, "SELECT id, legal_name FROM merchants WHERE id IN "+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return t.s.translate(err)
			}
			names[id] = name
		}
		return t.s.translate(rows.Err())
	})
	if err != nil {
		return err
	}
	tasks := make([]newTask, 0, len(merchants))
	due := t.now.Add(24 * time.Hour)
	for _, mid := range merchants {
		tasks = append(tasks, newTask{dedupeKey: key(mid), kind: TaskFollowUp, userID: plan[mid], merchantID: mid, title: continuity.TellInPersonTitle(names[mid]), due: due})
	}
	return t.insertTasks(ctx, tasks)
}

// MarkIncidentsInformed ticks "merchants informed" on every open incident
// whose notices have all been delivered (each merchant has one sent
// message), with a line in the timeline. The playbook.informed job calls it when a
// delivery empties the queue, and periodically. It returns how many incidents it ticked.
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
			if continuity.AwaitingInformed(items) < 0 {
				continue
			}
			var total, sent int
			if err := t.queryRow(ctx, `SELECT COUNT(DISTINCT merchant_id), COUNT(DISTINCT CASE WHEN status = 'sent' THEN merchant_id END)
				FROM outbox WHERE incident_id = ? AND merchant_id IS NOT NULL`, x.id).Scan(&total, &sent); err != nil {
				return t.s.translate(err)
			}
			if !continuity.Informed(total, sent) {
				continue
			}
			before := append([]poscare.CheckItem(nil), items...)
			continuity.Tick(items, poscare.CheckMerchantsInformed, t.now, 0, "")
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
			if err := t.insertEvents(ctx, x.id, t.event(0, continuity.InformedLine(total))); err != nil {
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
	rows, err := t.query(ctx, "SELECT at, by_id, msg FROM incident_events WHERE incident_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	x.Timeline = []poscare.Event{}
	for rows.Next() {
		var e poscare.Event
		var at int64
		var msg string
		if err := rows.Scan(&at, &e.ByID, &msg); err != nil {
			return nil, t.s.translate(err)
		}
		// Put into words now, in both languages: the reader picks one.
		e.At, e.Msg = fromMicros(at), poscare.DecodeMsg(msg)
		e.Text = e.Msg.Text()
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
	if !continuity.KnownCheck(item) {
		p := poscare.Problems{}
		p.Say("item", "playbook.check.unknown")
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
		line := continuity.Tick(x.Checklist, item, t.now, a.UserID, notes)
		cl, _ := json.Marshal(x.Checklist)
		if _, err := t.exec(ctx, "UPDATE incidents SET checklist = ? WHERE id = ?", string(cl), id); err != nil {
			return err
		}
		if err := t.insertEvents(ctx, id, t.event(a.UserID, line)); err != nil {
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
			return poscare.Fail(poscare.EConflict, "playbook.error.not_back_yet")
		}
		var handed []continuity.ReturnMove
		rows, err := t.query(ctx, "SELECT record_id, to_user FROM handovers WHERE incident_id = ? AND kind = 'merchant' AND detail = ''", incidentID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var b continuity.ReturnMove
			var to sql.NullInt64
			if err := rows.Scan(&b.Merchant, &to); err != nil {
				rows.Close()
				return t.s.translate(err)
			}
			b.To = to.Int64
			handed = append(handed, b)
		}
		rows.Close()
		moves := continuity.Returning(handed, only)
		for _, b := range moves {
			res, err := t.exec(ctx, "UPDATE merchants SET account_manager_id = ?, updated_at = ? WHERE id = ? AND account_manager_id = ?", person.ID, micros(t.now), b.Merchant, b.To)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if _, err := t.exec(ctx, "UPDATE handovers SET detail = 'returned' WHERE incident_id = ? AND kind = 'merchant' AND record_id = ?", incidentID, b.Merchant); err != nil {
				return err
			}
			if err := t.record(ctx, a, "return", poscare.EntityMerchant, b.Merchant,
				json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d}`, b.To)), json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d,"incident_id":%d}`, person.ID, incidentID))); err != nil {
				return err
			}
			returned++
		}
		return t.insertEvents(ctx, incidentID, t.event(a.UserID, continuity.ReturnedLine(returned, person.Name)))
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
	if err := continuity.CanReturnOn(x.ID, latest, person.Archived != nil); err != nil {
		return err
	}
	before := *person
	reason := continuity.ReturnReason(x.ID)
	if _, err := t.exec(ctx, "UPDATE users SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?", poscare.UserActive, reason.Encode(), micros(t.now), person.ID); err != nil {
		return err
	}
	person.Status, person.UpdatedAt = poscare.UserActive, t.now
	person.SetSystemReason(reason)
	if err := t.insertEvents(ctx, x.ID, t.event(a.UserID, continuity.BackAtWorkLine(person.Name))); err != nil {
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
		if err := t.insertEvents(ctx, id, t.event(a.UserID, continuity.ClosedLine())); err != nil {
			return err
		}
		return t.record(ctx, a, "close", poscare.EntityIncident, id, nil, nil)
	})
}
