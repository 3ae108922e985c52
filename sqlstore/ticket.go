package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"poscare"
	"poscare/servicedesk"
)

// The service desk's storage: tickets, their history, the state of their
// clocks (ticket_clocks.go), who holds them when a person goes
// (holding_tickets.go), and the policies and the calendar (desk.go). The
// rules are servicedesk's; this file loads, asks and writes.

// TicketEvent is one step of a ticket's history.
type TicketEvent struct {
	ID       int64                 `json:"id"`
	TicketID int64                 `json:"ticket_id"`
	At       time.Time             `json:"at"`
	Kind     servicedesk.EventKind `json:"kind"`
	Status   servicedesk.Status    `json:"status,omitempty"`
	ActorID  *int64                `json:"actor_id,omitempty"`
	Channel  servicedesk.Channel   `json:"channel,omitempty"`
	Public   bool                  `json:"public"`
	Body     string                `json:"body,omitempty"`
	Msg      poscare.Msg           `json:"-"`
	Text     poscare.Text          `json:"text"` // Msg in both languages
}

// TicketView is a ticket with its clocks and, when read alone, its
// history (internal notes left out for the merchant's own users).
type TicketView struct {
	servicedesk.Ticket
	Clocks []servicedesk.ClockState `json:"clocks"`
	Events []*TicketEvent           `json:"events,omitempty"`
}

// TicketFilter selects tickets for a queue.
type TicketFilter struct {
	TeamID     *int64
	AssigneeID *int64
	Unassigned bool
	MerchantID *int64
	Kind       servicedesk.Kind
	Status     servicedesk.Status
	Open       bool // only tickets that still need the desk
	Breached   bool // only tickets with a missed target
	Limit      int
	Offset     int
}

const ticketCols = `k.id, k.kind, k.priority, k.status, k.channel, k.subject, k.body, k.merchant_id, k.terminal_id, k.team_id,
	k.assignee_id, k.about_user_id, k.tags, k.policy_id, k.opened_by, k.merged_into, k.created_at, k.updated_at, k.resolved_at, k.closed_at,
	k.reply_channel, k.reply_address, k.reply_lang`

func scanTicket(r scanner) (*TicketView, error) {
	var v TicketView
	var terminal, team, assignee, about, policy, opener, merged, resolved, closed sql.NullInt64
	var tags string
	var created, updated int64
	x := &v.Ticket
	if err := r.Scan(&x.ID, &x.Kind, &x.Priority, &x.Status, &x.Channel, &x.Subject, &x.Body, &x.MerchantID, &terminal, &team,
		&assignee, &about, &tags, &policy, &opener, &merged, &created, &updated, &resolved, &closed,
		&x.ReplyChannel, &x.ReplyAddress, &x.ReplyLang); err != nil {
		return nil, err
	}
	x.Ref = servicedesk.RefOf(x.ID)
	x.TerminalID, x.TeamID, x.AssigneeID, x.AboutUserID = int64Ptr(terminal), int64Ptr(team), int64Ptr(assignee), int64Ptr(about)
	x.PolicyID, x.MergedInto, x.ResolvedAt, x.ClosedAt = int64Ptr(policy), int64Ptr(merged), timePtr(resolved), timePtr(closed)
	x.CreatedAt, x.UpdatedAt, x.OpenedBy = fromMicros(created), fromMicros(updated), opener.Int64
	if tags != "" {
		x.Tags = strings.Split(tags, "\n")
	}
	return &v, nil
}

// ticketScope is the SQL of the tickets an actor may see, over alias k
// joined to its merchant m: the merchants they see, the tickets assigned
// to them, and their team's unassigned queue.
func (s *Store) ticketScope(a poscare.Actor) (string, []any) {
	cond, args := s.scopeSQL(a.MerchantScope())
	if a.Role == poscare.RoleMerchant || !a.Role.IsStaff() {
		return cond, args
	}
	cond = "(" + cond + " OR k.assignee_id = ?"
	args = append(args, a.UserID)
	if a.TeamID != nil {
		cond += " OR (k.assignee_id IS NULL AND k.team_id = ?)"
		args = append(args, *a.TeamID)
	}
	return cond + ")", args
}

// seesTicket is ticketScope for one loaded ticket.
func seesTicket(a poscare.Actor, x *servicedesk.Ticket, m *poscare.Merchant) bool {
	if a.MerchantScope().Holds(m) {
		return true
	}
	if a.Role == poscare.RoleMerchant || !a.Role.IsStaff() {
		return false
	}
	return (x.AssigneeID != nil && *x.AssigneeID == a.UserID) ||
		(x.AssigneeID == nil && a.TeamID != nil && x.TeamID != nil && *x.TeamID == *a.TeamID)
}

// visibleTicket loads a ticket the actor may see (ENotFound otherwise, so
// that an id outside the scope says nothing).
func (t *Tx) visibleTicket(ctx context.Context, a poscare.Actor, id int64) (*TicketView, *poscare.Merchant, error) {
	v, err := scanTicket(t.queryRow(ctx, "SELECT "+ticketCols+" FROM tickets k WHERE k.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, poscare.NotFound(servicedesk.EntityTicket)
	}
	if err != nil {
		return nil, nil, t.s.translate(err)
	}
	m, err := t.getMerchant(ctx, v.MerchantID)
	if err != nil {
		return nil, nil, err
	}
	if !seesTicket(a, &v.Ticket, m) {
		return nil, nil, poscare.NotFound(servicedesk.EntityTicket)
	}
	return v, m, nil
}

// OpenTicket files a ticket: by staff on a merchant's behalf (a call, a
// visit), or by the merchant's own user in the portal (the merchant and
// the channel are theirs, whatever was sent). It lands in the merchant's
// team's queue unassigned, except that "cannot reach my contact" goes to
// the team lead at once and is about the account manager; it is held to
// the policy that matches it, and its clocks start.
// Errors: EForbidden, ENotFound, EInvalid.
func (s *Store) OpenTicket(ctx context.Context, a poscare.Actor, x *servicedesk.Ticket) (*TicketView, error) {
	if !a.Can(servicedesk.EntityTicket, poscare.ActCreate) {
		return nil, poscare.Forbidden()
	}
	if a.Role == poscare.RoleMerchant {
		if a.MerchantID == nil {
			return nil, poscare.Forbidden()
		}
		x.MerchantID, x.Channel, x.AssigneeID, x.TeamID, x.AboutUserID = *a.MerchantID, servicedesk.ChannelPortal, nil, nil, nil
		x.ReplyChannel, x.ReplyAddress = "", ""
	}
	if err := x.Validate(); err != nil {
		return nil, err
	}
	var out *TicketView
	err := s.inWrite(ctx, func(t *Tx) error {
		m, err := t.visibleMerchant(ctx, a, x.MerchantID)
		if err != nil {
			return err
		}
		out, _, err = t.openTicket(ctx, a, *x, m, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// openTicket writes a validated ticket for merchant m, its opening step
// (with the mail's Message-ID, if it came by mail) and its clocks, and
// tells its assignee; it returns the ticket and the opening step's id.
func (t *Tx) openTicket(ctx context.Context, a poscare.Actor, y servicedesk.Ticket, m *poscare.Merchant, messageID string) (*TicketView, int64, error) {
	if y.TeamID == nil {
		team := m.TeamID
		y.TeamID = &team
	}
	if y.TerminalID != nil {
		var owner int64
		if err := t.queryRow(ctx, "SELECT merchant_id FROM terminals WHERE id = ?", *y.TerminalID).Scan(&owner); err != nil || owner != m.ID {
			p := poscare.Problems{}
			p.Say("terminal_id", "sd.invalid.terminal")
			return nil, 0, p.Err()
		}
	}
	if y.Kind == servicedesk.KindUnreachable {
		manager := m.AccountManagerID
		y.AboutUserID = &manager
		lead, err := t.teamLead(ctx, *y.TeamID)
		if err != nil {
			return nil, 0, err
		}
		if lead != nil && *lead != manager {
			y.AssigneeID = lead
		}
	}
	if y.AssigneeID != nil {
		if err := t.checkAssignee(ctx, *y.AssigneeID); err != nil {
			return nil, 0, err
		}
	}
	policies, err := t.policies(ctx)
	if err != nil {
		return nil, 0, err
	}
	if p := servicedesk.PolicyFor(policies, &y); p != nil {
		y.PolicyID = &p.ID
	}
	y.Status, y.OpenedBy, y.CreatedAt, y.UpdatedAt = servicedesk.StatusNew, a.UserID, t.now, t.now
	id, err := t.insert(ctx, `INSERT INTO tickets (kind, priority, status, channel, subject, body, merchant_id, terminal_id, team_id, assignee_id,
		about_user_id, tags, policy_id, opened_by, created_at, updated_at, reply_channel, reply_address, reply_lang)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		y.Kind, y.Priority, y.Status, y.Channel, y.Subject, y.Body, m.ID, nullInt(y.TerminalID), nullInt(y.TeamID), nullInt(y.AssigneeID),
		nullInt(y.AboutUserID), strings.Join(y.Tags, "\n"), nullInt(y.PolicyID), nullUser(y.OpenedBy), micros(t.now), micros(t.now),
		y.ReplyChannel, y.ReplyAddress, y.ReplyLang)
	if err != nil {
		return nil, 0, err
	}
	y.ID, y.Ref = id, servicedesk.RefOf(id)
	event, err := t.ticketEvent(ctx, a, id, servicedesk.EventOpened, "", y.Channel, true, y.Body, poscare.M("sd.event.opened", "channel", y.Channel.Name()), messageID)
	if err != nil {
		return nil, 0, err
	}
	out, err := t.settleTicket(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if y.AssigneeID != nil {
		if err := t.tellStaff(ctx, *y.AssigneeID, "ticket:"+y.Ref+":assigned", poscare.M("sd.alert.assigned.subject", "ref", y.Ref),
			poscare.M("sd.alert.assigned.body", "ref", y.Ref, "merchant", m.LegalName, "subject", y.Subject)); err != nil {
			return nil, 0, err
		}
	}
	return out, event, t.record(ctx, a, "ticket_open", servicedesk.EntityTicket, id, nil, &out.Ticket)
}

// nullUser is a user id for a column where the system (0) is NULL.
func nullUser(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// teamLead is a team's lead, nil for none.
func (t *Tx) teamLead(ctx context.Context, team int64) (*int64, error) {
	var lead sql.NullInt64
	if err := t.queryRow(ctx, "SELECT lead_id FROM teams WHERE id = ?", team).Scan(&lead); err != nil {
		return nil, t.s.translate(err)
	}
	return int64Ptr(lead), nil
}

// checkAssignee refuses an assignee who is not staff at work.
func (t *Tx) checkAssignee(ctx context.Context, id int64) error {
	u, err := t.getUser(ctx, id)
	if err != nil || !u.Role.IsStaff() || u.Archived != nil || u.Status == poscare.UserDeparted || u.Status == poscare.UserMissing {
		p := poscare.Problems{}
		p.Say("assignee_id", "sd.invalid.assignee")
		return p.Err()
	}
	return nil
}

// ticketEvent appends a step to a ticket's history.
func (t *Tx) ticketEvent(ctx context.Context, a poscare.Actor, ticket int64, kind servicedesk.EventKind, status servicedesk.Status,
	channel servicedesk.Channel, public bool, body string, msg poscare.Msg, messageID string) (int64, error) {
	return t.insert(ctx, "INSERT INTO ticket_events (ticket_id, at, kind, status, actor_id, channel, public, body, msg, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		ticket, micros(t.now), kind, status, nullUser(a.UserID), channel, public, body, msg.Encode(), messageID)
}

// GetTicket reads a ticket with its clocks and history; the merchant's
// own users do not see internal notes. Errors: EForbidden, ENotFound.
func (s *Store) GetTicket(ctx context.Context, a poscare.Actor, id int64) (*TicketView, error) {
	if !a.Can(servicedesk.EntityTicket, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	return readOne(ctx, s, func(t *Tx) (*TicketView, error) {
		v, _, err := t.visibleTicket(ctx, a, id)
		if err != nil {
			return nil, err
		}
		if v.Clocks, err = t.liveClocks(ctx, v); err != nil {
			return nil, err
		}
		q := "SELECT id, ticket_id, at, kind, status, actor_id, channel, public, body, msg FROM ticket_events WHERE ticket_id = ?"
		if a.Role == poscare.RoleMerchant {
			q += " AND public = ?"
		}
		q += " ORDER BY at, id"
		args := []any{id}
		if a.Role == poscare.RoleMerchant {
			args = append(args, true)
		}
		v.Events, err = queryAllTx(ctx, t, q, args, scanTicketEvent)
		return v, err
	})
}

func scanTicketEvent(r scanner) (*TicketEvent, error) {
	var e TicketEvent
	var at int64
	var actor sql.NullInt64
	var msg string
	if err := r.Scan(&e.ID, &e.TicketID, &at, &e.Kind, &e.Status, &actor, &e.Channel, &e.Public, &e.Body, &msg); err != nil {
		return nil, err
	}
	e.At, e.ActorID = fromMicros(at), int64Ptr(actor)
	if msg != "" {
		e.Msg = poscare.DecodeMsg(msg)
		e.Text = e.Msg.Text()
	}
	return &e, nil
}

// ListTickets lists the tickets the actor may see under a filter, newest
// first, one more than the page when there is a next one.
// Errors: EForbidden.
func (s *Store) ListTickets(ctx context.Context, a poscare.Actor, f TicketFilter) ([]*TicketView, error) {
	if !a.Can(servicedesk.EntityTicket, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	cond, args := s.ticketScope(a)
	where := []string{cond}
	add := func(c string, v any) { where, args = append(where, c), append(args, v) }
	if f.TeamID != nil {
		add("k.team_id = ?", *f.TeamID)
	}
	if f.AssigneeID != nil {
		add("k.assignee_id = ?", *f.AssigneeID)
	}
	if f.Unassigned {
		where = append(where, "k.assignee_id IS NULL")
	}
	if f.MerchantID != nil {
		add("k.merchant_id = ?", *f.MerchantID)
	}
	if f.Kind != "" {
		add("k.kind = ?", f.Kind)
	}
	if f.Status != "" {
		add("k.status = ?", f.Status)
	}
	if f.Open {
		where = append(where, "k.status NOT IN ('resolved', 'closed')")
	}
	if f.Breached {
		where = append(where, "EXISTS (SELECT 1 FROM ticket_clocks c WHERE c.ticket_id = k.id AND c.breached_at IS NOT NULL)")
	}
	q := "SELECT " + ticketCols + " FROM tickets k JOIN merchants m ON m.id = k.merchant_id WHERE " + strings.Join(where, " AND ") +
		" ORDER BY k.id DESC LIMIT ? OFFSET ?"
	args = append(args, f.Limit+1, f.Offset)
	var out []*TicketView
	err := s.inRead(ctx, func(t *Tx) error {
		var err error
		if out, err = queryAllTx(ctx, t, q, args, scanTicket); err != nil {
			return err
		}
		return t.attachClocks(ctx, out)
	})
	return out, err
}

// ReplyTicket adds a message to a ticket: a staff reply the merchant
// receives, a staff member's internal note (internal true), or — from the
// merchant's own user — the merchant writing again, which ends a wait on
// them. A staff reply to a new ticket acknowledges it.
// Errors: EForbidden, ENotFound, EInvalid, EConflict (a closed ticket).
func (s *Store) ReplyTicket(ctx context.Context, a poscare.Actor, id int64, body string, internal bool) (*TicketView, error) {
	act := servicedesk.ActReply
	if internal {
		act = servicedesk.ActNote
	}
	if !a.Can(servicedesk.EntityTicket, act) {
		return nil, poscare.Forbidden()
	}
	body = strings.TrimSpace(body)
	if err := poscare.ValidateNote("body", body, servicedesk.MaxBody); err != nil {
		return nil, err
	}
	if body == "" {
		p := poscare.Problems{}
		p.Say("body", "sd.invalid.required")
		return nil, p.Err()
	}
	var out *TicketView
	err := s.inWrite(ctx, func(t *Tx) error {
		v, _, err := t.visibleTicket(ctx, a, id)
		if err != nil {
			return err
		}
		if v.Status == servicedesk.StatusClosed && !internal {
			return poscare.Fail(poscare.EConflict, "sd.closed")
		}
		kind, public, channel, msg := servicedesk.EventStaffReply, true, servicedesk.Channel(""), poscare.M("sd.event.reply")
		switch {
		case a.Role == poscare.RoleMerchant:
			kind, channel, msg = servicedesk.EventMerchantMsg, servicedesk.ChannelPortal, poscare.M("sd.event.merchant_message")
		case internal:
			kind, public, msg = servicedesk.EventNote, false, poscare.M("sd.event.note")
		}
		if _, err := t.addMessage(ctx, a, v, kind, channel, public, body, msg, ""); err != nil {
			return err
		}
		if out, err = t.settleTicket(ctx, id); err != nil {
			return err
		}
		action := map[servicedesk.EventKind]string{servicedesk.EventStaffReply: "ticket_reply", servicedesk.EventNote: "ticket_note", servicedesk.EventMerchantMsg: "ticket_message"}[kind]
		return t.record(ctx, a, action, servicedesk.EntityTicket, id, nil, map[string]any{"body_chars": len([]rune(body)), "status": out.Status})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addMessage writes a message on a ticket and what follows from it: the
// merchant writing ends a wait on them, a first staff reply acknowledges a
// new ticket, and a staff reply goes out to the ticket's reply address
// (by mail, under the ticket's reference, so that the answer threads).
func (t *Tx) addMessage(ctx context.Context, a poscare.Actor, v *TicketView, kind servicedesk.EventKind, channel servicedesk.Channel,
	public bool, body string, msg poscare.Msg, messageID string) (int64, error) {
	event, err := t.ticketEvent(ctx, a, v.ID, kind, "", channel, public, body, msg, messageID)
	if err != nil {
		return 0, err
	}
	next := v.Status
	switch {
	case kind == servicedesk.EventMerchantMsg && v.Status == servicedesk.StatusWaiting:
		next = servicedesk.StatusInvestigating
	case kind == servicedesk.EventMerchantMsg && !v.Status.Open():
		// Writing on a resolved ticket reopens it; a closed one too.
		next = servicedesk.StatusReopened
	case kind == servicedesk.EventStaffReply && v.Status == servicedesk.StatusNew:
		next = servicedesk.StatusAcknowledged
	}
	if next != v.Status {
		if err := t.moveTicket(ctx, a, v, next); err != nil {
			return 0, err
		}
	}
	if _, err := t.exec(ctx, "UPDATE tickets SET updated_at = ? WHERE id = ?", micros(t.now), v.ID); err != nil {
		return 0, err
	}
	if kind == servicedesk.EventStaffReply && v.ReplyChannel == servicedesk.ChannelEmail && v.ReplyAddress != "" {
		subject := poscare.M("sd.mail.reply.subject", "ref", v.Ref, "subject", v.Subject)
		text := poscare.M("sd.mail.reply.body", "ref", v.Ref, "body", poscare.Text{Zh: body, En: body})
		if err := t.mailMerchant(ctx, v, "ticket:"+v.Ref+":reply:"+strconv.FormatInt(event, 10), subject, text); err != nil {
			return 0, err
		}
	}
	return event, nil
}

// mailMerchant queues a mail to a ticket's reply address.
func (t *Tx) mailMerchant(ctx context.Context, v *TicketView, key string, subject, body poscare.Msg) error {
	lang := v.ReplyLang
	if lang == "" {
		lang = "zh"
	}
	err := t.insertRows(ctx, "outbox", []string{"dedupe_key", "merchant_id", "channel", "address", "lang", "subject_msg", "body_msg", "status",
		"next_attempt_at", "created_at"}, [][]any{{key, v.MerchantID, "email", v.ReplyAddress, lang, subject.Encode(), body.Encode(), "queued", micros(t.now), micros(t.now)}})
	if err != nil {
		return err
	}
	return t.enqueue(ctx, DeliverOutbox{})
}

// resolvedNotice starts a resolved ticket's rating and tells a merchant
// who mailed the result, with a signed link to rate it.
func (t *Tx) resolvedNotice(ctx context.Context, v *TicketView) error {
	round, err := t.openSurvey(ctx, v.ID)
	if err != nil {
		return err
	}
	if v.ReplyChannel != servicedesk.ChannelEmail || v.ReplyAddress == "" {
		return nil
	}
	inv, err := t.investigation(ctx, v.ID)
	if err != nil {
		return err
	}
	result := ""
	if inv != nil {
		result = inv.Result
	}
	link := t.s.Desk.PublicURL + "/survey?" + t.s.SurveyLink(v.ID, round, t.now.Add(SurveyLinkValid))
	return t.mailMerchant(ctx, v, "ticket:"+v.Ref+":resolved:"+strconv.Itoa(round), poscare.M("sd.mail.resolved.subject", "ref", v.Ref, "subject", v.Subject),
		poscare.M("sd.mail.resolved.body", "ref", v.Ref, "result", poscare.Text{Zh: result, En: result}, "link", link))
}

// moveTicket writes a status change (already checked) and its step.
func (t *Tx) moveTicket(ctx context.Context, a poscare.Actor, v *TicketView, to servicedesk.Status) error {
	set, args := "status = ?, updated_at = ?", []any{to, micros(t.now)}
	switch to {
	case servicedesk.StatusResolved:
		set += ", resolved_at = ?"
		args = append(args, micros(t.now))
	case servicedesk.StatusClosed:
		set += ", closed_at = ?"
		args = append(args, micros(t.now))
	case servicedesk.StatusReopened:
		set += ", resolved_at = NULL, closed_at = NULL"
	}
	if _, err := t.exec(ctx, "UPDATE tickets SET "+set+" WHERE id = ?", append(args, v.ID)...); err != nil {
		return err
	}
	v.Status = to
	_, err := t.ticketEvent(ctx, a, v.ID, servicedesk.EventStatus, to, "", false, "", poscare.M("sd.event.status", "status", to.Name()), "")
	return err
}

// MoveTicket moves a ticket along its workflow, with an optional note
// kept in its history (internal). The merchant's own users cannot move
// tickets (they reopen by writing again, or by rating low).
// Errors: EForbidden, ENotFound, EInvalid (a move the workflow does not have).
func (s *Store) MoveTicket(ctx context.Context, a poscare.Actor, id int64, to servicedesk.Status, note string) (*TicketView, error) {
	if !a.Can(servicedesk.EntityTicket, poscare.ActUpdate) {
		return nil, poscare.Forbidden()
	}
	note = strings.TrimSpace(note)
	if err := poscare.ValidateNote("note", note, servicedesk.MaxBody); err != nil {
		return nil, err
	}
	var out *TicketView
	err := s.inWrite(ctx, func(t *Tx) error {
		v, _, err := t.visibleTicket(ctx, a, id)
		if err != nil {
			return err
		}
		before := v.Ticket
		if !servicedesk.CanMove(v.Status, to) {
			p := poscare.Problems{}
			p.Say("status", "sd.invalid.move", "from", v.Status.Name(), "to", to.Name())
			return p.Err()
		}
		if to == servicedesk.StatusResolved {
			x, err := t.investigation(ctx, id)
			if err != nil {
				return err
			}
			if err := servicedesk.CheckResolvable(v.Kind, x); err != nil {
				return err
			}
		}
		if err := t.moveTicket(ctx, a, v, to); err != nil {
			return err
		}
		if to == servicedesk.StatusResolved {
			if err := t.resolvedNotice(ctx, v); err != nil {
				return err
			}
		}
		if note != "" {
			if _, err := t.ticketEvent(ctx, a, id, servicedesk.EventNote, "", "", false, note, poscare.M("sd.event.note"), ""); err != nil {
				return err
			}
		}
		if out, err = t.settleTicket(ctx, id); err != nil {
			return err
		}
		return t.record(ctx, a, "ticket_move", servicedesk.EntityTicket, id, &before, &out.Ticket)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AssignTicket gives a ticket to a person (nil: back to the team's
// queue), or to another team's queue. An agent may take a ticket for
// themselves or give it back to the queue; a lead and ops may give it to
// anyone at work. Errors: EForbidden, ENotFound, EInvalid.
func (s *Store) AssignTicket(ctx context.Context, a poscare.Actor, id int64, assignee, team *int64) (*TicketView, error) {
	if !a.Can(servicedesk.EntityTicket, poscare.ActUpdate) || a.Role == poscare.RoleMerchant {
		return nil, poscare.Forbidden()
	}
	if (a.Role == poscare.RoleAgent || a.Role == poscare.RoleTech) && ((assignee != nil && *assignee != a.UserID) || team != nil) {
		return nil, poscare.Forbidden()
	}
	var out *TicketView
	err := s.inWrite(ctx, func(t *Tx) error {
		v, m, err := t.visibleTicket(ctx, a, id)
		if err != nil {
			return err
		}
		before := v.Ticket
		if assignee != nil {
			if err := t.checkAssignee(ctx, *assignee); err != nil {
				return err
			}
		}
		newTeam := v.TeamID
		if team != nil {
			if _, err := t.getTeam(ctx, *team); err != nil {
				p := poscare.Problems{}
				p.Say("team_id", "sd.invalid.team")
				return p.Err()
			}
			newTeam = team
		}
		if _, err := t.exec(ctx, "UPDATE tickets SET assignee_id = ?, team_id = ?, updated_at = ? WHERE id = ?", nullInt(assignee), nullInt(newTeam), micros(t.now), id); err != nil {
			return err
		}
		msg := poscare.M("sd.event.unassigned")
		if assignee != nil {
			u, err := t.getUser(ctx, *assignee)
			if err != nil {
				return err
			}
			msg = poscare.M("sd.event.assigned", "name", u.Name)
			if *assignee != a.UserID {
				if err := t.tellStaff(ctx, *assignee, "ticket:"+v.Ref+":assigned:"+strconv.FormatInt(*assignee, 10), poscare.M("sd.alert.assigned.subject", "ref", v.Ref),
					poscare.M("sd.alert.assigned.body", "ref", v.Ref, "merchant", m.LegalName, "subject", v.Subject)); err != nil {
					return err
				}
			}
		}
		if _, err := t.ticketEvent(ctx, a, id, servicedesk.EventAssigned, "", "", false, "", msg, ""); err != nil {
			return err
		}
		if out, err = t.settleTicket(ctx, id); err != nil {
			return err
		}
		return t.record(ctx, a, "ticket_assign", servicedesk.EntityTicket, id, &before, &out.Ticket)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
