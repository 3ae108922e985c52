package httpapi

import (
	"poscare"
	"poscare/servicedesk"
	"poscare/sqlstore"
	"poscare/workcal"
)

// The service desk's routes: tickets from every channel, their replies,
// notes, moves and assignment; the service-level policies and the days of
// the working calendar.
var _ = registerRoutes("servicedesk", (*Server).serviceDeskRoutes)

// TicketReplyBody is a message on a ticket.
type TicketReplyBody struct {
	Body string `json:"body"`
	// Internal makes it a note the merchant never sees (staff only).
	Internal bool `json:"internal,omitempty"`
}

// TicketMoveBody moves a ticket along its workflow.
type TicketMoveBody struct {
	Status servicedesk.Status `json:"status"`
	Note   string             `json:"note,omitempty"`
}

// TicketAssignBody gives a ticket to a person (assignee_id null: back to
// the queue) or to another team's queue.
type TicketAssignBody struct {
	AssigneeID *int64 `json:"assignee_id"`
	TeamID     *int64 `json:"team_id,omitempty"`
}

// CalendarDayBody decides one day of the working calendar.
type CalendarDayBody struct {
	Working bool   `json:"working"`
	Hours   string `json:"hours,omitempty"`
	Note    string `json:"note,omitempty"`
}

func (s *Server) serviceDeskRoutes() []Route {
	st := s.Store
	ticket := &sqlstore.TicketView{Clocks: []servicedesk.ClockState{{}}, Events: []*sqlstore.TicketEvent{{}}}
	withID := func(r *Request, fn func(id int64) (any, error)) (any, error) {
		id, err := r.ID("id")
		if err != nil {
			return nil, err
		}
		return fn(id)
	}
	return []Route{
		{Method: "GET", Pattern: "/api/v1/tickets", Entity: servicedesk.EntityTicket, Action: poscare.ActRead,
			Summary: "Tickets the caller may see (the merchants they serve, the tickets assigned to them, their team's unassigned queue), newest first",
			Query: append([]Param{
				intParam("team_id", "Only this team's queue"), intParam("assignee_id", "Only tickets assigned to this user"),
				boolParam("unassigned", "Only tickets nobody holds yet"), merchantParam,
				strParam("kind", "Only tickets of this kind", values(servicedesk.Kinds...)...),
				strParam("status", "Only tickets in this status", values(servicedesk.Statuses...)...),
				boolParam("open", "Only tickets not yet resolved or closed"), boolParam("breached", "Only tickets that missed a target"),
			}, pageParams...),
			Response: List[*sqlstore.TicketView]{Items: []*sqlstore.TicketView{{Clocks: []servicedesk.ClockState{{}}}}},
			Handle: func(r *Request) (any, error) {
				q := newQuery(r)
				p := q.page()
				f := sqlstore.TicketFilter{TeamID: q.intPtr("team_id"), AssigneeID: q.intPtr("assignee_id"), Unassigned: q.boolean("unassigned"),
					MerchantID: q.intPtr("merchant_id"), Kind: servicedesk.Kind(q.str("kind")), Status: servicedesk.Status(q.str("status")),
					Open: q.boolean("open"), Breached: q.boolean("breached"), Limit: p.Limit, Offset: p.Offset}
				if err := q.p.Err(); err != nil {
					return nil, err
				}
				xs, err := st.ListTickets(r.Context(), r.Actor, f)
				if err != nil {
					return nil, err
				}
				return page(xs, p), nil
			}},
		{Method: "POST", Pattern: "/api/v1/tickets", Entity: servicedesk.EntityTicket, Action: poscare.ActCreate,
			Summary: "File a ticket: staff log a call or a visit on a merchant's behalf; a merchant's own user files for their merchant (channel portal)",
			Body:    servicedesk.Ticket{}, Response: ticket,
			Handle: func(r *Request) (any, error) {
				var body servicedesk.Ticket
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				return st.OpenTicket(r.Context(), r.Actor, &body)
			}},
		{Method: "GET", Pattern: "/api/v1/tickets/{id}", Entity: servicedesk.EntityTicket, Action: poscare.ActRead,
			Summary: "A ticket with its clocks and history (a merchant's users do not see internal notes)", Response: ticket,
			Handle: func(r *Request) (any, error) {
				return withID(r, func(id int64) (any, error) { return st.GetTicket(r.Context(), r.Actor, id) })
			}},
		{Method: "POST", Pattern: "/api/v1/tickets/{id}/messages", Entity: servicedesk.EntityTicket, Action: servicedesk.ActReply,
			Summary: "Write on a ticket: a staff reply the merchant receives, an internal note (internal: true), or the merchant writing again (which ends a wait on them)",
			Body:    TicketReplyBody{}, Response: ticket,
			Handle: func(r *Request) (any, error) {
				return withID(r, func(id int64) (any, error) {
					var body TicketReplyBody
					if err := r.Decode(&body); err != nil {
						return nil, err
					}
					return st.ReplyTicket(r.Context(), r.Actor, id, body.Body, body.Internal)
				})
			}},
		{Method: "POST", Pattern: "/api/v1/tickets/{id}/status", Entity: servicedesk.EntityTicket, Action: poscare.ActUpdate,
			Summary: "Move a ticket along new → acknowledged → investigating → waiting on the merchant → resolved → closed, or reopen it",
			Body:    TicketMoveBody{}, Response: ticket,
			Handle: func(r *Request) (any, error) {
				return withID(r, func(id int64) (any, error) {
					var body TicketMoveBody
					if err := r.Decode(&body); err != nil {
						return nil, err
					}
					return st.MoveTicket(r.Context(), r.Actor, id, body.Status, body.Note)
				})
			}},
		{Method: "POST", Pattern: "/api/v1/tickets/{id}/assign", Entity: servicedesk.EntityTicket, Action: poscare.ActUpdate,
			Summary: "Give a ticket to a person or back to the queue (agents: take it or give it back), or to another team's queue",
			Body:    TicketAssignBody{}, Response: ticket,
			Handle: func(r *Request) (any, error) {
				return withID(r, func(id int64) (any, error) {
					var body TicketAssignBody
					if err := r.Decode(&body); err != nil {
						return nil, err
					}
					return st.AssignTicket(r.Context(), r.Actor, id, body.AssigneeID, body.TeamID)
				})
			}},
		{Method: "GET", Pattern: "/api/v1/tickets/{id}/investigation", Entity: servicedesk.EntityTicket, Action: poscare.ActRead,
			Summary:  "A ticket's investigation: findings, root cause, resolution, compensation and its approval (staff and the auditor; empty while none is written)",
			Response: &servicedesk.Investigation{},
			Handle: func(r *Request) (any, error) {
				return withID(r, func(id int64) (any, error) { return st.Investigation(r.Context(), r.Actor, id) })
			}},
		{Method: "PUT", Pattern: "/api/v1/tickets/{id}/investigation", Entity: servicedesk.EntityTicket, Action: poscare.ActUpdate,
			Summary: "Write a ticket's investigation; complaints, fee disputes and unreachable reports resolve only with a root cause and a resolution, a compensation only once approved",
			Body:    servicedesk.Investigation{}, Response: &servicedesk.Investigation{},
			Handle: func(r *Request) (any, error) {
				return withID(r, func(id int64) (any, error) {
					var body servicedesk.Investigation
					if err := r.Decode(&body); err != nil {
						return nil, err
					}
					body.TicketID = id
					return &body, st.SaveInvestigation(r.Context(), r.Actor, &body)
				})
			}},
		{Method: "POST", Pattern: "/api/v1/tickets/{id}/compensation/approve", Entity: servicedesk.EntityTicket, Action: servicedesk.ActApprove,
			Summary: "Approve a ticket's compensation: a team lead or ops, never whoever wrote it", Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				return withID(r, func(id int64) (any, error) {
					return map[string]bool{"ok": true}, st.ApproveCompensation(r.Context(), r.Actor, id)
				})
			}},
		{Method: "GET", Pattern: "/api/v1/sla-policies", Entity: servicedesk.EntitySLAPolicy, Action: poscare.ActRead,
			Summary:  "The service-level policies in force (targets in nanoseconds, as Go durations)",
			Response: List[*servicedesk.Policy]{Items: []*servicedesk.Policy{{}}},
			Handle: func(r *Request) (any, error) {
				ps, err := st.SLAPolicies(r.Context(), r.Actor)
				return List[*servicedesk.Policy]{Items: ps}, err
			}},
		{Method: "POST", Pattern: "/api/v1/sla-policies", Entity: servicedesk.EntitySLAPolicy, Action: poscare.ActCreate,
			Summary: "Add a service-level policy; open tickets are held to the policy that now matches them",
			Body:    servicedesk.Policy{}, Response: &servicedesk.Policy{},
			Handle: func(r *Request) (any, error) {
				var body servicedesk.Policy
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				body.ID = 0
				return &body, st.SavePolicy(r.Context(), r.Actor, &body)
			}},
		{Method: "PUT", Pattern: "/api/v1/sla-policies/{id}", Entity: servicedesk.EntitySLAPolicy, Action: poscare.ActUpdate,
			Summary: "Change a service-level policy; open tickets' deadlines are counted again",
			Body:    servicedesk.Policy{}, Response: &servicedesk.Policy{},
			Handle: func(r *Request) (any, error) {
				return withID(r, func(id int64) (any, error) {
					var body servicedesk.Policy
					if err := r.Decode(&body); err != nil {
						return nil, err
					}
					body.ID = id
					return &body, st.SavePolicy(r.Context(), r.Actor, &body)
				})
			}},
		{Method: "GET", Pattern: "/api/v1/calendar/days", Entity: servicedesk.EntityCalendarDay, Action: poscare.ActRead,
			Summary:  "The days an administrator decided over the holiday table (China's public holidays and make-up working days)",
			Response: List[*sqlstore.CalendarDay]{Items: []*sqlstore.CalendarDay{{}}},
			Handle: func(r *Request) (any, error) {
				ds, err := st.CalendarDays(r.Context(), r.Actor)
				return List[*sqlstore.CalendarDay]{Items: ds}, err
			}},
		{Method: "PUT", Pattern: "/api/v1/calendar/days/{day}", Entity: servicedesk.EntityCalendarDay, Action: poscare.ActUpdate,
			Summary: "Decide one day (YYYY-MM-DD): worked or closed, with shorter hours if any; open tickets' deadlines are counted again",
			Body:    CalendarDayBody{}, Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				var body CalendarDayBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				day, err := pathDay(r)
				if err != nil {
					return nil, err
				}
				d := sqlstore.CalendarDay{Day: day, Working: body.Working, HoursText: body.Hours, Note: body.Note}
				return map[string]bool{"ok": true}, st.SetCalendarDay(r.Context(), r.Actor, d, false)
			}},
		{Method: "DELETE", Pattern: "/api/v1/calendar/days/{day}", Entity: servicedesk.EntityCalendarDay, Action: poscare.ActUpdate,
			Summary: "Forget a day's decision: the holiday table and the week decide it again", Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				day, err := pathDay(r)
				if err != nil {
					return nil, err
				}
				return map[string]bool{"ok": true}, st.SetCalendarDay(r.Context(), r.Actor, sqlstore.CalendarDay{Day: day}, true)
			}},
	}
}

// pathDay is the {day} of a calendar route: a path that names no date
// names nothing, as a bad id does.
func pathDay(r *Request) (string, error) {
	d, err := workcal.ParseDate(r.PathValue("day"))
	if err != nil {
		return "", poscare.NotFound(servicedesk.EntityCalendarDay)
	}
	return d.String(), nil
}
