package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"poscare"
	"poscare/continuity"
)

// Silence: the rules (which signals, their thresholds, the reason) are
// continuity's (continuity.Detect); storage loads each registered
// signal's count per person, marks the people detection suspects and
// raises the alert it words.

// RecordContactAttempt notes that the actor tried and failed to reach a
// staff member (no answer, number disconnected, blocked). It is a write:
// only the roles the permission table lets create contact attempts (leads,
// ops, agents) may record one, about a person they can see other than
// themselves.
func (s *Store) RecordContactAttempt(ctx context.Context, a poscare.Actor, userID int64, outcome, notes string) error {
	if !a.Can(poscare.EntityContactAttempt, poscare.ActCreate) {
		return poscare.Forbidden()
	}
	if err := continuity.CheckAttempt(a.UserID, userID, outcome, notes); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		u, err := t.getUser(ctx, userID)
		if err != nil || !a.CanSeeUser(u) || !u.Role.IsStaff() {
			return poscare.NotFound(poscare.EntityUser)
		}
		if _, err := t.exec(ctx, "INSERT INTO contact_attempts (user_id, by_id, outcome, notes, at) VALUES (?, ?, ?, ?, ?)", userID, a.UserID, outcome, strings.TrimSpace(notes), micros(t.now)); err != nil {
			return err
		}
		return t.record(ctx, a, "contact_attempt", poscare.EntityUser, userID, nil, map[string]string{"outcome": outcome, "notes": notes})
	})
}

// Silence is a staff member whose signals look like they cannot be
// reached: days without activity, failed contact attempts by colleagues in
// the policy's window, and open tasks past their deadline (and any signal
// a capability registers, in Readings).
type Silence struct {
	User       *poscare.User `json:"user"`
	DaysSilent int           `json:"days_silent"`
	// ColleaguesFailed is how many distinct colleagues failed to reach
	// them in the window, however often each tried.
	ColleaguesFailed int `json:"colleagues_failed"`
	OverdueTasks     int `json:"overdue_tasks"`
	// Readings are every registered signal's count, by name.
	Readings continuity.Readings `json:"-"`
}

// Crossed names the signals that cross the policy's thresholds, in words,
// for the person's status reason and the alert.
func (si Silence) Crossed(p poscare.ContinuityPolicy) poscare.Text {
	return continuity.Detect(si.Readings, p).Reason.Text()
}

// signalCount loads one silence signal: a query yielding rows (user_id,
// n), the signal's count per person, at a time under a policy.
type signalCount func(now time.Time, p poscare.ContinuityPolicy) (query string, args []any)

// signalCounts are the registered signals' queries by name. Inactivity
// (continuity.SignalDaysSilent) is read from the person's row instead. A
// capability that registers a signal with continuity registers its count
// here (registerSignalCount), in its own file.
var signalCounts = map[string]signalCount{}

// registerSignalCount adds the query of a silence signal's count. It
// returns true, to register as a variable declaration.
func registerSignalCount(name string, c signalCount) bool {
	if _, dup := signalCounts[name]; dup {
		panic("sqlstore: silence signal counted twice: " + name)
	}
	signalCounts[name] = c
	return true
}

var _ = registerSignalCount(continuity.SignalColleaguesFailed, func(now time.Time, p poscare.ContinuityPolicy) (string, []any) {
	return "SELECT user_id, COUNT(DISTINCT by_id) AS n FROM contact_attempts WHERE at >= ? GROUP BY user_id",
		[]any{micros(continuity.AttemptsSince(now, p))}
})

var _ = registerSignalCount(continuity.SignalOverdueTasks, func(now time.Time, p poscare.ContinuityPolicy) (string, []any) {
	in, args := inList(continuity.OwedToMerchants)
	return "SELECT user_id, COUNT(*) AS n FROM tasks WHERE done_at IS NULL AND due_at < ? AND kind IN " + in + " GROUP BY user_id",
		append([]any{micros(now)}, args...)
})

// uncountedSignals are the registered signals storage loads no count of
// (they count 0): none, or a capability forgot its query.
func uncountedSignals() []string {
	var out []string
	for _, sg := range continuity.Signals() {
		if _, ok := signalCounts[sg.Name]; !ok && sg.Name != continuity.SignalDaysSilent {
			out = append(out, sg.Name)
		}
	}
	return out
}

// silences finds active agents and leads whom detection suspects: the
// candidates are those with a signal at its threshold, found in one
// query; detection weighs their readings.
func (t *Tx) silences(ctx context.Context) ([]Silence, error) {
	p := t.s.Policy
	thresholds := continuity.Thresholds(p)
	cond := "COALESCE(last_seen_at, created_at) < ?"
	args := []any{micros(continuity.SilentSince(t.now, p))}
	for _, sg := range continuity.Signals() {
		count, ok := signalCounts[sg.Name]
		if !ok {
			continue
		}
		q, qa := count(t.now, p)
		cond += " OR id IN (SELECT user_id FROM (" + q + ") c WHERE n >= ?)"
		args = append(append(args, qa...), thresholds[sg.Name])
	}
	users, err := queryAllTx(ctx, t, "SELECT "+userCols+" FROM users WHERE role IN ('agent', 'lead') AND status = 'active' AND archived_at IS NULL AND ("+cond+") ORDER BY id",
		args, scanUser)
	if err != nil {
		return nil, err
	}
	all, err := t.signals(ctx, users)
	if err != nil {
		return nil, err
	}
	out := make([]Silence, 0, len(all))
	for _, si := range all {
		if continuity.Detect(si.Readings, p).Suspected() {
			out = append(out, si)
		}
	}
	return out, nil
}

// signals measures people's silence signals now: one query per
// registered signal, for all of them at once.
func (t *Tx) signals(ctx context.Context, users []*poscare.User) ([]Silence, error) {
	out := make([]Silence, len(users))
	if len(users) == 0 {
		return out, nil
	}
	ids := make([]int64, len(users))
	at := make(map[int64]int, len(users))
	for i, u := range users {
		ids[i], at[u.ID] = u.ID, i
		d := continuity.DaysSilent(u, t.now)
		out[i] = Silence{User: u, DaysSilent: d, Readings: continuity.Readings{continuity.SignalDaysSilent: d}}
	}
	type reading struct {
		user int64
		n    int
	}
	for _, sg := range continuity.Signals() {
		count, ok := signalCounts[sg.Name]
		if !ok {
			continue
		}
		for start := 0; start < len(ids); start += 500 {
			q, args := count(t.now, t.s.Policy)
			in, inArgs := inList(ids[start:min(start+500, len(ids))])
			rs, err := queryAllTx(ctx, t, "SELECT user_id, n FROM ("+q+") c WHERE user_id IN "+in, append(args, inArgs...),
				func(r scanner) (*reading, error) { var x reading; return &x, r.Scan(&x.user, &x.n) })
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				out[at[r.user]].Readings[sg.Name] = r.n
			}
		}
	}
	for i := range out {
		out[i].ColleaguesFailed = out[i].Readings[continuity.SignalColleaguesFailed]
		out[i].OverdueTasks = out[i].Readings[continuity.SignalOverdueTasks]
	}
	return out, nil
}

// SweepSilence marks every staff member whom silence detection suspects
// as unreachable (suspected), with the signals as the reason, and alerts
// their lead and ops. The background worker runs it; it is safe to run
// often, and on several instances at once: each person is marked (and
// alerted about) by the one sweep whose update finds them still active.
// It returns the people it marked.
func (s *Store) SweepSilence(ctx context.Context) ([]Silence, error) {
	var marked []Silence
	sys := poscare.SystemActor("silence")
	err := s.inWrite(ctx, func(t *Tx) error {
		marked = nil // afresh on every run: inWrite may retry
		found, err := t.silences(ctx)
		if err != nil {
			return err
		}
		for _, si := range found {
			why := continuity.Detect(si.Readings, t.s.Policy)
			// Written by the system, the reason is stored as its message,
			// so that each reader reads it in their language.
			reason := why.Reason.Encode()
			res, err := t.exec(ctx, "UPDATE users SET status = 'unreachable', status_reason = ?, updated_at = ? WHERE id = ? AND status = 'active'", reason, micros(t.now), si.User.ID)
			if err != nil {
				return err
			}
			// Another instance's sweep (or a lead) changed the status since
			// it was read: that change is on record already, not this one.
			if k, _ := res.RowsAffected(); k == 0 {
				continue
			}
			after := *si.User
			after.Status = poscare.UserUnreachable
			after.SetSystemReason(why.Reason)
			if err := t.record(ctx, sys, "status", poscare.EntityUser, si.User.ID, si.User, &after); err != nil {
				return err
			}
			if err := t.raise(ctx, continuity.UnreachableAlert(si.User, why, t.now)); err != nil {
				return err
			}
			marked = append(marked, si)
		}
		return nil
	})
	return marked, err
}

// raise queues an alert a rule decided on to its audience.
func (t *Tx) raise(ctx context.Context, al continuity.Alert) error {
	switch al.To {
	case continuity.ToStaff:
		return t.tellStaff(ctx, al.About, al.Key, al.Subject, al.Body)
	case continuity.ToLeadAndOps:
		about, err := t.getUser(ctx, al.About)
		if err != nil {
			return err
		}
		return t.alertStaff(ctx, about, al.Key, al.Subject, al.Body)
	}
	return fmt.Errorf("sqlstore: an alert to nobody known (%q): %s", al.To, al.Key)
}

// alertStaff queues an alert about a person to their team lead, to every
// ops user at work and to the service centre, each in the language the
// reader uses the console in (the centre: Chinese), through every one of
// the store's AlertChannels the reader has an address for: the whole alert
// by email, its subject by SMS and WeChat (the centre's number is a
// hotline, so it gets email only). key names the alert: one message per key and address,
// however often it is raised.
func (t *Tx) alertStaff(ctx context.Context, about *poscare.User, key string, subject, body poscare.Msg) error {
	// Ops at work, and the team's lead unless gone (a lead on leave still
	// reads mail), never the person the alert is about.
	who := "role = 'ops' AND status = 'active'"
	args := []any{}
	if about.TeamID != nil {
		who = "(" + who + ") OR (id IN (SELECT lead_id FROM teams WHERE id = ?) AND status NOT IN ('missing', 'departed'))"
		args = append(args, *about.TeamID)
	}
	q := "SELECT email, mobile, wechat, lang FROM users WHERE (" + who + ") AND id <> ? AND archived_at IS NULL ORDER BY id"
	args = append(args, about.ID)
	readers, err := queryAllTx(ctx, t, q, args, func(r scanner) (*reader, error) {
		var x reader
		return &x, r.Scan(&x.email, &x.mobile, &x.wechat, &x.lang)
	})
	if err != nil {
		return err
	}
	if t.s.ServiceCentre.Email != "" {
		readers = append(readers, &reader{email: t.s.ServiceCentre.Email, lang: "zh"})
	}
	return t.queueForStaff(ctx, readers, key, subject, body)
}

// tellStaff queues a message to one staff member, as alertStaff does to
// many: the whole text by email, the subject by SMS and WeChat.
func (t *Tx) tellStaff(ctx context.Context, userID int64, key string, subject, body poscare.Msg) error {
	var r reader
	if err := t.queryRow(ctx, "SELECT email, mobile, wechat, lang FROM users WHERE id = ?", userID).Scan(&r.email, &r.mobile, &r.wechat, &r.lang); err != nil {
		return t.s.translate(err)
	}
	return t.queueForStaff(ctx, []*reader{&r}, key, subject, body)
}

// reader is a staff member's addresses and language, for messages.
type reader struct{ email, mobile, wechat, lang string }

// queueForStaff queues one message per reader and configured channel they
// have an address for; key names the message, so it is queued once per
// address however often it is raised.
func (t *Tx) queueForStaff(ctx context.Context, readers []*reader, key string, subject, body poscare.Msg) error {
	seen := map[string]bool{}
	for _, r := range readers {
		for _, channel := range t.s.AlertChannels {
			addr, text := r.email, body
			if channel == "sms" || channel == "wechat" {
				addr = map[string]string{"sms": r.mobile, "wechat": r.wechat}[channel]
				text = poscare.ShortAlert(subject)
			}
			if addr == "" || seen[channel+":"+addr] {
				continue
			}
			seen[channel+":"+addr] = true
			k := key + ":" + addr
			if _, err := t.exec(ctx, `INSERT INTO outbox (dedupe_key, channel, address, lang, subject_msg, body_msg, status, next_attempt_at, created_at)
				SELECT ?, ?, ?, ?, ?, ?, 'queued', ?, ? WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE dedupe_key = ?)
				ON CONFLICT (dedupe_key) DO NOTHING`,
				k, channel, addr, r.lang, subject.Encode(), text.Encode(), micros(t.now), micros(t.now), k); err != nil {
				return err
			}
			if err := t.enqueue(ctx, DeliverOutbox{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Continuity is what the continuity dashboard shows, over what the actor
// may see.
type Continuity struct {
	WithoutBackup []*poscare.User     `json:"agents_without_backup"`
	Unreachable   []Silence           `json:"unreachable"`
	Incidents     []*poscare.Incident `json:"open_incidents"`
	ToCentre      int                 `json:"merchants_to_service_centre"`
	// CentreMerchants are the first 50 of them, to pick up by name.
	CentreMerchants []MerchantRef        `json:"service_centre_merchants"`
	BulkBlocked     []poscare.AuditEntry `json:"bulk_deletions_blocked"`
	Coverage        *Coverage            `json:"coverage"` // merchants without a backup, each person's load
}

// MerchantRef names a merchant in a list.
type MerchantRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ContinuityStatus gathers the continuity dashboard: agents without an
// available backup, staff marked or suspected unreachable with their
// signals, open incidents, how many merchants' service contact has fallen
// to the service centre, and bulk deletions blocked in the last 7 days.
func (s *Store) ContinuityStatus(ctx context.Context, a poscare.Actor) (*Continuity, error) {
	if !a.Can(poscare.EntityUser, poscare.ActStatus) {
		return nil, poscare.Forbidden()
	}
	out := &Continuity{}
	err := s.inRead(ctx, func(t *Tx) error {
		users, err := queryAllTx(ctx, t, "SELECT "+prefixed("u.", userCols)+` FROM users u LEFT JOIN users b ON b.id = u.backup_id
			WHERE u.role = 'agent' AND u.status = 'active' AND u.archived_at IS NULL
			AND (b.id IS NULL OR b.status <> 'active' OR b.archived_at IS NOT NULL) ORDER BY u.id`, nil, scanUser)
		if err != nil {
			return err
		}
		for _, u := range users {
			if a.CanSeeUser(u) {
				out.WithoutBackup = append(out.WithoutBackup, u)
			}
		}
		marked, err := queryAllTx(ctx, t, "SELECT "+userCols+" FROM users WHERE status = 'unreachable' AND archived_at IS NULL ORDER BY id", nil, scanUser)
		if err != nil {
			return err
		}
		suspects, err := t.silences(ctx)
		if err != nil {
			return err
		}
		var visible []*poscare.User
		for _, u := range marked {
			if a.CanSeeUser(u) {
				visible = append(visible, u)
			}
		}
		measured, err := t.signals(ctx, visible)
		if err != nil {
			return err
		}
		out.Unreachable = append(out.Unreachable, measured...)
		for _, si := range suspects {
			if a.CanSeeUser(si.User) {
				out.Unreachable = append(out.Unreachable, si)
			}
		}
		if out.Coverage, err = t.coverage(ctx, a); err != nil {
			return err
		}
		cond, args := t.s.scopeSQL(a.MerchantScope())
		// Driven by the few account managers who are neither at work nor
		// covered, through the manager index: never a pass over all
		// merchants (the planner, seeing giant portfolios in its
		// statistics, would choose one).
		type person struct{ id int64 }
		away, err := queryAllTx(ctx, t, `SELECT am.id FROM users am LEFT JOIN users cv ON cv.id = am.cover_id
			WHERE NOT (am.status = 'active' AND am.archived_at IS NULL)
			AND NOT (am.status = 'on_leave' AND COALESCE(cv.status, '') = 'active' AND cv.archived_at IS NULL)
			AND EXISTS (SELECT 1 FROM merchants WHERE account_manager_id = am.id)`, nil,
			func(r scanner) (*person, error) { var p person; return &p, r.Scan(&p.id) })
		if err != nil {
			return err
		}
		for start := 0; start < len(away); start += 500 {
			ids := make([]int64, 0, 500)
			for _, p := range away[start:min(start+500, len(away))] {
				ids = append(ids, p.id)
			}
			in, inArgs := inList(ids)
			from := "merchants m"
			if t.s.dialect == SQLite {
				from += " INDEXED BY merchants_manager"
			}
			fallen := from + `
				LEFT JOIN users bk ON bk.id = m.backup_manager_id
				JOIN teams tm ON tm.id = m.team_id LEFT JOIN users ld ON ld.id = tm.lead_id
				WHERE m.account_manager_id IN ` + in + ` AND m.archived_at IS NULL AND ` + cond + `
				AND (bk.id IS NULL OR bk.status <> 'active' OR bk.archived_at IS NOT NULL)
				AND (ld.id IS NULL OR ld.status <> 'active' OR ld.archived_at IS NOT NULL)`
			var n int
			if err := t.queryRow(ctx, "SELECT COUNT(*) FROM "+fallen, append(inArgs, args...)...).Scan(&n); err != nil {
				return t.s.translate(err)
			}
			out.ToCentre += n
			// The first of them by name, for someone to pick up now.
			if room := 50 - len(out.CentreMerchants); n > 0 && room > 0 {
				ms, err := queryAllTx(ctx, t, "SELECT m.id, m.legal_name FROM "+fallen+" ORDER BY m.id LIMIT ?", append(append(inArgs, args...), room),
					func(r scanner) (*MerchantRef, error) { var x MerchantRef; return &x, r.Scan(&x.ID, &x.Name) })
				if err != nil {
					return err
				}
				for _, m := range ms {
					out.CentreMerchants = append(out.CentreMerchants, *m)
				}
			}
		}
		// Through the entity index: entries about users are few beside
		// those about merchants.
		blocked, err := queryAllTx(ctx, t, "SELECT "+auditCols+" FROM audit_log WHERE entity = 'user' AND action = 'bulk_blocked' AND at >= ? ORDER BY seq DESC LIMIT 50",
			[]any{micros(t.now.AddDate(0, 0, -7))}, func(r scanner) (*poscare.AuditEntry, error) { e, err := scanAuditRow(r); return &e, err })
		if err != nil {
			return err
		}
		for _, e := range blocked {
			if u, err := t.getUser(ctx, e.EntityID); err == nil && a.CanSeeUser(u) {
				out.BulkBlocked = append(out.BulkBlocked, *e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if a.Can(poscare.EntityIncident, poscare.ActRead) {
		out.Incidents, _ = s.ListIncidents(ctx, a, true, poscare.Page{Limit: 50})
	}
	return out, nil
}
