package httpapi

import (
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"poscare"
	"poscare/sqlstore"
)

func (s *Server) authRoutes() []Route {
	st := s.Store
	return []Route{
		{Method: "POST", Pattern: "/api/v1/auth/token", Public: true, Summary: "Log in with login and password; returns a bearer token",
			Body: TokenRequest{}, Response: TokenResponse{},
			Handle: func(r *Request) (any, error) {
				var body TokenRequest
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				now := time.Now()
				u, err := st.Authenticate(r.Context(), body.Login, body.Password, r.Actor.Source)
				if err != nil {
					return nil, err
				}
				token, err := st.IssueToken(r.Context(), u.ID)
				if err != nil {
					return nil, err
				}
				return TokenResponse{Token: token, ExpiresAt: now.Add(sqlstore.TokenTTL).UTC()}, nil
			}},
		{Method: "POST", Pattern: "/api/v1/auth/logout", Summary: "Revoke the bearer token",
			Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				if err := st.RevokeToken(r.Context(), r.token); err != nil {
					return nil, err
				}
				return map[string]bool{"ok": true}, nil
			}},
		{Method: "PUT", Pattern: "/api/v1/me/password", Summary: "Change one's own password: needs the current one (checked and throttled as a login); ends every other token and session of the caller",
			Body: OwnPasswordBody{}, Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				var body OwnPasswordBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				if err := st.ChangeOwnPassword(r.Context(), r.Actor, body.CurrentPassword, body.NewPassword, r.token); err != nil {
					return nil, err
				}
				return map[string]bool{"ok": true}, nil
			}},
		{Method: "GET", Pattern: "/api/v1/me", Summary: "The caller and what their role may do",
			Response: Me{User: &poscare.User{}},
			Handle: func(r *Request) (any, error) {
				u, err := st.GetUser(r.Context(), r.Actor, r.Actor.UserID)
				if err != nil {
					return nil, err
				}
				perms := map[string][]poscare.Action{}
				for entity, acts := range poscare.Permissions[r.Actor.Role] {
					perms[entity] = append([]poscare.Action(nil), acts...)
				}
				return Me{User: u, Permissions: perms}, nil
			}},
	}
}

func (s *Server) extraRoutes() []Route {
	st := s.Store
	return []Route{
		{Method: "POST", Pattern: "/api/v1/users", Entity: poscare.EntityUser, Action: poscare.ActCreate, Summary: "Create a user with a password",
			Body: UserCreate{}, Response: &poscare.User{},
			Handle: func(r *Request) (any, error) {
				var body UserCreate
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				u := body.User
				u.ID = 0
				if err := st.CreateUser(r.Context(), r.Actor, &u, body.Password); err != nil {
					return nil, err
				}
				return &u, nil
			}},
		{Method: "POST", Pattern: "/api/v1/users/{id}/password", Entity: poscare.EntityUser, Action: poscare.ActUpdate, Summary: "Set a user's password (revokes their tokens)",
			Body: PasswordBody{}, Response: map[string]bool{"ok": true},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				var body PasswordBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				return map[string]bool{"ok": true}, st.SetPassword(r.Context(), r.Actor, id, body.Password)
			}},
		{Method: "POST", Pattern: "/api/v1/users/{id}/status", Entity: poscare.EntityUser, Action: poscare.ActStatus,
			Summary: "Change a staff member's work status (active, on leave with a cover, unreachable, disabled) with a reason; missing and departed come only from the playbook, and back only through the incident's return",
			Body:    poscare.StatusChange{}, Response: &poscare.User{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				var body poscare.StatusChange
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				return st.SetUserStatus(r.Context(), r.Actor, id, body)
			}},
		{Method: "GET", Pattern: "/api/v1/merchants/{id}/activity", Entity: poscare.EntityMerchant, Action: poscare.ActRead,
			Summary:  "The merchant's own history, as its users see it: what changed on its records and when, by role (account manager, service centre …), without staff names, addresses or internal events",
			Response: List[poscare.MerchantEvent]{Items: []poscare.MerchantEvent{{Fields: []string{""}}}}, Query: pageParams,
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
				events, err := st.MerchantActivity(r.Context(), r.Actor, id, poscare.Page{Limit: p.Limit, Offset: p.Offset, More: true})
				if err != nil {
					return nil, err
				}
				return page(events, p), nil
			}},
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
			Summary: "Undo every merchant/contact archive and contact-detail removal a person made since a time", Body: RestoreRemovalsBody{}, Response: ReturnResult{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				var body RestoreRemovalsBody
				if err := r.Decode(&body); err != nil {
					return nil, err
				}
				n, err := st.RestoreRemovals(r.Context(), r.Actor, id, body.Since)
				return ReturnResult{Returned: n}, err
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
		{Method: "GET", Pattern: "/api/v1/merchants/{id}/sensitive", Entity: poscare.EntityMerchant, Action: poscare.ActReveal,
			Summary: "Reveal a merchant's ID number and settlement account in clear (audited)", Response: &poscare.MerchantSensitive{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				return st.RevealMerchant(r.Context(), r.Actor, id)
			}},
		{Method: "GET", Pattern: "/api/v1/merchants.csv", Entity: poscare.EntityMerchant, Action: poscare.ActExport,
			Summary: "Export the merchants the caller may see as CSV (UTF-8 with a byte order mark; cells a spreadsheet would run as formulas start with '), newest first, with the list's filters; audited before the first byte",
			Query:   append(slices.Clone(merchantFilters), boolParam("archived", "Export archived merchants instead of live ones")),
			Handle:  s.exportMerchants},
		{Method: "POST", Pattern: "/api/v1/applications/{id}/advance", Entity: poscare.EntityApplication, Action: poscare.ActUpdate,
			Summary: "Complete the application's current stage", Response: &poscare.Application{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				return st.AdvanceApplication(r.Context(), r.Actor, id)
			}},
		{Method: "POST", Pattern: "/api/v1/contacts/{id}/channels/{channel}/restore", Entity: poscare.EntityContact, Action: poscare.ActRestore,
			Summary: "Put back a removed phone, email or WeChat ID", Response: &poscare.Contact{},
			Handle: func(r *Request) (any, error) {
				id, err := r.ID("id")
				if err != nil {
					return nil, err
				}
				ch, err := r.ID("channel")
				if err != nil {
					return nil, err
				}
				return st.RestoreChannel(r.Context(), r.Actor, id, ch)
			}},
		{Method: "GET", Pattern: "/api/v1/audit", Entity: poscare.EntityAudit, Action: poscare.ActRead,
			Summary: "The audit trail, newest first", Response: List[poscare.AuditEntry]{Items: []poscare.AuditEntry{{}}},
			Query: append([]Param{
				strParam("entity", "Only entries about this kind of record: merchant, contact, terminal, application, contract, team, user, incident, vault …"),
				intParam("entity_id", "Only entries about the record with this id"),
				intParam("actor_id", "Only entries made by this user")}, pageParams...),
			Handle: func(r *Request) (any, error) {
				q := newQuery(r)
				p := q.page()
				f := poscare.AuditFilter{Entity: q.str("entity"), Page: poscare.Page{Limit: p.Limit, Offset: p.Offset, More: true}}
				if id := q.intPtr("entity_id"); id != nil {
					f.EntityID = *id
				}
				if id := q.intPtr("actor_id"); id != nil {
					f.ActorID = *id
				}
				if err := q.p.Err(); err != nil {
					return nil, err
				}
				entries, err := st.AuditEntries(r.Context(), f)
				if err != nil {
					return nil, err
				}
				return page(entries, p), nil
			}},
		{Method: "GET", Pattern: "/api/v1/audit/verify", Entity: poscare.EntityAudit, Action: poscare.ActRead,
			Summary: "Check the audit trail's hash chain", Response: AuditVerify{},
			Handle: func(r *Request) (any, error) {
				brk, n, err := st.VerifyAudit(r.Context())
				if err != nil {
					return nil, err
				}
				return AuditVerify{OK: brk == nil, Checked: n, Break: brk}, nil
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

// RestoreRemovalsBody says from when on a person's removals are undone.
type RestoreRemovalsBody struct {
	Since time.Time `json:"since"`
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

// AuditVerify is the answer of the chain check.
type AuditVerify struct {
	OK      bool                `json:"ok"`
	Checked int64               `json:"checked"`
	Break   *poscare.ChainBreak `json:"break,omitempty"`
}

// exportPage is how many merchants the export reads at a time.
var exportPage = 500

// exportMerchants streams every visible merchant as CSV, page by page. The
// export is recorded in the audit trail before the first byte leaves: if
// the entry cannot be written, nothing is sent. The body opens with the
// UTF-8 byte order mark, without which Excel on a Chinese Windows reads
// the file as GBK, and every cell a spreadsheet would take for a formula
// is neutralised. A failure after the first byte aborts the response, so
// that the client sees a broken download, never a complete-looking 200.
func (s *Server) exportMerchants(r *Request) (any, error) {
	q := newQuery(r)
	f := merchantFilter(q)
	f.Limit = exportPage
	if err := q.p.Err(); err != nil {
		return nil, err
	}
	if err := s.Store.Record(r.Context(), r.Actor, poscare.AuditExport, poscare.EntityMerchant, 0, map[string]any{"q": f.Q, "status": f.Status,
		"type": f.Type, "team_id": f.TeamID, "account_manager_id": f.AccountManagerID, "archived": f.Archived}); err != nil {
		return nil, err
	}
	w := r.W
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="merchants.csv"`)
	body := &csvBody{w: w}
	cw := csv.NewWriter(body)
	cw.Write([]string{"id", "type", "legal_name", "uscc", "principal_name", "principal_id_masked", "mid", "mcc", "fee_category",
		"status", "address", "team_id", "account_manager_id", "settlement_account_masked"})
	rows := 0
	for {
		ms, err := s.Store.ListMerchants(r.Context(), r.Actor, f)
		if err != nil {
			if !body.started {
				w.Header().Del("Content-Disposition")
				w.Header().Del("Content-Type")
				return nil, err
			}
			s.Logger.Error("merchant export failed after it started; response aborted", "rows", rows, "actor", r.Actor.Login, "err", err)
			panic(http.ErrAbortHandler)
		}
		for i, m := range ms {
			if i == f.Limit {
				break
			}
			// Every text cell is neutralised, not only the free text:
			// the codes' rules may change, the export's promise must not.
			cw.Write([]string{strconv.FormatInt(m.ID, 10), csvCell(string(m.Type)), csvCell(m.LegalName), csvCell(m.USCC), csvCell(m.PrincipalName),
				csvCell(m.PrincipalIDMasked), csvCell(m.MID), csvCell(m.MCC), csvCell(string(m.FeeCategory)), csvCell(string(m.Status)), csvCell(m.Address),
				strconv.FormatInt(m.TeamID, 10), strconv.FormatInt(m.AccountManagerID, 10), csvCell(m.SettlementMasked)})
			rows++
		}
		if len(ms) <= f.Limit {
			break
		}
		// The next page starts below the last id written: by key, not by
		// offset, so a million merchants cost no more per page at the end.
		f.BeforeID = ms[f.Limit-1].ID
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.Logger.Warn("merchant export not delivered", "rows", rows, "actor", r.Actor.Login, "err", err)
		panic(http.ErrAbortHandler)
	}
	return noBody{}, nil
}

// merchantHistoryElsewhere refuses a merchant user the audit trail and
// says where their history is.
func merchantHistoryElsewhere() error {
	return poscare.Errorf(poscare.EForbidden, "商户用户请在“变更记录”中查看本商户的历史", "merchant users read their history in the merchant's activity")
}

// csvBody is the export's response body: it writes the UTF-8 byte order
// mark before the first byte and remembers whether anything was sent, so
// that an error before that is still answered as an error.
type csvBody struct {
	w       http.ResponseWriter
	started bool
}

func (b *csvBody) Write(p []byte) (int, error) {
	if !b.started {
		b.started = true
		if _, err := io.WriteString(b.w, "\uFEFF"); err != nil {
			return 0, err
		}
	}
	return b.w.Write(p)
}

// csvCell neutralises text a spreadsheet would run as a formula (a cell
// starting with = + - @, a tab or a carriage return: =HYPERLINK(…),
// +cmd|…) by putting a single quote before it, which spreadsheets show
// as text.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
