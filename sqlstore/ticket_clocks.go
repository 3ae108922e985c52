package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"poscare"
	"poscare/servicedesk"
	"poscare/workcal"
)

// A ticket's clocks are replayed from its history after every step
// (servicedesk.Clocks) and kept in ticket_clocks, with the next
// escalation rung and when it is due; SweepTickets fires the rungs that
// are due, reading only those through the next_rung_at index.

// rungDone marks a run whose every rung fired.
const rungDone servicedesk.Level = "done"

const clockCols = "clock, target_s, started_at, used_s, paused_s, running, waiting, due_at, warn_at, met_at, breached_at, next_rung, next_rung_at"

// storedClock is a ticket_clocks row.
type storedClock struct {
	servicedesk.ClockState
	ticket     int64
	nextRung   servicedesk.Level
	nextRungAt *time.Time
}

func scanClock(r scanner) (*storedClock, error) {
	var c storedClock
	var target, started, used, paused int64
	var due, warn, met, breached, rungAt sql.NullInt64
	if err := r.Scan(&c.ticket, &c.Clock, &target, &started, &used, &paused, &c.Running, &c.Waiting, &due, &warn, &met, &breached, &c.nextRung, &rungAt); err != nil {
		return nil, err
	}
	c.Target, c.Started, c.Used, c.Paused = time.Duration(target)*time.Second, fromMicros(started), time.Duration(used)*time.Second, time.Duration(paused)*time.Second
	for _, x := range []struct {
		v  sql.NullInt64
		to *time.Time
	}{{due, &c.Due}, {warn, &c.Warn}, {met, &c.Met}, {breached, &c.BreachedAt}} {
		if x.v.Valid {
			*x.to = fromMicros(x.v.Int64)
		}
	}
	c.Breached = breached.Valid
	c.nextRungAt = timePtr(rungAt)
	return &c, nil
}

// attachClocks reads the clocks of a page of tickets at once.
func (t *Tx) attachClocks(ctx context.Context, vs []*TicketView) error {
	if len(vs) == 0 {
		return nil
	}
	byID := map[int64]*TicketView{}
	ids := make([]int64, 0, len(vs))
	for _, v := range vs {
		byID[v.ID] = v
		v.Clocks = []servicedesk.ClockState{}
		ids = append(ids, v.ID)
	}
	return inChunks(ids, func(in string, args []any) error {
		rows, err := queryAllTx(ctx, t, "SELECT ticket_id, "+clockCols+" FROM ticket_clocks WHERE ticket_id IN "+in+" ORDER BY ticket_id, clock", args, scanClock)
		for _, c := range rows {
			byID[c.ticket].Clocks = append(byID[c.ticket].Clocks, c.ClockState)
		}
		return err
	})
}

// clockHistory is a ticket's history as its clocks see it.
func (t *Tx) clockHistory(ctx context.Context, ticket int64) ([]servicedesk.Event, error) {
	rows, err := t.query(ctx, "SELECT at, kind, status FROM ticket_events WHERE ticket_id = ? ORDER BY at, id", ticket)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []servicedesk.Event
	for rows.Next() {
		var at int64
		var e servicedesk.Event
		if err := rows.Scan(&at, &e.Kind, &e.Status); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// liveClocks replays a ticket's clocks as of now without writing them:
// what one ticket's page shows between two steps.
func (t *Tx) liveClocks(ctx context.Context, v *TicketView) ([]servicedesk.ClockState, error) {
	var policy *servicedesk.Policy
	var err error
	if v.PolicyID != nil {
		if policy, err = scanPolicy(t.queryRow(ctx, "SELECT "+policyCols+" FROM sla_policies WHERE id = ?", *v.PolicyID)); err != nil {
			return nil, t.s.translate(err)
		}
	}
	cal, err := t.calendar(ctx)
	if err != nil {
		return nil, err
	}
	history, err := t.clockHistory(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	return servicedesk.Clocks(policy, cal, history, t.now), nil
}

// settleTicket replays a ticket's clocks, writes them with their next
// rung, and returns the ticket as it now stands.
func (t *Tx) settleTicket(ctx context.Context, id int64) (*TicketView, error) {
	v, err := scanTicket(t.queryRow(ctx, "SELECT "+ticketCols+" FROM tickets k WHERE k.id = ?", id))
	if err != nil {
		return nil, t.s.translate(err)
	}
	var policy *servicedesk.Policy
	if v.PolicyID != nil {
		if policy, err = scanPolicy(t.queryRow(ctx, "SELECT "+policyCols+" FROM sla_policies WHERE id = ?", *v.PolicyID)); err != nil {
			return nil, t.s.translate(err)
		}
	}
	cal, err := t.calendar(ctx)
	if err != nil {
		return nil, err
	}
	history, err := t.clockHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	before, err := queryAllTx(ctx, t, "SELECT ticket_id, "+clockCols+" FROM ticket_clocks WHERE ticket_id = ?", []any{id}, scanClock)
	if err != nil {
		return nil, err
	}
	v.Clocks = servicedesk.Clocks(policy, cal, history, t.now)
	if _, err := t.exec(ctx, "DELETE FROM ticket_clocks WHERE ticket_id = ?", id); err != nil {
		return nil, err
	}
	for _, c := range v.Clocks {
		level, at := t.nextRung(c, policy, cal, before)
		if _, err := t.exec(ctx, "INSERT INTO ticket_clocks (ticket_id, "+clockCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			id, c.Clock, int64(c.Target/time.Second), micros(c.Started), int64(c.Used/time.Second), int64(c.Paused/time.Second), c.Running, c.Waiting,
			zeroNull(c.Due), zeroNull(c.Warn), zeroNull(c.Met), zeroNull(c.BreachedAt), level, zeroNull(at)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// nextRung is the rung a clock's run has not fired yet, and when: the
// run's first rung for a new run, else the one stored before.
func (t *Tx) nextRung(c servicedesk.ClockState, p *servicedesk.Policy, cal *workcal.Calendar, before []*storedClock) (servicedesk.Level, time.Time) {
	if p == nil {
		return "", time.Time{}
	}
	rungs := servicedesk.Rungs(c, cal, p.BusinessHours, t.s.Desk.EscalationStep)
	if len(rungs) == 0 {
		return "", time.Time{}
	}
	from := 0
	for _, b := range before {
		if b.Clock != c.Clock || !b.Started.Equal(c.Started) || b.nextRung == "" {
			continue // another clock, a new run, or a run that had none
		}
		from = len(rungs) // rungDone: every rung of this run fired
		if b.nextRung != rungDone {
			from = slices.Index(servicedesk.Levels, b.nextRung)
		}
	}
	if from < 0 || from >= len(rungs) {
		return "", time.Time{}
	}
	return rungs[from].Level, rungs[from].At
}

func zeroNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

// resettleOpenTickets counts every open ticket's deadlines again (the
// calendar changed).
func (t *Tx) resettleOpenTickets(ctx context.Context) error {
	ids, err := t.openTicketIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := t.settleTicket(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// rematchOpenTickets holds every open ticket to the policy that matches
// it now and counts its deadlines again (a policy changed).
func (t *Tx) rematchOpenTickets(ctx context.Context) error {
	policies, err := t.policies(ctx)
	if err != nil {
		return err
	}
	ids, err := t.openTicketIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		v, err := scanTicket(t.queryRow(ctx, "SELECT "+ticketCols+" FROM tickets k WHERE k.id = ?", id))
		if err != nil {
			return t.s.translate(err)
		}
		var pid *int64
		if p := servicedesk.PolicyFor(policies, &v.Ticket); p != nil {
			pid = &p.ID
		}
		if _, err := t.exec(ctx, "UPDATE tickets SET policy_id = ? WHERE id = ?", nullInt(pid), id); err != nil {
			return err
		}
		if _, err := t.settleTicket(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) openTicketIDs(ctx context.Context) ([]int64, error) {
	rows, err := t.query(ctx, "SELECT id FROM tickets WHERE status NOT IN ('resolved', 'closed') ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SweepTickets fires the escalation rungs that are due, at most limit of
// them, and returns how many it fired. Each is claimed by the update that
// moves its clock to the next rung, in the transaction that queues its
// message, so two instances sweeping at once fire it once. A rung that is
// not urgent waits for the desk's working hours.
func (s *Store) SweepTickets(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	fired := 0
	err := s.inWrite(ctx, func(t *Tx) error {
		fired = 0
		due, err := queryAllTx(ctx, t, "SELECT ticket_id, "+clockCols+" FROM ticket_clocks WHERE next_rung_at <= ? ORDER BY next_rung_at LIMIT ?",
			[]any{micros(t.now), limit}, scanClock)
		if err != nil {
			return err
		}
		cal, err := t.calendar(ctx)
		if err != nil {
			return err
		}
		for _, c := range due {
			ok, err := t.fireRung(ctx, c, cal)
			if err != nil {
				return err
			}
			if ok {
				fired++
			}
		}
		return nil
	})
	return fired, err
}

// fireRung tells whoever stands on a clock's due rung, or, out of hours
// for a ticket that is not urgent, moves the rung to the next working
// instant; then it points the clock at the following rung.
func (t *Tx) fireRung(ctx context.Context, c *storedClock, cal *workcal.Calendar) (bool, error) {
	v, err := scanTicket(t.queryRow(ctx, "SELECT "+ticketCols+" FROM tickets k WHERE k.id = ?", c.ticket))
	if err != nil {
		return false, t.s.translate(err)
	}
	urgent := v.Priority == servicedesk.PriorityUrgent
	if at := servicedesk.NotifyAt(t.now, urgent, cal); at.After(t.now) {
		_, err := t.exec(ctx, "UPDATE ticket_clocks SET next_rung_at = ? WHERE ticket_id = ? AND clock = ? AND next_rung = ?", micros(at), c.ticket, c.Clock, c.nextRung)
		return false, err
	}
	var policy *servicedesk.Policy
	if v.PolicyID != nil {
		if policy, err = scanPolicy(t.queryRow(ctx, "SELECT "+policyCols+" FROM sla_policies WHERE id = ?", *v.PolicyID)); err != nil {
			return false, t.s.translate(err)
		}
	}
	next, nextAt := rungDone, time.Time{}
	if policy != nil {
		rungs := servicedesk.Rungs(c.ClockState, cal, policy.BusinessHours, t.s.Desk.EscalationStep)
		if i := slices.IndexFunc(rungs, func(r servicedesk.Rung) bool { return r.Level == c.nextRung }); i >= 0 && i+1 < len(rungs) {
			next, nextAt = rungs[i+1].Level, rungs[i+1].At
		}
	}
	res, err := t.exec(ctx, "UPDATE ticket_clocks SET next_rung = ?, next_rung_at = ? WHERE ticket_id = ? AND clock = ? AND next_rung = ?",
		next, zeroNull(nextAt), c.ticket, c.Clock, c.nextRung)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, err // another sweep fired it
	}
	chain, err := t.ticketChain(ctx, v)
	if err != nil {
		return false, err
	}
	to := servicedesk.RecipientFor(c.nextRung, chain)
	m, err := t.getMerchant(ctx, v.MerchantID)
	if err != nil {
		return false, err
	}
	key := "ticket:" + v.Ref + ":" + string(c.Clock) + ":" + string(c.nextRung) + ":" + c.Started.Format("20060102150405")
	subject, body := servicedesk.EscalationAlert(c.nextRung, c.Clock, &v.Ticket, m.LegalName)
	name := ""
	if to.UserID != nil {
		u, err := t.getUser(ctx, *to.UserID)
		if err != nil {
			return false, err
		}
		name = u.Name
		if err := t.tellStaff(ctx, *to.UserID, key, subject, body); err != nil {
			return false, err
		}
	} else {
		about := chain.Assignee
		if about == nil {
			about = &poscare.User{TeamID: v.TeamID}
		}
		if err := t.alertStaff(ctx, about, key, subject, body); err != nil {
			return false, err
		}
	}
	system := poscare.SystemActor("sla")
	if _, err := t.ticketEvent(ctx, system, v.ID, servicedesk.EventEscalated, "", "", false, "",
		servicedesk.EscalationLine(c.nextRung, c.Clock, servicedesk.RecipientName(name)), ""); err != nil {
		return false, err
	}
	// The clocks as they stand now: a breach is marked when its rung fires.
	if _, err := t.settleTicket(ctx, v.ID); err != nil {
		return false, err
	}
	return true, t.record(ctx, system, "ticket_escalate", servicedesk.EntityTicket, v.ID, nil, map[string]any{"clock": c.Clock, "level": c.nextRung, "to": to})
}

// ticketChain is who stands on the escalation chain of a ticket: its
// assignee, their backup, the team's lead.
func (t *Tx) ticketChain(ctx context.Context, v *TicketView) (servicedesk.Chain, error) {
	var c servicedesk.Chain
	var err error
	if v.AssigneeID != nil {
		if c.Assignee, err = t.getUser(ctx, *v.AssigneeID); err != nil {
			return c, err
		}
		if c.Assignee.BackupID != nil {
			if c.Backup, err = t.getUser(ctx, *c.Assignee.BackupID); err != nil {
				return c, err
			}
		}
	}
	if v.TeamID != nil {
		lead, err := t.teamLead(ctx, *v.TeamID)
		if err != nil {
			return c, err
		}
		if lead != nil && (c.Assignee == nil || *lead != c.Assignee.ID) {
			if c.Lead, err = t.getUser(ctx, *lead); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

// TicketSweep is the job that fires the escalation rungs that are due
// (SweepTickets), every TicketSweepEvery, on one instance at a time.
type TicketSweep struct{}

// Kind names the job.
func (TicketSweep) Kind() string { return "tickets.sweep" }

// TicketSweepEvery is how often the due rungs are looked for: a warning
// or an escalation goes out at most this late.
const TicketSweepEvery = 30 * time.Second
