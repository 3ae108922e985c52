package httpapi_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/servicedesk"
)

// foreignSide is everything outside agent A's portfolio and lead 1's team:
// agent B's merchant from the fixture, filled with one record of every kind
// that hangs off a merchant, a colleague in team 2 who now manages it, his
// task, the incident that handed the merchant to him and the message it
// queued, so that every route taking an id has a foreign target.
type foreignSide struct {
	merchant    *poscare.Merchant
	contact     *poscare.Contact
	channel     int64 // a phone the manager removed from contact
	terminal    *poscare.Terminal
	application *poscare.Application
	contract    *poscare.Contract
	manager     *poscare.User // agent C, team 2: the merchant's manager after the playbook
	task        int64         // agent C's task to verify contact
	incident    int64         // the playbook run for agent B, who left
	ticket      int64         // the merchant's complaint, now agent C's
	policy      int64         // the service-level policy the merchant's contract carries
	idNumber    string        // the principal's ID number in clear
	// secrets identify the merchant, its records and its people; none may
	// reach an outsider, in any answer.
	secrets []string
	// searches are values a list's q parameter may find the foreign
	// records by.
	searches []string
	// ids are the foreign records' ids by collection, for the items of
	// lists.
	ids map[string][]int64
}

// buildForeign fills in team 2's side of the fixture through the store, as
// ops and the system would.
func buildForeign(t *testing.T, e *env) *foreignSide {
	t.Helper()
	ctx, sys, w := context.Background(), poscare.SystemActor("test"), e.w
	opsA := ops(w)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f := &foreignSide{}
	// The merchant goes live, with a principal and an address of its own
	// (the fixture gives both merchants the same ones).
	m, err := e.s.GetMerchant(ctx, opsA, w.OtherMerchant.ID)
	must(err)
	m.PrincipalName, m.Address = "欧阳外组", "重庆市渝中区解放碑外组路88号"
	m.Status, m.MID = poscare.MerchantActive, fixture.MID("5812", fixture.Seq())
	must(e.s.UpdateMerchant(ctx, opsA, m))
	clear, err := e.s.RevealMerchant(ctx, opsA, m.ID)
	must(err)

	// Agent C will take the merchant over when agent B leaves.
	f.manager = &poscare.User{Login: "agentc", Name: "外组欧阳丙", Role: poscare.RoleAgent, TeamID: &w.Team2.ID,
		Mobile: "13987650001", Email: "agentc@waizu.example"}
	must(e.s.CreateUser(ctx, sys, f.manager, fixture.Password))

	// Last verified long ago, so that the freshness sweep gives its
	// manager a task that names the merchant.
	verified := time.Now().AddDate(-1, 0, 0).UTC()
	f.contact = &poscare.Contact{MerchantID: m.ID, Name: "欧阳外组老板", Role: "owner", LastVerifiedAt: &verified,
		Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: "13987654321"}, {Kind: poscare.ChannelEmail, Value: "waizu.boss@example.cn"},
			{Kind: poscare.ChannelWeChat, Value: "waizu_boss88"}, {Kind: poscare.ChannelPhone, Value: "13987650002"}}}
	must(e.s.CreateContact(ctx, opsA, f.contact))
	n := fixture.Seq()
	f.terminal = &poscare.Terminal{Serial: fmt.Sprintf("WZ%010d", n), Model: "A920", Vendor: "百富", TID: fmt.Sprintf("975%05d", n%100000),
		MerchantID: &m.ID, MID: m.MID, Status: poscare.TerminalActive, InstallAddress: m.Address}
	must(e.s.CreateTerminal(ctx, opsA, f.terminal))
	f.application = &poscare.Application{MerchantID: m.ID}
	must(e.s.CreateApplication(ctx, opsA, f.application))
	k := *w.Contract
	k.ID, k.MerchantID, k.DepositFen = 0, m.ID, 39900
	f.contract = &k
	must(e.s.CreateContract(ctx, opsA, f.contract))
	if _, err := e.s.SweepStaleContacts(ctx); err != nil {
		t.Fatal(err)
	}

	// Agent B leaves: the playbook hands the merchant and the task to agent
	// C, queues a notice to the merchant and opens an incident.
	x, err := e.s.DeclareIncident(ctx, sys, w.AgentB.ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "离职未交接", Strategy: poscare.StrategySpread})
	must(err)
	f.incident = x.ID
	if f.merchant, err = e.s.GetMerchant(ctx, opsA, m.ID); err != nil || f.merchant.AccountManagerID != f.manager.ID {
		t.Fatalf("merchant not handed to agent C: %+v %v", f.merchant, err)
	}
	tasks, err := e.s.MyTasks(ctx, fixture.Actor(f.manager))
	must(err)
	for _, x := range tasks {
		if x.MerchantID != nil && *x.MerchantID == m.ID {
			f.task = x.ID
		}
	}
	if f.task == 0 {
		t.Fatalf("agent C has no task about the merchant: %+v", tasks)
	}
	if ns, err := e.s.MerchantNotifications(ctx, opsA, m.ID); err != nil || len(ns) == 0 {
		t.Fatalf("no notice queued to the merchant: %v", err)
	}

	// The merchant complains to the desk; its contract carries a policy of
	// its own. The ticket is agent C's.
	tk, err := e.s.OpenTicket(ctx, opsA, &servicedesk.Ticket{Kind: servicedesk.KindComplaint, Channel: servicedesk.ChannelPhone,
		MerchantID: m.ID, Subject: "外组商户投诉押金未退", AssigneeID: &f.manager.ID})
	must(err)
	f.ticket = tk.ID
	pol := &servicedesk.Policy{Name: "外组合同时限", MerchantID: &m.ID, FirstResponse: time.Hour}
	must(e.s.SavePolicy(ctx, opsA, pol))
	f.policy = pol.ID

	// Agent C removes the old phone, with a reason: a removal that can be
	// put back, and one his lead would see and undo.
	c, err := e.s.GetContact(ctx, opsA, f.contact.ID)
	must(err)
	c.Channels, c.Reason = c.Channels[:3], "客户停用旧号码"
	must(e.s.UpdateContact(ctx, fixture.Actor(f.manager), c))
	if len(c.RemovedChannels) != 1 {
		t.Fatalf("removed channels %+v", c.RemovedChannels)
	}
	f.channel, f.contact, f.idNumber = c.RemovedChannels[0].ID, c, clear.PrincipalIDNumber

	f.secrets = []string{f.merchant.LegalName, f.merchant.USCC, f.merchant.MID, f.merchant.PrincipalName, f.merchant.Address,
		clear.PrincipalIDNumber, clear.SettlementAccount, f.contact.Name, "13987654321", "13987650002", "waizu.boss@example.cn",
		"waizu_boss88", f.terminal.Serial, f.terminal.TID, f.manager.Login, f.manager.Name, f.manager.Mobile, f.manager.Email,
		w.AgentB.Login, w.AgentB.Name, w.AgentB.Mobile, "外组商户投诉押金未退"}
	f.searches = []string{f.merchant.LegalName, "欧阳外组", f.merchant.USCC, f.merchant.MID, clear.PrincipalIDNumber,
		"13987654321", "1398765", "13987650002", "waizu.boss@example.cn", "waizu_boss88", f.terminal.Serial, f.terminal.TID,
		f.manager.Login, f.manager.Mobile, f.manager.Email, w.AgentB.Login}
	f.ids = map[string][]int64{"merchants": {m.ID}, "contacts": {f.contact.ID}, "terminals": {f.terminal.ID},
		"applications": {f.application.ID}, "contracts": {f.contract.ID}, "users": {f.manager.ID, w.AgentB.ID},
		"tasks": {f.task}, "incidents": {f.incident}, "tickets": {f.ticket}, "sla-policies": {f.policy}}
	return f
}

// leaked returns the foreign secrets that body contains.
func (f *foreignSide) leaked(body []byte) []string {
	var out []string
	for _, s := range f.secrets {
		if bytes.Contains(body, []byte(s)) {
			out = append(out, s)
		}
	}
	return out
}

// foreignItems returns the items of a list answer that are foreign
// records of collection, or hang off the foreign merchant.
func (f *foreignSide) foreignItems(collection string, body []byte) []string {
	var l struct{ Items []map[string]any }
	if json.Unmarshal(body, &l) != nil {
		return nil
	}
	var out []string
	for _, it := range l.Items {
		id, _ := it["id"].(float64)
		mid, _ := it["merchant_id"].(float64)
		if slices.Contains(f.ids[collection], int64(id)) || int64(mid) == f.merchant.ID {
			out = append(out, fmt.Sprintf("%s %v", collection, it["id"]))
		}
	}
	return out
}

// state is every foreign record as ops reads it, and agent C's tasks, one
// line each: a line changes when anything is written to its record. Agent
// C's last activity is left out; the control calls move it.
func (f *foreignSide) state(t *testing.T, e *env, tok string) []string {
	t.Helper()
	paths := []string{fmt.Sprintf("merchants/%d", f.merchant.ID), fmt.Sprintf("merchants/%d/notifications", f.merchant.ID),
		fmt.Sprintf("contacts/%d", f.contact.ID), fmt.Sprintf("terminals/%d", f.terminal.ID), fmt.Sprintf("applications/%d", f.application.ID),
		fmt.Sprintf("contracts/%d", f.contract.ID), fmt.Sprintf("users/%d", f.manager.ID), fmt.Sprintf("users/%d", e.w.AgentB.ID),
		fmt.Sprintf("teams/%d", e.w.Team2.ID), fmt.Sprintf("incidents/%d", f.incident), fmt.Sprintf("incidents/%d/notifications", f.incident),
		fmt.Sprintf("tickets/%d", f.ticket), "sla-policies", "calendar/days"}
	for _, list := range []string{"contacts", "terminals", "applications", "contracts"} {
		paths = append(paths, fmt.Sprintf("%s?merchant_id=%d", list, f.merchant.ID))
	}
	var out []string
	for _, p := range paths {
		res := e.do("GET", "/api/v1/"+p, tok, nil)
		if res.status != http.StatusOK {
			t.Fatalf("ops reads %s: %d %s", p, res.status, res.body)
		}
		out = append(out, p+" "+liveUse.ReplaceAllString(lastSeen.ReplaceAllString(strings.TrimSpace(string(res.body)), ""), ""))
	}
	tasks, err := e.s.MyTasks(context.Background(), fixture.Actor(f.manager))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(tasks)
	return append(out, "agent C's tasks "+string(js))
}

var lastSeen = regexp.MustCompile(`,"last_seen_at":"[^"]*"`)

// liveUse is a running clock's time used so far, which a ticket's answer
// counts as of the moment it is read.
var liveUse = regexp.MustCompile(`"used":\d+,`)

// lastAudit is the sequence number of the newest audit entry: every write,
// sensitive view and export adds one.
func lastAudit(t *testing.T, e *env) int64 {
	t.Helper()
	es, err := e.s.AuditEntries(context.Background(), poscare.AuditFilter{Page: poscare.Page{Limit: 1}})
	if err != nil || len(es) != 1 {
		t.Fatalf("audit: %v", err)
	}
	return es[0].Seq
}

// idCase makes a route that takes an id concrete for a foreign target.
type idCase struct {
	// body is a valid request that would change the target if the row
	// check let it through.
	body func() any
	// before puts the target where the route would change it (archived,
	// for a restore); after puts it back.
	before, after func()
	// public says why any staff member may read the target; such a read
	// answers 200, and must still carry no foreign secret.
	public string
	// target, when set, is the id aimed at instead of the collection's
	// foreign record.
	target int64
}

// publicCollections are the records every staff role reads, whatever their
// portfolio.
var publicCollections = map[string]string{"teams": "every staff role may see every team (sqlstore.GetTeam, ListTeams)"}

// recordless are the lists whose answer can hold no record, so that no
// control call can show the foreign side through them.
var recordless = map[string]string{"GET /api/v1/audit/verify": "answers whether the chain holds and how many entries it checked",
	"GET /api/v1/calendar/days": "the working calendar's days: dates and hours, no merchant's record"}

// idCases returns a case for every route with an id the server had when
// this test was written. A route added later without a case fails the
// test, so that its row check is tried too.
func (f *foreignSide) idCases(e *env) map[string]idCase {
	ctx, sys, w, opsA := context.Background(), poscare.SystemActor("test"), e.w, ops(e.w)
	must := func(err error) {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	reason := func() any { return httpapi.ReasonBody{Reason: "越权测试"} }
	restore := func(entity string, id int64) idCase {
		return idCase{body: reason, target: id,
			before: func() { must(e.s.Archive(ctx, sys, entity, id, "测试归档")) },
			after:  func() { must(e.s.Restore(ctx, sys, entity, id, "测试恢复")) }}
	}
	cases := map[string]idCase{}
	// The routes every resource has (resource.routes).
	type resource struct {
		path, entity string
		id           int64
		edit         func() any // a valid change to the record
	}
	for _, r := range []resource{
		{"merchants", poscare.EntityMerchant, f.merchant.ID, func() any {
			m, err := e.s.GetMerchant(ctx, opsA, f.merchant.ID)
			must(err)
			m.LegalName += "（改名）"
			return m
		}},
		{"contacts", poscare.EntityContact, f.contact.ID, func() any {
			c, err := e.s.GetContact(ctx, opsA, f.contact.ID)
			must(err)
			c.Name, c.Channels, c.Reason = "改过的联系人", c.Channels[:1], "越权删除联系方式"
			return c
		}},
		{"terminals", poscare.EntityTerminal, f.terminal.ID, func() any {
			x, err := e.s.GetTerminal(ctx, opsA, f.terminal.ID)
			must(err)
			x.Status = poscare.TerminalSuspended
			return x
		}},
		{"applications", poscare.EntityApplication, f.application.ID, func() any {
			x, err := e.s.GetApplication(ctx, opsA, f.application.ID)
			must(err)
			for i := range x.Documents {
				x.Documents[i].Received = !x.Documents[i].Received
			}
			return x
		}},
		{"contracts", poscare.EntityContract, f.contract.ID, func() any {
			x, err := e.s.GetContract(ctx, opsA, f.contract.ID)
			must(err)
			x.DepositFen += 10000
			return x
		}},
		{"teams", poscare.EntityTeam, w.Team2.ID, func() any {
			x, err := e.s.GetTeam(ctx, opsA, w.Team2.ID)
			must(err)
			x.Name += "（改名）"
			return x
		}},
		{"users", poscare.EntityUser, f.manager.ID, func() any {
			x, err := e.s.GetUser(ctx, opsA, f.manager.ID)
			must(err)
			x.Name = "改过的名字"
			return x
		}},
	} {
		base := "/api/v1/" + r.path + "/{id}"
		cases["GET "+base] = idCase{public: publicCollections[r.path]}
		cases["GET "+base+"/history"] = idCase{public: publicCollections[r.path]}
		cases["PUT "+base] = idCase{body: r.edit}
		cases["POST "+base+"/archive"] = idCase{body: reason}
		cases["POST "+base+"/restore"] = restore(r.entity, r.id)
	}
	// Agent C holds merchants, so cannot be archived; agent B, who left,
	// can.
	cases["POST /api/v1/users/{id}/restore"] = restore(poscare.EntityUser, w.AgentB.ID)
	for _, key := range []string{
		"GET /api/v1/merchants/{id}/service-contact", "GET /api/v1/merchants/{id}/notifications", "GET /api/v1/merchants/{id}/sensitive", "GET /api/v1/merchants/{id}/activity",
		"POST /api/v1/contacts/{id}/channels/{channel}/restore", "POST /api/v1/applications/{id}/advance",
		"GET /api/v1/users/{id}/removals", "POST /api/v1/tasks/{id}/done",
		"GET /api/v1/incidents/{id}", "GET /api/v1/incidents/{id}/notifications", "POST /api/v1/incidents/{id}/close",
		"POST /api/v1/incidents/{id}/backup",
	} {
		cases[key] = idCase{}
	}
	body := func(v any) func() any { return func() any { return v } }
	cases["POST /api/v1/users/{id}/password"] = idCase{body: body(httpapi.PasswordBody{Password: "taken-over-password"})}
	cases["POST /api/v1/users/{id}/status"] = idCase{body: body(poscare.StatusChange{Status: poscare.UserUnreachable, Reason: "越权标记失联"})}
	cases["POST /api/v1/users/{id}/declare"] = idCase{body: body(poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "越权启动预案", Strategy: poscare.StrategySpread})}
	cases["POST /api/v1/users/{id}/restore-removals"] = idCase{body: body(httpapi.RestoreRemovalsBody{Since: time.Now().Add(-24 * time.Hour)})}
	cases["PUT /api/v1/users/{id}/backup"] = idCase{body: body(httpapi.BackupBody{BackupID: &f.manager.ID})}
	cases["POST /api/v1/users/{id}/contact-attempts"] = idCase{body: body(httpapi.AttemptBody{Outcome: "no_answer", Notes: "越权记录"})}
	cases["POST /api/v1/incidents/{id}/check"] = idCase{body: body(httpapi.CheckBody{Item: poscare.CheckPoliceReport, Notes: "越权勾选"})}
	cases["POST /api/v1/incidents/{id}/return"] = idCase{body: body(httpapi.ReturnBody{MerchantIDs: []int64{f.merchant.ID}})}
	cases["POST /api/v1/merchants/{id}/callback-requests"] = idCase{body: body(`{"note":"越权请求回电"}`)}
	cases["GET /api/v1/tickets/{id}"] = idCase{}
	cases["POST /api/v1/tickets/{id}/messages"] = idCase{body: body(httpapi.TicketReplyBody{Body: "越权回复"})}
	cases["POST /api/v1/tickets/{id}/status"] = idCase{body: body(httpapi.TicketMoveBody{Status: servicedesk.StatusAcknowledged})}
	cases["POST /api/v1/tickets/{id}/assign"] = idCase{body: body(httpapi.TicketAssignBody{})}
	cases["GET /api/v1/tickets/{id}/investigation"] = idCase{}
	cases["PUT /api/v1/tickets/{id}/investigation"] = idCase{body: body(servicedesk.Investigation{Findings: "越权调查", Cause: servicedesk.CauseOther})}
	cases["POST /api/v1/tickets/{id}/compensation/approve"] = idCase{}
	cases["PUT /api/v1/sla-policies/{id}"] = idCase{body: body(servicedesk.Policy{Name: "越权改时限", FirstResponse: time.Minute})}
	// Only ops and admins decide the calendar: the role refuses first.
	cases["PUT /api/v1/calendar/days/{day}"] = idCase{body: body(httpapi.CalendarDayBody{Working: false, Note: "越权停工"})}
	cases["DELETE /api/v1/calendar/days/{day}"] = idCase{}
	return cases
}

// foreignPath fills a route's path parameters with the foreign targets,
// or with ids no record has when missing is set.
func (f *foreignSide) foreignPath(e *env, pattern string, target int64, missing bool) string {
	coll := strings.Split(strings.TrimPrefix(pattern, "/api/v1/"), "/")[0]
	id := cmp.Or(target, map[string]int64{"merchants": f.merchant.ID, "contacts": f.contact.ID, "terminals": f.terminal.ID,
		"applications": f.application.ID, "contracts": f.contract.ID, "teams": e.w.Team2.ID, "users": f.manager.ID,
		"tasks": f.task, "incidents": f.incident, "tickets": f.ticket, "sla-policies": f.policy, "calendar": 1}[coll])
	channel := f.channel
	if missing {
		id, channel = 987654321, 987654321
	}
	if id == 0 {
		e.t.Fatalf("%s: no foreign %s to aim at", pattern, coll)
	}
	p := strings.Replace(pattern, "{id}", fmt.Sprint(id), 1)
	p = strings.Replace(p, "{day}", "2031-05-06", 1)
	return strings.Replace(p, "{channel}", fmt.Sprint(channel), 1)
}

// listValues are the values a list's query parameter is tried with: those
// that point at the foreign side, or every value of an enum.
func (f *foreignSide) listValues(e *env, p httpapi.Param) []string {
	w := e.w
	switch p.Name {
	case "q":
		return f.searches
	case "merchant_id", "entity_id":
		return []string{fmt.Sprint(f.merchant.ID)}
	case "team_id":
		return []string{fmt.Sprint(w.Team2.ID)}
	case "account_manager_id", "responsible_id", "actor_id", "assignee_id":
		return []string{fmt.Sprint(f.manager.ID), fmt.Sprint(w.AgentB.ID)}
	case "entity":
		return []string{poscare.EntityMerchant, poscare.EntityContact, poscare.EntityUser}
	case "since":
		return []string{time.Now().AddDate(-1, 0, 0).Format(time.RFC3339)}
	case "limit":
		return []string{"500"}
	case "offset", "archived": // archived: see the archived pass
		return nil
	}
	if len(p.Enum) > 0 {
		return p.Enum
	}
	if p.Type == "boolean" {
		return []string{"true"}
	}
	return nil
}

// mustFind lists, by list route, the searches that must find the foreign
// record for its own agent or for ops, so that the searches the outsider
// makes are known to reach it.
func (f *foreignSide) mustFind(e *env) map[string][]string {
	return map[string][]string{
		"GET /api/v1/merchants":     {f.merchant.LegalName, "欧阳外组", f.merchant.USCC, f.merchant.MID, f.idNumber, "13987654321", "1398765"},
		"GET /api/v1/merchants.csv": {f.merchant.LegalName, "欧阳外组", f.merchant.USCC, "13987654321"},
		"GET /api/v1/contacts":      {"欧阳外组", "13987654321", "waizu.boss@example.cn", "waizu_boss88"},
		"GET /api/v1/terminals":     {f.terminal.Serial, f.terminal.TID, f.merchant.MID},
		"GET /api/v1/users":         {f.manager.Login, f.manager.Mobile, e.w.AgentB.Login},
	}
}

// TestAgentSeesNoForeignRecordThroughAnyRoute walks the whole route table
// as agent A, and as the lead of team 1, against a merchant of team 2 and
// every record around it. A route with an id answers 403 where the role
// may not act at all (poscare.Permissions) and otherwise 404, byte for byte
// the answer for an id that does not exist; it writes nothing anywhere on
// the foreign side and adds nothing to the audit trail. A list, searched
// and filtered with every foreign value, shows no foreign record. Every
// answer is free of the merchant's names, numbers and people. The same
// calls by the merchant's own agent, or ops, show that each target and
// search is real.
func TestAgentSeesNoForeignRecordThroughAnyRoute(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			f := buildForeign(t, e)
			opsTok := e.token(e.w.Users[poscare.RoleOps])
			cases := f.idCases(e)
			routes := e.api.Routes()
			seen := map[string]bool{}
			for _, rt := range routes {
				seen[routeKey(rt)] = true
				if _, ok := cases[routeKey(rt)]; strings.Contains(rt.Pattern, "{") && !ok {
					t.Errorf("%s takes an id but has no case here: add one, so its row check is tried", routeKey(rt))
				}
			}
			for key := range cases {
				if !seen[key] {
					t.Errorf("case %s names a route the server no longer has", key)
				}
			}
			for _, outsider := range []*poscare.User{e.w.Users[poscare.RoleAgent], e.w.Users[poscare.RoleLead]} {
				who := fixture.Actor(outsider)
				t.Run(string(outsider.Role), func(t *testing.T) {
					t.Run("RoutesWithAnID", func(t *testing.T) {
						for _, rt := range routes {
							c, ok := cases[routeKey(rt)]
							if !ok {
								continue
							}
							t.Run(routeKey(rt), func(t *testing.T) {
								e.t = t
								f.tryID(t, e, rt, c, who, outsider, opsTok)
							})
						}
					})
					t.Run("WritesNamingTheForeignMerchant", func(t *testing.T) {
						e.t = t
						f.tryParenting(t, e, routes, who, outsider, opsTok)
					})
					t.Run("Lists", func(t *testing.T) {
						e.t = t
						f.tryLists(t, e, routes, who, outsider, opsTok)
					})
				})
			}
		})
	}
}

// tryID calls one route with an id as the outsider against the foreign
// target.
func (f *foreignSide) tryID(t *testing.T, e *env, rt httpapi.Route, c idCase, who poscare.Actor, outsider *poscare.User, opsTok string) {
	allowed := rt.Entity == "" || who.Can(rt.Entity, rt.Action)
	want := http.StatusNotFound
	switch {
	case !allowed:
		want = http.StatusForbidden
	case c.public != "":
		want = http.StatusOK
	}
	var body any
	if c.body != nil {
		body = c.body()
	}
	tok := e.token(outsider)
	// The answer for a record that does not exist, to hold the foreign
	// one against: the outsider must not be able to tell them apart.
	missing := e.do(rt.Method, f.foreignPath(e, rt.Pattern, c.target, true), tok, body)
	if c.before != nil {
		c.before()
	}
	before, seq := f.state(t, e, opsTok), lastAudit(t, e)
	res := e.do(rt.Method, f.foreignPath(e, rt.Pattern, c.target, false), tok, body)
	after, seqAfter := f.state(t, e, opsTok), lastAudit(t, e)
	if c.after != nil {
		c.after()
	}
	if res.status != want {
		t.Errorf("status %d, want %d: %s", res.status, want, res.body)
	}
	if leaks := f.leaked(res.body); len(leaks) > 0 {
		t.Errorf("answer carries foreign data %q: %s", leaks, res.body)
	}
	if want != http.StatusOK && !bytes.Equal(res.body, missing.body) {
		t.Errorf("answer differs from the one for a missing record:\nforeign: %d %s\nmissing: %d %s", res.status, res.body, missing.status, missing.body)
	}
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("the call changed the foreign side:\nbefore: %s\nafter:  %s", before[i], after[i])
		}
	}
	if seq != seqAfter {
		t.Errorf("the call added %d audit entries", seqAfter-seq)
	}
	// The target is real: agent C, who holds the merchant, reads it
	// wherever an agent may.
	if rt.Method == "GET" {
		want := http.StatusForbidden
		if fixture.Actor(f.manager).Can(rt.Entity, rt.Action) {
			want = http.StatusOK
		}
		if own := e.do("GET", f.foreignPath(e, rt.Pattern, c.target, false), e.token(f.manager), nil); own.status != want {
			t.Errorf("control: agent C gets %d, want %d: %s", own.status, want, own.body)
		}
	}
}

// tryLists calls every list as the outsider with each query parameter set
// to each foreign value, first with the foreign records live, then with
// them archived and archived=true.
func (f *foreignSide) tryLists(t *testing.T, e *env, routes []httpapi.Route, who poscare.Actor, outsider *poscare.User, opsTok string) {
	ctx, sys := context.Background(), poscare.SystemActor("test")
	tok, ownTok := e.token(outsider), e.token(f.manager)
	found := map[string]map[string]bool{} // route → values that showed foreign data to a control
	try := func(rt httpapi.Route, q url.Values) {
		t.Helper()
		key := routeKey(rt)
		coll := strings.Split(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/")[0]
		path := rt.Pattern
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		want := http.StatusOK
		if rt.Entity != "" && !who.Can(rt.Entity, rt.Action) {
			want = http.StatusForbidden
		}
		res := e.do("GET", path, tok, nil)
		if res.status != want {
			t.Errorf("GET %s: status %d, want %d: %s", path, res.status, want, res.body)
		}
		if leaks := f.leaked(res.body); len(leaks) > 0 {
			t.Errorf("GET %s carries foreign data %q: %s", path, leaks, res.body)
		}
		if items := f.foreignItems(coll, res.body); publicCollections[coll] == "" && len(items) > 0 {
			t.Errorf("GET %s lists foreign records %v", path, items)
		}
		for _, ctl := range []string{ownTok, opsTok} {
			r := e.do("GET", path, ctl, nil)
			if len(f.leaked(r.body)) > 0 || len(f.foreignItems(coll, r.body)) > 0 {
				if found[key] == nil {
					found[key] = map[string]bool{}
				}
				found[key][q.Get("q")] = true
			}
		}
	}
	var lists []httpapi.Route
	for _, rt := range routes {
		if rt.Method == "GET" && !rt.Public && !strings.Contains(rt.Pattern, "{") {
			lists = append(lists, rt)
		}
	}
	probes := func(rt httpapi.Route) []url.Values {
		out := []url.Values{{}}
		for _, p := range rt.Query {
			vs := f.listValues(e, p)
			if vs == nil && p.Name != "offset" && p.Name != "archived" {
				t.Errorf("%s: query parameter %q has no foreign value here: add one to listValues", routeKey(rt), p.Name)
			}
			for _, v := range vs {
				out = append(out, url.Values{p.Name: {v}})
			}
		}
		return out
	}
	for _, rt := range lists {
		for _, q := range probes(rt) {
			try(rt, q)
		}
	}
	for key, values := range f.mustFind(e) {
		for _, v := range values {
			if !found[key][v] {
				t.Errorf("control: %s?q=%s finds nothing foreign even for agent C or ops, so the outsider's search proves nothing", key, v)
			}
		}
	}
	needsControl := func(rt httpapi.Route) bool {
		return recordless[routeKey(rt)] == "" && publicCollections[strings.Split(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/")[0]] == ""
	}
	for _, rt := range lists {
		if needsControl(rt) && len(found[routeKey(rt)]) == 0 {
			t.Errorf("control: no call of %s shows foreign data even to agent C or ops", routeKey(rt))
		}
	}

	// Archived, the foreign records must stay out of the archived lists.
	archived := []struct {
		entity string
		id     int64
	}{{poscare.EntityContact, f.contact.ID}, {poscare.EntityTerminal, f.terminal.ID}, {poscare.EntityApplication, f.application.ID},
		{poscare.EntityContract, f.contract.ID}, {poscare.EntityMerchant, f.merchant.ID}, {poscare.EntityUser, e.w.AgentB.ID}}
	for _, a := range archived {
		if err := e.s.Archive(ctx, sys, a.entity, a.id, "测试归档"); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for _, a := range archived {
			if err := e.s.Restore(ctx, sys, a.entity, a.id, "测试恢复"); err != nil {
				t.Fatal(err)
			}
		}
	}()
	found = map[string]map[string]bool{}
	for _, rt := range lists {
		if !slices.ContainsFunc(rt.Query, func(p httpapi.Param) bool { return p.Name == "archived" }) {
			continue
		}
		for _, q := range probes(rt) {
			q.Set("archived", "true")
			try(rt, q)
		}
		if needsControl(rt) && len(found[routeKey(rt)]) == 0 {
			t.Errorf("control: no archived call of %s shows foreign data even to agent C or ops", routeKey(rt))
		}
	}
}

// namesAMerchant reports whether a request body of type v has a
// merchant_id field, directly or in an embedded struct.
func namesAMerchant(v any) bool {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		fd := t.Field(i)
		if name, _, _ := strings.Cut(fd.Tag.Get("json"), ","); name == "merchant_id" {
			return true
		}
		if fd.Anonymous && namesAMerchant(reflect.New(fd.Type).Interface()) {
			return true
		}
	}
	return false
}

// tryParenting sends every body that names a merchant with the foreign
// merchant's id, as the outsider: a create must be refused exactly as for
// a merchant that does not exist, and an update of the outsider's own
// record must not move it across. Nothing on the foreign side changes.
func (f *foreignSide) tryParenting(t *testing.T, e *env, routes []httpapi.Route, who poscare.Actor, outsider *poscare.User, opsTok string) {
	ctx, w, opsA := context.Background(), e.w, ops(e.w)
	own := map[string]int64{"contacts": w.Contact.ID, "terminals": w.Terminal.ID, "applications": w.Application.ID,
		"contracts": w.Contract.ID, "users": w.Spare.ID}
	// bodies returns the route's body naming merchant id.
	bodies := map[string]func(id int64) any{
		"POST /api/v1/contacts": func(id int64) any {
			return poscare.Contact{MerchantID: id, Name: "越权联系人", Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fixture.Mobile(fixture.Seq())}}}
		},
		"POST /api/v1/terminals": func(id int64) any {
			return poscare.Terminal{Serial: fmt.Sprintf("YQ%010d", fixture.Seq()), Model: "A920", Vendor: "百富", MerchantID: &id,
				MID: f.merchant.MID, Status: poscare.TerminalInstalled}
		},
		"POST /api/v1/applications": func(id int64) any { return poscare.Application{MerchantID: id} },
		"POST /api/v1/tickets": func(id int64) any {
			return servicedesk.Ticket{Kind: servicedesk.KindComplaint, Channel: servicedesk.ChannelPhone, MerchantID: id, Subject: "越权投诉"}
		},
		"POST /api/v1/sla-policies": func(id int64) any {
			return servicedesk.Policy{Name: "越权时限", MerchantID: &id, FirstResponse: time.Minute}
		},
		"PUT /api/v1/sla-policies/{id}": func(id int64) any {
			return servicedesk.Policy{Name: "越权时限", MerchantID: &id, FirstResponse: time.Minute}
		},
		"POST /api/v1/contracts": func(id int64) any { x := *f.contract; x.ID, x.MerchantID = 0, id; return x },
		"POST /api/v1/users": func(id int64) any {
			return httpapi.UserCreate{User: poscare.User{Login: fmt.Sprintf("shop%d", fixture.Seq()), Name: "越权店主", Role: poscare.RoleMerchant, MerchantID: &id},
				Password: "a-long-password"}
		},
		"PUT /api/v1/contacts/{id}": func(id int64) any {
			x, _ := e.s.GetContact(ctx, opsA, w.Contact.ID)
			x.MerchantID = id
			return x
		},
		"PUT /api/v1/terminals/{id}": func(id int64) any {
			x, _ := e.s.GetTerminal(ctx, opsA, w.Terminal.ID)
			x.MerchantID, x.MID = &id, f.merchant.MID
			return x
		},
		"PUT /api/v1/applications/{id}": func(id int64) any {
			x, _ := e.s.GetApplication(ctx, opsA, w.Application.ID)
			x.MerchantID = id
			return x
		},
		"PUT /api/v1/contracts/{id}": func(id int64) any {
			x, _ := e.s.GetContract(ctx, opsA, w.Contract.ID)
			x.MerchantID = id
			return x
		},
		"PUT /api/v1/users/{id}": func(id int64) any {
			x, _ := e.s.GetUser(ctx, opsA, w.Spare.ID)
			x.MerchantID = &id
			return x
		},
	}
	tok := e.token(outsider)
	tried := 0
	for _, rt := range routes {
		if rt.Body == nil || !namesAMerchant(rt.Body) {
			continue
		}
		body, ok := bodies[routeKey(rt)]
		if !ok {
			t.Errorf("%s takes a merchant_id but has no case here: add one", routeKey(rt))
			continue
		}
		tried++
		t.Run(routeKey(rt), func(t *testing.T) {
			e.t = t
			coll := strings.Split(strings.TrimPrefix(rt.Pattern, "/api/v1/"), "/")[0]
			path := strings.Replace(rt.Pattern, "{id}", fmt.Sprint(own[coll]), 1)
			allowed := who.Can(rt.Entity, rt.Action)
			var missing response
			if rt.Method == "POST" {
				missing = e.do(rt.Method, path, tok, body(987654321))
			}
			before, seq := f.state(t, e, opsTok), lastAudit(t, e)
			res := e.do(rt.Method, path, tok, body(f.merchant.ID))
			after := f.state(t, e, opsTok)
			for i := range before {
				if before[i] != after[i] {
					t.Errorf("the call changed the foreign side:\nbefore: %s\nafter:  %s", before[i], after[i])
				}
			}
			if leaks := f.leaked(res.body); len(leaks) > 0 {
				t.Errorf("answer carries foreign data %q: %s", leaks, res.body)
			}
			switch {
			case !allowed:
				if res.status != http.StatusForbidden {
					t.Errorf("status %d, want 403: %s", res.status, res.body)
				}
			case rt.Method == "POST":
				if res.status != http.StatusNotFound && res.status != http.StatusUnprocessableEntity || !bytes.Equal(res.body, missing.body) {
					t.Errorf("answer differs from the one for a merchant that does not exist:\nforeign: %d %s\nmissing: %d %s", res.status, res.body, missing.status, missing.body)
				}
				if seqAfter := lastAudit(t, e); seqAfter != seq {
					t.Errorf("the refused create added %d audit entries", seqAfter-seq)
				}
			default:
				// The update may succeed, but the record stays with its merchant.
				var got struct {
					MerchantID *int64 `json:"merchant_id"`
				}
				r := e.do("GET", path, opsTok, nil)
				r.decode(t, &got)
				if got.MerchantID == nil || *got.MerchantID != w.Merchant.ID {
					t.Errorf("%s left merchant %d: now %s (answer %d %s)", path, w.Merchant.ID, r.body, res.status, res.body)
				}
			}
		})
	}
	if tried < 5 {
		t.Fatalf("only %d routes take a merchant_id; the reflection no longer finds them", tried)
	}
}

// TestAgentLosesTasksOfAMerchantMovedAway: once a lead or ops gives a
// merchant to another team, its former agent no longer sees it, and so
// must neither see the open tasks about it (their titles name the merchant
// and its contact) nor complete them (completing a verification marks the
// contact verified).
func TestAgentLosesTasksOfAMerchantMovedAway(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			ctx, w := context.Background(), e.w
			agent, opsTok := w.Users[poscare.RoleAgent], e.token(w.Users[poscare.RoleOps])
			m := fixture.NewMerchant(w.Team1.ID, agent.ID, nil)
			if err := s.CreateMerchant(ctx, ops(w), m); err != nil {
				t.Fatal(err)
			}
			verified := time.Now().AddDate(-1, 0, 0).UTC()
			c := &poscare.Contact{MerchantID: m.ID, Name: "搬走的老板", LastVerifiedAt: &verified,
				Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fixture.Mobile(fixture.Seq())}}}
			if err := s.CreateContact(ctx, ops(w), c); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SweepStaleContacts(ctx); err != nil {
				t.Fatal(err)
			}
			tok := e.token(agent)
			var tasks httpapi.List[map[string]any]
			e.do("GET", "/api/v1/tasks", tok, nil).decode(t, &tasks)
			var task any
			for _, x := range tasks.Items {
				if x["contact_id"] == float64(c.ID) {
					task = x["id"]
				}
			}
			if task == nil {
				t.Fatalf("control: the agent has no task to verify the contact: %+v", tasks.Items)
			}

			// Ops gives the merchant to agent B in team 2.
			m.TeamID, m.AccountManagerID = w.Team2.ID, w.AgentB.ID
			if res := e.do("PUT", fmt.Sprintf("/api/v1/merchants/%d", m.ID), opsTok, m); res.status != http.StatusOK {
				t.Fatalf("move: %d %s", res.status, res.body)
			}
			if res := e.do("GET", fmt.Sprintf("/api/v1/merchants/%d", m.ID), tok, nil); res.status != http.StatusNotFound {
				t.Fatalf("the agent still reads the merchant: %d", res.status)
			}
			contact := func() string {
				return string(e.do("GET", fmt.Sprintf("/api/v1/contacts/%d", c.ID), opsTok, nil).body)
			}
			before := contact()
			if res := e.do("GET", "/api/v1/tasks", tok, nil); bytes.Contains(res.body, []byte(m.LegalName)) || bytes.Contains(res.body, []byte(c.Name)) {
				t.Errorf("the agent's task list still names the merchant he lost: %s", res.body)
			}
			if res := e.do("POST", fmt.Sprintf("/api/v1/tasks/%v/done", task), tok, nil); res.status != http.StatusNotFound {
				t.Errorf("completing the task of a merchant he lost: %d %s, want 404", res.status, res.body)
			}
			if after := contact(); after != before {
				t.Errorf("the agent changed a contact he cannot see:\nbefore: %s\nafter:  %s", before, after)
			}
		})
	}
}
