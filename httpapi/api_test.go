package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/servicedesk"
	"poscare/sqlstore"
)

type env struct {
	t   *testing.T
	srv *httptest.Server
	api *httpapi.Server
	w   *fixture.World
	s   *sqlstore.Store
	// delivery is the incident of deliveryIncident, once made.
	delivery int64
	// reads are the query parameters the handlers read during the test.
	reads *httpapi.QueryReads
}

// newEnv starts the API on s. When the test ends, it fails if a handler
// read a query parameter its route does not declare.
func newEnv(t *testing.T, s *sqlstore.Store) *env {
	w := fixture.Build(t, s)
	api := httpapi.New(s, nil, "test")
	reads := httpapi.RecordQueryReads(api)
	srv := httptest.NewServer(api)
	t.Cleanup(func() {
		srv.Close()
		for _, msg := range undeclaredReads(api.Routes(), reads) {
			t.Error(msg)
		}
	})
	return &env{t: t, srv: srv, api: api, w: w, s: s, reads: reads}
}

func routeKey(rt httpapi.Route) string { return rt.Method + " " + rt.Pattern }

// undeclaredReads lists the query parameters a handler read that its
// route's Query does not declare, so the OpenAPI document does not show.
func undeclaredReads(routes []httpapi.Route, reads *httpapi.QueryReads) []string {
	declared := map[string]map[string]bool{}
	for _, rt := range routes {
		declared[routeKey(rt)] = map[string]bool{}
		for _, p := range rt.Query {
			declared[routeKey(rt)][p.Name] = true
		}
	}
	var out []string
	for _, route := range reads.Routes() {
		for _, name := range reads.Read(route) {
			if !declared[route][name] {
				out = append(out, fmt.Sprintf("%s reads query parameter %q but its route does not declare it in Query", route, name))
			}
		}
	}
	return out
}

// unreadDeclarations lists the declared query parameters that no call of
// their route read. Handlers read their parameters whether or not they
// are given, so once every route has been called, a declared name that was
// never read is one the handler no longer knows.
func unreadDeclarations(routes []httpapi.Route, reads *httpapi.QueryReads) []string {
	var out []string
	for _, rt := range routes {
		read := reads.Read(routeKey(rt))
		for _, p := range rt.Query {
			if !slices.Contains(read, p.Name) {
				out = append(out, fmt.Sprintf("%s declares query parameter %q but no call read it", routeKey(rt), p.Name))
			}
		}
	}
	return out
}

// token issues a fresh token for u, so that a logout in one call does not
// spoil the next.
func (e *env) token(u *poscare.User) string {
	tok, err := e.s.IssueToken(context.Background(), u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

type response struct {
	status int
	body   []byte
	header http.Header
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (e *env) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: b, header: res.Header}
}

func ops(w *fixture.World) poscare.Actor { return fixture.Actor(w.Users[poscare.RoleOps]) }

// call is one route, made concrete for one role: the path with ids filled
// in (computed after before has run), a body, and setup and cleanup so
// every call starts from the same state.
type call struct {
	path    func() string
	body    func() any
	before  func()
	after   func()
	success int
	// forbidden lists roles refused by a rule of the store rather than the
	// permission table (routes open to every logged-in user).
	forbidden map[poscare.Role]bool
}

// plan fills in a route with targets that the agent, the lead (team 1) and
// the merchant user can all see, so that a refusal can only come from the
// role, never from the row.
func (e *env) plan(rt httpapi.Route) call {
	w, ctx := e.w, context.Background()
	sys := poscare.SystemActor("test")
	ids := map[string]int64{
		"merchants": w.Merchant.ID, "contacts": w.Contact.ID, "terminals": w.Terminal.ID,
		"applications": w.Application.ID, "contracts": w.Contract.ID, "teams": w.Team1.ID, "users": w.Spare.ID, "tasks": 999999,
	}
	coll := strings.Split(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/")[0]
	target := ids[coll]
	if coll == "teams" && (strings.HasSuffix(rt.Pattern, "/archive") || strings.HasSuffix(rt.Pattern, "/restore")) {
		target = w.SpareTeam.ID
	}
	var channel int64
	c := call{success: http.StatusOK, body: func() any { return nil }}
	c.path = func() string {
		p := strings.Replace(rt.Pattern, "{id}", fmt.Sprint(target), 1)
		return strings.Replace(p, "{channel}", fmt.Sprint(channel), 1)
	}
	if rt.Method == "POST" && rt.Action == poscare.ActCreate {
		c.success = http.StatusCreated
	}
	check := func(err error) {
		if err != nil && poscare.ErrorCode(err) != poscare.EConflict {
			e.t.Fatal(err)
		}
	}
	switch {
	case strings.HasSuffix(rt.Pattern, "/archive"):
		c.body = func() any { return httpapi.ReasonBody{Reason: "角色测试"} }
		c.after = func() { check(e.s.Restore(ctx, sys, rt.Entity, target, "测试恢复")) }
		return c
	case strings.HasSuffix(rt.Pattern, "/restore") && rt.Entity != poscare.EntityContact || rt.Pattern == "/api/v1/contacts/{id}/restore":
		c.body = func() any { return httpapi.ReasonBody{Reason: "角色测试"} }
		c.before = func() { check(e.s.Archive(ctx, sys, rt.Entity, target, "测试归档")) }
		c.after = func() { check(e.s.Restore(ctx, sys, rt.Entity, target, "测试恢复")) }
		return c
	}
	if strings.HasSuffix(rt.Pattern, "/history") {
		// The audit trail is for staff; merchant users read their
		// merchant's activity instead.
		c.forbidden = map[poscare.Role]bool{poscare.RoleMerchant: true}
	}
	switch rt.Method + " " + rt.Pattern {
	case "POST /api/v1/merchants":
		c.body = func() any { return fixture.NewMerchant(w.Team1.ID, w.Users[poscare.RoleAgent].ID, nil) }
	case "PUT /api/v1/merchants/{id}":
		c.body = func() any { m, _ := e.s.GetMerchant(ctx, ops(w), w.Merchant.ID); return m }
	case "POST /api/v1/contacts":
		c.body = func() any {
			return poscare.Contact{MerchantID: w.Merchant.ID, Name: "收银员", Role: "cashier", Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fixture.Mobile(fixture.Seq())}}}
		}
	case "PUT /api/v1/contacts/{id}":
		c.body = func() any { x, _ := e.s.GetContact(ctx, ops(w), w.Contact.ID); return x }
	case "POST /api/v1/contacts/{id}/channels/{channel}/restore":
		c.before = func() {
			x, _ := e.s.GetContact(ctx, ops(w), w.Contact.ID)
			channel = x.Channels[len(x.Channels)-1].ID
			x.Channels, x.Reason = x.Channels[:len(x.Channels)-1], "客户换了号码"
			if err := e.s.UpdateContact(ctx, ops(w), x); err != nil {
				e.t.Fatal(err)
			}
		}
		c.after = func() { e.s.RestoreChannel(ctx, ops(w), w.Contact.ID, channel) }
	case "POST /api/v1/terminals":
		c.body = func() any {
			return poscare.Terminal{Serial: fmt.Sprintf("PX%010d", fixture.Seq()), Model: "A920", Vendor: "百富", Status: poscare.TerminalInStock}
		}
	case "PUT /api/v1/terminals/{id}":
		c.body = func() any { x, _ := e.s.GetTerminal(ctx, ops(w), w.Terminal.ID); return x }
	case "POST /api/v1/applications":
		c.body = func() any { return poscare.Application{MerchantID: w.Merchant.ID} }
	case "PUT /api/v1/applications/{id}":
		c.body = func() any { x, _ := e.s.GetApplication(ctx, ops(w), w.Application.ID); return x }
	case "POST /api/v1/applications/{id}/advance":
		// A fresh application per call: five stages would run out.
		c.before = func() {
			x := &poscare.Application{MerchantID: w.Merchant.ID}
			if err := e.s.CreateApplication(ctx, ops(w), x); err != nil {
				e.t.Fatal(err)
			}
			target = x.ID
		}
	case "POST /api/v1/contracts":
		c.body = func() any { x := *w.Contract; x.ID = 0; return x }
	case "PUT /api/v1/contracts/{id}":
		c.body = func() any { x, _ := e.s.GetContract(ctx, ops(w), w.Contract.ID); return x }
	case "POST /api/v1/teams":
		c.body = func() any { return poscare.Team{Name: fmt.Sprintf("新团队%d", fixture.Seq())} }
	case "PUT /api/v1/teams/{id}":
		c.body = func() any { x, _ := e.s.GetTeam(ctx, ops(w), w.Team1.ID); return x }
	case "POST /api/v1/users":
		c.body = func() any {
			return httpapi.UserCreate{User: poscare.User{Login: fmt.Sprintf("new%d", fixture.Seq()), Name: "新员工", Role: poscare.RoleTech}, Password: "a-long-password"}
		}
	case "PUT /api/v1/users/{id}":
		c.body = func() any { x, _ := e.s.GetUser(ctx, ops(w), w.Spare.ID); return x }
	case "POST /api/v1/users/{id}/status":
		c.body = func() any {
			until := poscare.Date(time.Now().AddDate(0, 0, 7).Format(time.DateOnly))
			return poscare.StatusChange{Status: poscare.UserOnLeave, Reason: "年假一周", CoverID: &w.Users[poscare.RoleAgent].ID, AwayUntil: &until}
		}
		c.after = func() {
			e.s.SetUserStatus(ctx, sys, w.Spare.ID, poscare.StatusChange{Status: poscare.UserActive, Reason: "休假结束"})
		}
	case "POST /api/v1/users/{id}/declare":
		c.body = func() any {
			return poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "连续三天联系不上", Strategy: poscare.StrategySpread}
		}
		c.after = func() { e.bringBack(w.Spare.ID) }
	case "GET /api/v1/incidents/{id}", "POST /api/v1/incidents/{id}/check", "POST /api/v1/incidents/{id}/return", "POST /api/v1/incidents/{id}/close",
		"POST /api/v1/incidents/{id}/backup":
		c.before = func() {
			x, err := e.s.DeclareIncident(ctx, sys, w.Spare.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "测试事件"})
			if err != nil {
				e.t.Fatal(err)
			}
			target = x.ID
			e.bringBack(w.Spare.ID)
		}
		switch {
		case strings.HasSuffix(rt.Pattern, "/check"):
			c.body = func() any {
				return httpapi.CheckBody{Item: poscare.CheckPoliceReport, Notes: "报案回执 110-2026-001"}
			}
		case strings.HasSuffix(rt.Pattern, "/return"):
			c.body = func() any { return httpapi.ReturnBody{} }
		case strings.HasSuffix(rt.Pattern, "/backup"):
			e.s.BackupDir = e.t.TempDir()
		}
	case "GET /api/v1/incidents/{id}/notifications":
		// An incident with real messages, so the response carries items.
		c.before = func() { target = e.deliveryIncident() }
	case "GET /api/v1/tasks", "POST /api/v1/tasks/{id}/done":
		// Tasks belong to their user: only staff have them; a merchant user is refused.
		c.forbidden = map[poscare.Role]bool{poscare.RoleMerchant: true}
		if rt.Method == "POST" {
			c.success = http.StatusNotFound // no task of this caller with that id
		}
	case "POST /api/v1/merchants/{id}/callback-requests":
		c.body = func() any { return httpapi.CallbackBody{Note: "终端无法联网，请回电"} }
	case "POST /api/v1/tickets":
		c.body = func() any {
			return servicedesk.Ticket{Kind: servicedesk.KindRepair, Channel: servicedesk.ChannelPhone, MerchantID: w.Merchant.ID, Subject: "打印机不出纸"}
		}
	case "GET /api/v1/tickets/{id}", "POST /api/v1/tickets/{id}/messages", "POST /api/v1/tickets/{id}/status", "POST /api/v1/tickets/{id}/assign",
		"GET /api/v1/tickets/{id}/investigation", "PUT /api/v1/tickets/{id}/investigation", "POST /api/v1/tickets/{id}/compensation/approve":
		// A fresh ticket of the merchant's, in team 1's queue, per call.
		c.before = func() {
			x, err := e.s.OpenTicket(ctx, sys, &servicedesk.Ticket{Kind: servicedesk.KindInquiry, Channel: servicedesk.ChannelPhone,
				MerchantID: w.Merchant.ID, Subject: "费率咨询"})
			if err != nil {
				e.t.Fatal(err)
			}
			target = x.ID
		}
		switch rt.Pattern {
		case "/api/v1/tickets/{id}/messages":
			c.body = func() any { return httpapi.TicketReplyBody{Body: "您好，已收到"} }
		case "/api/v1/tickets/{id}/status":
			c.body = func() any { return httpapi.TicketMoveBody{Status: servicedesk.StatusAcknowledged} }
		case "/api/v1/tickets/{id}/assign":
			c.body = func() any { return httpapi.TicketAssignBody{} }
		case "/api/v1/tickets/{id}/investigation":
			// Investigations are staff's: the merchant's users never read one.
			c.forbidden = map[poscare.Role]bool{poscare.RoleMerchant: true}
			c.body = func() any {
				return servicedesk.Investigation{Findings: "打印头老化", Cause: servicedesk.CauseDeviceFault, Result: "更换打印头"}
			}
		case "/api/v1/tickets/{id}/compensation/approve":
			// Written by somebody else than who approves it.
			inner := c.before
			c.before = func() {
				inner()
				if err := e.s.SaveInvestigation(ctx, sys, &servicedesk.Investigation{TicketID: target, Cause: servicedesk.CauseStaffError, Result: "退押金", CompensationFen: 10000}); err != nil {
					e.t.Fatal(err)
				}
			}
		}
	case "POST /api/v1/sla-policies":
		c.body = func() any {
			return servicedesk.Policy{Name: fmt.Sprintf("时限%d", fixture.Seq()), Kind: servicedesk.KindRepair, Resolution: 8 * time.Hour}
		}
	case "PUT /api/v1/sla-policies/{id}":
		c.before = func() {
			p := &servicedesk.Policy{Name: fmt.Sprintf("时限%d", fixture.Seq()), Kind: servicedesk.KindOther, FirstResponse: time.Hour}
			if err := e.s.SavePolicy(ctx, sys, p); err != nil {
				e.t.Fatal(err)
			}
			target = p.ID
		}
		c.body = func() any {
			return servicedesk.Policy{Name: "改过的时限", Kind: servicedesk.KindOther, FirstResponse: 2 * time.Hour}
		}
	case "PUT /api/v1/calendar/days/{day}", "DELETE /api/v1/calendar/days/{day}":
		c.path = func() string { return strings.Replace(rt.Pattern, "{day}", "2031-05-06", 1) }
		if rt.Method == "PUT" {
			c.body = func() any { return httpapi.CalendarDayBody{Working: false, Note: "系统迁移停工"} }
		}
	case "PUT /api/v1/me/contact":
		// Staff keep their own details; a merchant user has none to keep.
		c.forbidden = map[poscare.Role]bool{poscare.RoleMerchant: true}
		c.body = func() any { return poscare.OwnContact{Mobile: "13912345678", Email: "me@poscare.example"} }
	case "POST /api/v1/users/{id}/contact-attempts":
		c.body = func() any { return httpapi.AttemptBody{Outcome: "no_answer", Notes: "电话无人接听"} }
	case "POST /api/v1/users/{id}/restore-removals":
		c.body = func() any { return httpapi.RestoreRemovalsBody{Since: time.Now().Add(-time.Hour)} }
	case "PUT /api/v1/users/{id}/backup":
		c.body = func() any { return httpapi.BackupBody{BackupID: &w.Users[poscare.RoleAgent].ID} }
	case "POST /api/v1/users/{id}/password":
		c.body = func() any { return httpapi.PasswordBody{Password: "another-long-password"} }
	case "PUT /api/v1/me/password":
		c.body = func() any {
			return httpapi.OwnPasswordBody{CurrentPassword: fixture.Password, NewPassword: "my-own-fresh-secret-9"}
		}
		c.after = func() {
			for _, u := range w.Users {
				check(e.s.SetPassword(ctx, sys, u.ID, fixture.Password))
			}
		}
	}
	return c
}

// deliveryIncident returns an incident that queued a notice to each of two
// merchants of the spare agent (team 1), made once per env. The spare
// agent's earlier incident, if open, is closed first, because declaring
// someone with an open incident changes nothing.
func (e *env) deliveryIncident() int64 {
	e.t.Helper()
	if e.delivery != 0 {
		return e.delivery
	}
	ctx, sys, w := context.Background(), poscare.SystemActor("test"), e.w
	open, err := e.s.ListIncidents(ctx, sys, true, poscare.Page{Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, x := range open {
		if x.UserID == w.Spare.ID {
			if err := e.s.CloseIncident(ctx, sys, x.ID); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	for range 2 {
		m := fixture.NewMerchant(w.Team1.ID, w.Spare.ID, nil)
		if err := e.s.CreateMerchant(ctx, ops(w), m); err != nil {
			e.t.Fatal(err)
		}
		ct := &poscare.Contact{MerchantID: m.ID, Name: "李老板", Role: "owner", Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fixture.Mobile(fixture.Seq())}}}
		if err := e.s.CreateContact(ctx, ops(w), ct); err != nil {
			e.t.Fatal(err)
		}
	}
	x, err := e.s.DeclareIncident(ctx, sys, w.Spare.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "通知送达测试", Strategy: poscare.StrategySpread})
	if err != nil {
		e.t.Fatal(err)
	}
	if x.Handed.Notifications != 2 {
		e.t.Fatalf("incident %d queued %d notices, want 2", x.ID, x.Handed.Notifications)
	}
	e.bringBack(w.Spare.ID)
	e.delivery = x.ID
	return x.ID
}

// TestEveryRouteWithEveryRole walks the route table with each role and
// checks the outcome against poscare.Permissions, the one declared table.
// Having called every route, it also checks each route declares exactly
// the query parameters its handler reads (newEnv checks the one way).
func TestEveryRouteWithEveryRole(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			var called []httpapi.Route
			for _, rt := range e.api.Routes() {
				if rt.Public {
					continue
				}
				called = append(called, rt)
				for _, role := range poscare.Roles {
					t.Run(rt.Method+" "+rt.Pattern+" as "+string(role), func(t *testing.T) {
						e.t = t
						c := e.plan(rt)
						if c.before != nil {
							c.before()
						}
						res := e.do(rt.Method, c.path(), e.token(e.w.Users[role]), c.body())
						if c.after != nil {
							c.after()
						}
						allowed := (rt.Entity == "" || fixture.Actor(e.w.Users[role]).Can(rt.Entity, rt.Action)) && !c.forbidden[role]
						switch {
						case allowed && res.status != c.success:
							t.Fatalf("allowed, want %d, got %d: %s", c.success, res.status, res.body)
						case !allowed && res.status != http.StatusForbidden:
							t.Fatalf("denied, want 403, got %d: %s", res.status, res.body)
						}
					})
				}
			}
			for _, msg := range unreadDeclarations(called, e.reads) {
				t.Error(msg)
			}
		})
	}
}

// TestIncidentNotificationsAPI lists an incident's messages: counts by
// status whatever the filter, the status filter, paging with next_offset,
// a bad status, and an incident outside a lead's team.
func TestIncidentNotificationsAPI(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			ctx := context.Background()
			id := e.deliveryIncident()
			// The worker sends one of the two.
			claimed, err := s.ClaimMessages(ctx, 10)
			if err != nil || len(claimed) != 2 {
				t.Fatalf("claimed %d: %v", len(claimed), err)
			}
			if err := s.MessageSent(ctx, claimed[0]); err != nil {
				t.Fatal(err)
			}
			if err := s.MessageFailed(ctx, claimed[1], errors.New("sms gateway: timeout")); err != nil {
				t.Fatal(err)
			}
			tok := e.token(e.w.Users[poscare.RoleLead])
			get := func(query string) (response, httpapi.DeliveryList) {
				t.Helper()
				res := e.do("GET", fmt.Sprintf("/api/v1/incidents/%d/notifications%s", id, query), tok, nil)
				var l httpapi.DeliveryList
				if res.status == http.StatusOK {
					res.decode(t, &l)
				}
				return res, l
			}
			want := sqlstore.DeliverySummary{Total: 2, Queued: 1, Sent: 1, Merchants: 2, MerchantsReached: 1}
			t.Run("SentFilterShowsTheSentMessageAndAllCounts", func(t *testing.T) {
				res, l := get("?status=sent")
				if res.status != http.StatusOK || len(l.Items) != 1 || l.Items[0].Status != "sent" || l.Items[0].SentAt == nil || l.Summary != want {
					t.Fatalf("%d %s", res.status, res.body)
				}
				if l.Items[0].MerchantName == "" || l.Items[0].MerchantID == 0 || l.Items[0].Channel != "sms" {
					t.Fatalf("message without its merchant or channel: %s", res.body)
				}
			})
			t.Run("QueuedRetryCarriesItsAttempt", func(t *testing.T) {
				_, l := get("?status=queued")
				if len(l.Items) != 1 || l.Items[0].Attempts != 1 {
					t.Fatalf("queued: %+v", l.Items)
				}
			})
			t.Run("PagesWithNextOffset", func(t *testing.T) {
				_, first := get("?limit=1")
				_, second := get("?limit=1&offset=1")
				if len(first.Items) != 1 || first.NextOffset == nil || *first.NextOffset != 1 || len(second.Items) != 1 || second.NextOffset != nil ||
					first.Items[0].ID == second.Items[0].ID {
					t.Fatalf("pages: %+v / %+v", first, second)
				}
			})
			t.Run("UnknownStatusIs422", func(t *testing.T) {
				res, _ := get("?status=delivered")
				if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), `"status"`) {
					t.Fatalf("%d %s", res.status, res.body)
				}
			})
			t.Run("LeadOfAnotherTeamGets404", func(t *testing.T) {
				other := &poscare.User{Login: "lead2", Name: "二组主管", Role: poscare.RoleLead, TeamID: &e.w.Team2.ID, Mobile: fixture.Mobile(fixture.Seq())}
				if err := s.CreateUser(ctx, poscare.SystemActor("test"), other, fixture.Password); err != nil {
					t.Fatal(err)
				}
				res := e.do("GET", fmt.Sprintf("/api/v1/incidents/%d/notifications", id), e.token(other), nil)
				if res.status != http.StatusNotFound {
					t.Fatalf("%d %s", res.status, res.body)
				}
			})
		})
	}
}

// bringBack brings a person declared missing or departed back to work, the
// only way there is: the return on their latest incident.
func (e *env) bringBack(userID int64) {
	e.t.Helper()
	ctx, sys := context.Background(), poscare.SystemActor("t")
	if u, err := e.s.GetUser(ctx, sys, userID); err != nil || !u.Status.ComesBackByReturn() {
		return
	}
	xs, err := e.s.ListIncidents(ctx, sys, false, poscare.Page{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, x := range xs {
		if x.UserID == userID {
			if _, err := e.s.ReturnMerchants(ctx, sys, x.ID, []int64{}); err != nil {
				e.t.Fatal(err)
			}
			return
		}
	}
	e.t.Fatalf("no incident for user %d", userID)
}

// TestIncidentBackupAPI takes a backup from an incident: the file lands
// in the backup folder, and the checklist's "data backup taken" names it
// with its SHA-256, as the audit trail does.
func TestIncidentBackupAPI(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			ctx := context.Background()
			s.BackupDir = filepath.Join(t.TempDir(), "backups")
			x, err := s.DeclareIncident(ctx, poscare.SystemActor("test"), e.w.Spare.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "测试备份"})
			if err != nil {
				t.Fatal(err)
			}
			path := fmt.Sprintf("/api/v1/incidents/%d/backup", x.ID)
			if res := e.do("POST", path, e.token(e.w.Users[poscare.RoleAgent]), nil); res.status != http.StatusForbidden {
				t.Fatalf("agent: %d %s", res.status, res.body)
			}
			res := e.do("POST", path, e.token(e.w.Users[poscare.RoleLead]), nil)
			var got httpapi.IncidentBackup
			if res.status != http.StatusOK {
				t.Fatalf("lead: %d %s", res.status, res.body)
			}
			res.decode(t, &got)
			body, err := os.ReadFile(filepath.Join(s.BackupDir, got.Backup.Name))
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != got.Backup.SHA256 || int64(len(body)) != got.Backup.Size {
				t.Errorf("backup file does not match its record %+v", got.Backup)
			}
			for _, c := range got.Incident.Checklist {
				if c.Item == poscare.CheckDataBackup && (c.Done == nil || !strings.Contains(c.Notes, got.Backup.Name) || !strings.Contains(c.Notes, got.Backup.SHA256)) {
					t.Errorf("data backup item: %+v", c)
				}
			}
			if strings.Contains(string(res.body), s.BackupDir) {
				t.Errorf("the answer shows the server's folder: %s", res.body)
			}
		})
	}
}
