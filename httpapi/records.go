package httpapi

import (
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"poscare"
	"poscare/sqlstore"
)

// The records' routes — staff and merchants, the capability every other
// one builds on, so the route core lists them first (Routes): the lists
// and forms of each record, accounts, passwords and work status, a
// merchant's own history, revealing and exporting, advancing an
// application, putting a removed contact detail back.
func (s *Server) recordsRoutes() []Route {
	st := s.Store
	var rts []Route
	rts = append(rts, resource[poscare.Merchant]{
		entity: poscare.EntityMerchant, path: "merchants",
		get: st.GetMerchant, create: st.CreateMerchant, update: st.UpdateMerchant,
		setID: func(v *poscare.Merchant, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Merchant, error) {
			f := merchantFilter(q)
			f.Page = p
			return st.ListMerchants(r.Context(), r.Actor, f)
		},
		filters: merchantFilters,
	}.routes(s)...)
	rts = append(rts, resource[poscare.Contact]{
		entity: poscare.EntityContact, path: "contacts",
		get: st.GetContact, create: st.CreateContact, update: st.UpdateContact,
		setID: func(v *poscare.Contact, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Contact, error) {
			return st.ListContacts(r.Context(), r.Actor, sqlstore.ContactFilter{MerchantID: q.intPtr("merchant_id"), Q: q.str("q"), Archived: q.boolean("archived"), Page: p})
		},
		filters: []Param{merchantParam, strParam("q", "Search by name fragment or an exact phone, email or WeChat ID")},
	}.routes(s)...)
	rts = append(rts, resource[poscare.Terminal]{
		entity: poscare.EntityTerminal, path: "terminals",
		get: st.GetTerminal, create: st.CreateTerminal, update: st.UpdateTerminal,
		setID: func(v *poscare.Terminal, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Terminal, error) {
			return st.ListTerminals(r.Context(), r.Actor, poscare.TerminalFilter{Q: q.str("q"), Status: poscare.TerminalStatus(q.str("status")),
				MerchantID: q.intPtr("merchant_id"), Archived: q.boolean("archived"), Page: p})
		},
		filters: []Param{strParam("q", "Search by serial number, TID or MID"),
			strParam("status", "Only terminals in this status", values(poscare.TerminalStatuses...)...),
			merchantParam},
	}.routes(s)...)
	rts = append(rts, resource[poscare.Application]{
		entity: poscare.EntityApplication, path: "applications",
		get: st.GetApplication, create: st.CreateApplication, update: st.UpdateApplication,
		setID: func(v *poscare.Application, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Application, error) {
			return st.ListApplications(r.Context(), r.Actor, poscare.ApplicationFilter{MerchantID: q.intPtr("merchant_id"),
				Stage: poscare.Stage(q.str("stage")), Overdue: q.boolean("overdue"), ResponsibleID: q.intPtr("responsible_id"),
				Archived: q.boolean("archived"), Page: p})
		},
		filters: []Param{merchantParam, strParam("stage", "Only applications at this onboarding stage", values(poscare.Stages...)...),
			boolParam("overdue", "Only applications whose current stage is past its due date"),
			intParam("responsible_id", "Only applications with an open stage this user is responsible for")},
	}.routes(s)...)
	rts = append(rts, resource[poscare.Contract]{
		entity: poscare.EntityContract, path: "contracts",
		get: st.GetContract, create: st.CreateContract, update: st.UpdateContract,
		setID: func(v *poscare.Contract, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Contract, error) {
			return st.ListContracts(r.Context(), r.Actor, poscare.ContractFilter{MerchantID: q.intPtr("merchant_id"), Archived: q.boolean("archived"), Page: p})
		},
		filters: []Param{merchantParam},
	}.routes(s)...)
	rts = append(rts, resource[poscare.Team]{
		entity: poscare.EntityTeam, path: "teams",
		get: st.GetTeam, create: st.CreateTeam, update: st.UpdateTeam,
		setID: func(v *poscare.Team, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.Team, error) {
			return st.ListTeams(r.Context(), r.Actor, q.boolean("archived"), poscare.Page{Limit: p.Limit, Offset: p.Offset, More: true})
		},
	}.routes(s)...)
	rts = append(rts, resource[poscare.User]{
		entity: poscare.EntityUser, path: "users",
		get: st.GetUser, update: st.UpdateUser,
		setID: func(v *poscare.User, id int64) { v.ID = id },
		list: func(r *Request, q *query, p poscare.Page) ([]*poscare.User, error) {
			return st.ListUsers(r.Context(), r.Actor, sqlstore.UserFilter{Q: q.str("q"), Role: poscare.Role(q.str("role")),
				TeamID: q.intPtr("team_id"), Archived: q.boolean("archived"), Page: poscare.Page{Limit: p.Limit, Offset: p.Offset, More: true}})
		},
		filters: []Param{strParam("q", "Search by name or login fragment, or an exact mobile number"),
			strParam("role", "Only users with this role", values(poscare.Roles...)...), intParam("team_id", "Only users of this team")},
	}.routes(s)...)
	return append(rts, []Route{
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
	}...)
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
