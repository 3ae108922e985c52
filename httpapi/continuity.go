package httpapi

import (
	"time"

	"poscare"
	"poscare/continuity"
	"poscare/sqlstore"
)

// The continuity capability's routes: who serves a merchant now,
// callbacks, silence and failed attempts, removals and their undoing,
// tasks, and the emergency playbook's incidents and notices.
var _ = registerRoutes("continuity", (*Server).continuityRoutes)

func (s *Server) continuityRoutes() []Route {
	st := s.Store
	return []Route{
		{Method: "GET", Pattern: "/api/v1/merchants/{id}/service-contact", Entity: poscare.EntityMerchant, Action: poscare.ActRead,
			Summary:  "Who the merchant should contact right now: account manager → cover → backup → team lead → 24-hour service centre",
			Response: &poscare.ServiceContact{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				sc, err := st.ServiceContact(r.Context(), r.Actor, id)
				if err == nil && r.Actor.Role == poscare.RoleMerchant {
					sc.UserID = nil // merchants see whom to call, not staff ids
				}
				return sc, err
			}},
		{Method: "POST", Pattern: "/api/v1/merchants/{id}/callback-requests", Entity: poscare.EntityCallback, Action: poscare.ActCreate,
			Summary: "The merchant asks to be called back (or staff log that it did): a task for its service contact, due within --callback-within; an open request is returned instead of a second one",
			Body:    CallbackBody{}, Response: &sqlstore.CallbackRequest{Task: &sqlstore.Task{}},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				var body CallbackBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				req, err := st.RequestCallback(r.Context(), r.Actor, id, body.Note)
				if err == nil && r.Actor.Role == poscare.RoleMerchant {
					// Merchants see when they will be called and by whom,
					// not the staff task behind it.
					req.Task.UserID, req.Contact.UserID = 0, nil
				}
				return req, err
			}},
		{Method: "PUT", Pattern: "/api/v1/me/contact", Summary: "Staff keep their own mobile, email and WeChat current: saves them, records the check and closes the reminder",
			Body: poscare.OwnContact{}, Response: &poscare.User{},
			Handle: func(r *Request) (any, error) {
				var body poscare.OwnContact
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				return st.ConfirmOwnContact(r.Context(), r.Actor, body)
			}},
		{Method: "POST", Pattern: "/api/v1/users/{id}/declare", Entity: poscare.EntityIncident, Action: poscare.ActCreate,
			Summary: "Run the emergency playbook for a missing or departed staff member: block access, hand over everything, notify merchants, risk report, incident",
			Body:    poscare.Declaration{}, Response: &poscare.Incident{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				var body poscare.Declaration
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				return st.DeclareIncident(r.Context(), r.Actor, id, body)
			}},
		{Method: "POST", Pattern: "/api/v1/users/{id}/restore-removals", Entity: poscare.EntityUser, Action: poscare.ActStatus,
			Summary: "Undo the merchant/contact archives and contact-detail removals a person made since a time: every one, or only those listed in only (rows of removals); an empty only is every one",
			Body:    RestoreRemovalsBody{Only: []sqlstore.RemovalRef{{}}}, Response: ReturnResult{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				var body RestoreRemovalsBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				if len(body.Only) > 0 {
					n, err := st.RestoreChosenRemovals(r.Context(), r.Actor, id, body.Since, body.Only)
					return ReturnResult{Returned: n}, err
				}
				n, err := st.RestoreRemovals(r.Context(), r.Actor, id, body.Since)
				return ReturnResult{Returned: n}, err
			}},
		{Method: "PUT", Pattern: "/api/v1/users/{id}/backup", Entity: continuity.EntityBackup, Action: poscare.ActUpdate,
			Summary: "Name a staff member's backup (backup_id; null for none): ops for anyone, a lead for the own team's members; the backup must be an active staff member, for a lead one of the team; an agent at work keeps one; audited",
			Body:    BackupBody{}, Response: &poscare.User{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				var body BackupBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				return st.SetBackup(r.Context(), r.Actor, id, body.BackupID)
			}},
		{Method: "GET", Pattern: "/api/v1/users/{id}/removals", Entity: poscare.EntityUser, Action: poscare.ActStatus,
			Summary:  "What a person archived or removed since a time and is still out of use (merchants, contacts, contact details), newest first, with their reasons: what restore-removals would undo",
			Response: RemovalList{Items: []sqlstore.Removal{{Channel: &poscare.Channel{}}}},
			Query:    []Param{timeParam("since", "From when on; default 7 days ago")},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				q := newQuery(r)
				since := q.since("since", time.Now().Add(-7*24*time.Hour))
				if err := q.p.Err(); err != nil {
					return nil, err
				}
				rs, err := st.Removals(r.Context(), r.Actor, id, since)
				return RemovalList{Items: rs}, err
			}},
		{Method: "POST", Pattern: "/api/v1/users/{id}/contact-attempts", Entity: poscare.EntityContactAttempt, Action: poscare.ActCreate,
			Summary: "Record a failed attempt to reach a colleague (no_answer, disconnected, blocked): a signal for silence detection, whose threshold counts distinct colleagues",
			Body:    AttemptBody{}, Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				var body AttemptBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				return map[string]bool{"ok": true}, st.RecordContactAttempt(r.Context(), r.Actor, id, body.Outcome, body.Notes)
			}},
		{Method: "GET", Pattern: "/api/v1/continuity", Entity: poscare.EntityUser, Action: poscare.ActStatus,
			Summary:  "Continuity dashboard: agents without backup, unreachable staff and signals, open incidents, merchants falling to the service centre, blocked bulk deletions",
			Response: &sqlstore.Continuity{},
			Handle:   func(r *Request) (any, error) { return st.ContinuityStatus(r.Context(), r.Actor) }},
		{Method: "GET", Pattern: "/api/v1/tasks", Summary: "The caller's open tasks (contact verifications, follow-ups)",
			Response: List[*sqlstore.Task]{Items: []*sqlstore.Task{{}}},
			Handle: func(r *Request) (any, error) {
				ts, err := st.MyTasks(r.Context(), r.Actor)
				return List[*sqlstore.Task]{Items: ts}, err
			}},
		{Method: "POST", Pattern: "/api/v1/tasks/{id}/done", Summary: "Complete one of the caller's tasks", Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				return map[string]bool{"ok": true}, st.CompleteTask(r.Context(), r.Actor, id)
			}},
		{Method: "GET", Pattern: "/api/v1/incidents", Entity: poscare.EntityIncident, Action: poscare.ActRead,
			Summary: "Incidents, newest first", Response: List[*poscare.Incident]{Items: []*poscare.Incident{{}}},
			Query: append([]Param{boolParam("open", "Only open incidents")}, pageParams...),
			Handle: func(r *Request) (any, error) {
				q := newQuery(r)
				p := q.page()
				if err := q.p.Err(); err != nil {
					return nil, err
				}
				xs, err := st.ListIncidents(r.Context(), r.Actor, q.boolean("open"), poscare.Page{Limit: p.Limit, Offset: p.Offset, More: true})
				if err != nil {
					return nil, err
				}
				return page(xs, p), nil
			}},
		{Method: "GET", Pattern: "/api/v1/incidents/{id}", Entity: poscare.EntityIncident, Action: poscare.ActRead,
			Summary: "An incident with its checklist, timeline, what was handed over and the risk report", Response: &poscare.Incident{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				return st.GetIncident(r.Context(), r.Actor, id)
			}},
		{Method: "GET", Pattern: "/api/v1/incidents/{id}/notifications", Entity: poscare.EntityIncident, Action: poscare.ActRead,
			Summary:  "The messages the playbook queued for an incident's merchants, with delivery status and counts by status",
			Response: DeliveryList{List: List[*sqlstore.IncidentNotification]{Items: []*sqlstore.IncidentNotification{{}}}},
			Query:    append([]Param{strParam("status", "Only messages in this delivery status; the counts cover all of them", sqlstore.DeliveryStatuses...)}, pageParams...),
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				q := newQuery(r)
				p := q.page()
				if err := q.p.Err(); err != nil {
					return nil, err
				}
				ns, sum, err := st.IncidentNotifications(r.Context(), r.Actor, id, sqlstore.DeliveryFilter{Status: q.str("status"), Page: p})
				if err != nil {
					return nil, err
				}
				return DeliveryList{List: page(ns, p), Summary: sum}, nil
			}},
		{Method: "POST", Pattern: "/api/v1/incidents/{id}/check", Entity: poscare.EntityIncident, Action: poscare.ActUpdate,
			Summary: "Tick a checklist item of an incident, with notes", Body: CheckBody{}, Response: &poscare.Incident{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				var body CheckBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				return st.CheckIncident(r.Context(), r.Actor, id, body.Item, body.Notes)
			}},
		{Method: "POST", Pattern: "/api/v1/incidents/{id}/backup", Entity: poscare.EntityIncident, Action: poscare.ActUpdate,
			Summary:  "Take a backup of the database now, into the server's backup folder, and tick the incident's \"data backup taken\" with the file and its SHA-256",
			Response: IncidentBackup{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				x, b, err := st.BackupForIncident(r.Context(), r.Actor, id)
				if err != nil {
					return nil, err
				}
				return IncidentBackup{Incident: x, Backup: IncidentBackupFile{Name: b.Name, At: b.At, Size: b.Size, SHA256: b.SHA256}}, nil
			}},
		{Method: "POST", Pattern: "/api/v1/incidents/{id}/return", Entity: poscare.EntityIncident, Action: poscare.ActUpdate,
			Summary: "Give the merchants back to a person who is at work again: all, or those listed", Body: ReturnBody{}, Response: ReturnResult{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				var body ReturnBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				n, err := st.ReturnMerchants(r.Context(), r.Actor, id, body.MerchantIDs)
				return ReturnResult{Returned: n}, err
			}},
		{Method: "POST", Pattern: "/api/v1/incidents/{id}/close", Entity: poscare.EntityIncident, Action: poscare.ActUpdate,
			Summary: "Close an incident", Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				return map[string]bool{"ok": true}, st.CloseIncident(r.Context(), r.Actor, id)
			}},
		{Method: "GET", Pattern: "/api/v1/merchants/{id}/notifications", Entity: poscare.EntityMerchant, Action: poscare.ActRead,
			Summary: "Messages queued or sent to a merchant, with delivery status", Response: List[*sqlstore.Notification]{Items: []*sqlstore.Notification{{}}},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				ns, err := st.MerchantNotifications(r.Context(), r.Actor, id)
				if err != nil {
					return nil, err
				}
				return List[*sqlstore.Notification]{Items: ns}, nil
			}},
	}
}

// CallbackBody is a merchant's request to be called back, with an
// optional message.
type CallbackBody struct {
	Note string `json:"note"`
}

// AttemptBody is a failed attempt to reach a colleague.
type AttemptBody struct {
	Outcome string `json:"outcome"`
	Notes   string `json:"notes"`
}

// ReturnBody lists the merchants to give back; empty means all.
type ReturnBody struct {
	MerchantIDs []int64 `json:"merchant_ids"`
}

// RestoreRemovalsBody says from when on a person's removals are undone,
// and which of them when not all.
type RestoreRemovalsBody struct {
	Since time.Time             `json:"since"`
	Only  []sqlstore.RemovalRef `json:"only,omitempty"`
}

// BackupBody names a staff member's backup; null or absent is none.
type BackupBody struct {
	BackupID *int64 `json:"backup_id"`
}

// RemovalList is what a person took out of use, at most
// sqlstore.MaxRemovalsListed entries.
type RemovalList struct {
	Items []sqlstore.Removal `json:"items"`
}

// ReturnResult says how many records went back.
type ReturnResult struct {
	Returned int `json:"returned"`
}

// DeliveryList is a page of an incident's messages, with the counts by
// delivery status of all of them.
type DeliveryList struct {
	List[*sqlstore.IncidentNotification]
	Summary sqlstore.DeliverySummary `json:"summary"`
}

// IncidentBackup is the incident with its backup ticked, and the backup.
type IncidentBackup struct {
	Incident *poscare.Incident  `json:"incident"`
	Backup   IncidentBackupFile `json:"backup"`
}

// IncidentBackupFile names a backup without the server's folder.
type IncidentBackupFile struct {
	Name   string    `json:"name"`
	At     time.Time `json:"at"`
	Size   int64     `json:"size"`
	SHA256 string    `json:"sha256"`
}

// CheckBody ticks an incident checklist item.
type CheckBody struct {
	Item  string `json:"item"`
	Notes string `json:"notes"`
}
