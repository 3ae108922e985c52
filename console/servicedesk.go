package console

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"poscare"
	"poscare/servicedesk"
	"poscare/sqlstore"
)

// The service desk's pages: the queues, one ticket with its clocks and
// history, a call or a visit logged as a ticket; and in the portal, the
// merchant's own tickets, filed, followed and answered.
var _ = registerPages("servicedesk", func(c *Console, m *http.ServeMux) {
	m.Handle("GET /tickets", c.handler(true, c.ticketQueue))
	m.Handle("GET /tickets/new", c.handler(true, c.ticketNew))
	m.Handle("POST /tickets/new", c.handler(true, c.ticketNew))
	m.Handle("GET /tickets/{id}", c.handler(true, c.ticketPage))
	m.Handle("POST /tickets/{id}/reply", c.handler(true, c.ticketReply))
	m.Handle("POST /tickets/{id}/move", c.handler(true, c.ticketMove))
	m.Handle("POST /tickets/{id}/assign", c.handler(true, c.ticketAssign))
	m.Handle("POST /tickets/{id}/investigation", c.handler(true, c.ticketInvestigation))
	m.Handle("POST /tickets/{id}/approve", c.handler(true, c.ticketApprove))
	m.Handle("GET /tickets/{id}/files/{file}", c.handler(true, c.ticketFile))
	m.Handle("GET /portal/tickets/{id}/files/{file}", c.handler(false, c.ticketFile))
	m.Handle("POST /portal/tickets/{id}/rate", c.handler(false, c.portalRate))
	m.HandleFunc("GET /survey", c.surveyLink)
	m.HandleFunc("POST /survey", c.surveyLink)
	m.Handle("GET /portal/tickets", c.handler(false, c.portalTickets))
	m.Handle("GET /portal/tickets/new", c.handler(false, c.portalTicketNew))
	m.Handle("POST /portal/tickets/new", c.handler(false, c.portalTicketNew))
	m.Handle("GET /portal/tickets/{id}", c.handler(false, c.portalTicket))
	m.Handle("POST /portal/tickets/{id}/reply", c.handler(false, c.portalTicket))
})

// How the trail puts the desk's records into words.
var (
	_ = registerValueWords(servicedesk.EntityTicket, map[string]string{"kind": "sd.kind", "priority": "sd.priority", "status": "sd.status",
		"channel": "sd.channel", "reply_channel": "sd.channel", "reply_lang": "clang", "cause": "sd.cause", "clock": "sd.clock", "level": "sd.level"})
	_ = registerValueWords(servicedesk.EntitySLAPolicy, map[string]string{"kind": "sd.kind", "priority": "sd.priority",
		"first_response": durationWords, "update": durationWords, "resolution": durationWords})
)

// ticketRow is a ticket in a queue, with the names a reader needs and the
// deadline that comes first.
type ticketRow struct {
	*sqlstore.TicketView
	Merchant, Assignee string
	Next               *servicedesk.ClockState // the running clock due first
	Late, Breached     bool
}

// queueTab is one of a queue page's tabs.
type queueTab struct {
	Key, Label, Href string
	On               bool
}

type queueData struct {
	Tabs       []queueTab
	Rows       []ticketRow
	Statuses   []option
	Kinds      []option
	Status     string
	Kind       string
	Tab        string
	Prev, Next string
	Now        time.Time
}

// merchantName is a merchant's legal name, looked up as the system: the
// caller saw the ticket, so may see whose it is.
func (c *Console) merchantName(q *request, cache map[int64]string, id int64) string {
	if n, ok := cache[id]; ok {
		return n
	}
	n := strconv.FormatInt(id, 10)
	if m, err := c.Store.GetMerchant(q.r.Context(), poscare.SystemActor("console"), id); err == nil {
		n = m.LegalName
	}
	cache[id] = n
	return n
}

func (c *Console) ticketRows(q *request, vs []*sqlstore.TicketView) []ticketRow {
	names, merchants, now := c.names(q), map[int64]string{}, time.Now()
	rows := make([]ticketRow, len(vs))
	for i, v := range vs {
		r := ticketRow{TicketView: v, Merchant: c.merchantName(q, merchants, v.MerchantID)}
		if v.AssigneeID != nil {
			r.Assignee = names("user_id", *v.AssigneeID)
		}
		for j := range v.Clocks {
			k := &v.Clocks[j]
			r.Breached = r.Breached || k.Breached
			if k.Running && !k.Due.IsZero() && (r.Next == nil || k.Due.Before(r.Next.Due)) {
				r.Next = k
			}
		}
		r.Late = r.Next != nil && r.Next.Due.Before(now)
		rows[i] = r
	}
	return rows
}

// ticketQueue is the desk's queues: mine, my team's unassigned, all I
// see, and the breached ones, filtered by status and kind.
func (c *Console) ticketQueue(q *request) {
	a := q.sess.Actor
	v := q.r.URL.Query()
	tab := v.Get("tab")
	if !slices.Contains([]string{"mine", "team", "all", "breached"}, tab) {
		tab = "mine"
		if a.Role == poscare.RoleOps || a.Role == poscare.RoleAuditor {
			tab = "all"
		}
	}
	offset, _ := strconv.Atoi(v.Get("offset"))
	offset = max(offset, 0)
	f := sqlstore.TicketFilter{Kind: servicedesk.Kind(v.Get("kind")), Status: servicedesk.Status(v.Get("status")), Limit: 50, Offset: offset}
	if f.Status == "" {
		f.Open = true
	}
	switch tab {
	case "mine":
		f.AssigneeID = &a.UserID
	case "team":
		f.Unassigned, f.TeamID = true, a.TeamID
	case "breached":
		f.Breached = true
	}
	vs, err := c.Store.ListTickets(q.r.Context(), a, f)
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", nil)
	p.Title = p.T("sdc.queue.title")
	more := len(vs) > f.Limit
	if more {
		vs = vs[:f.Limit]
	}
	d := &queueData{Rows: c.ticketRows(q, vs), Status: string(f.Status), Kind: string(f.Kind), Tab: tab, Now: time.Now()}
	d.Prev, d.Next = pageLinks(q.r.URL, offset, f.Limit, more)
	for _, t := range [][2]string{{"mine", "sdc.tab.mine"}, {"team", "sdc.tab.team"}, {"all", "sdc.tab.all"}, {"breached", "sdc.tab.breached"}} {
		d.Tabs = append(d.Tabs, queueTab{Key: t[0], Label: p.T(t[1]), Href: "/tickets?tab=" + t[0], On: t[0] == tab})
	}
	d.Statuses = append([]option{{"", p.T("sdc.filter.open")}}, statusOptions(p, servicedesk.Statuses)...)
	d.Kinds = append([]option{{"", p.T("sdc.filter.any_kind")}}, kindOptions(p)...)
	p.Data = d
	q.render(http.StatusOK, "tickets", p)
}

func statusOptions(p *Page, ss []servicedesk.Status) []option {
	out := make([]option, len(ss))
	for i, s := range ss {
		out[i] = option{string(s), s.Name().In(p.Lang)}
	}
	return out
}

func kindOptions(p *Page) []option {
	out := make([]option, len(servicedesk.Kinds))
	for i, k := range servicedesk.Kinds {
		out[i] = option{string(k), k.Name().In(p.Lang)}
	}
	return out
}

func priorityOptions(p *Page) []option {
	out := make([]option, len(servicedesk.Priorities))
	for i, x := range servicedesk.Priorities {
		out[i] = option{string(x), x.Name().In(p.Lang)}
	}
	return out
}

// ticketForm is the form a ticket is filed with, staff or portal.
type ticketForm struct {
	Action    string
	Merchant  *poscare.Merchant
	Kinds     []option
	Prios     []option
	Channels  []option
	Terminals []option
	Values    map[string]string
	Errors    map[string]string
	Portal    bool
}

// ticketNew logs a call or a visit as a ticket for a merchant the staff
// member serves (?merchant=id, from the merchant's page).
func (c *Console) ticketNew(q *request) {
	a := q.sess.Actor
	id, _ := strconv.ParseInt(q.r.URL.Query().Get("merchant"), 10, 64)
	if q.r.Method == http.MethodPost {
		id, _ = strconv.ParseInt(q.r.PostForm.Get("merchant_id"), 10, 64)
	}
	m, err := c.Store.GetMerchant(q.r.Context(), a, id)
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", nil)
	p.Title = p.T("sdc.new.title")
	form := &ticketForm{Action: "/tickets/new", Merchant: m, Kinds: kindOptions(p), Prios: priorityOptions(p), Values: map[string]string{"priority": "normal", "channel": "phone"}, Errors: map[string]string{}}
	for _, ch := range []servicedesk.Channel{servicedesk.ChannelPhone, servicedesk.ChannelInPerson, servicedesk.ChannelEmail, servicedesk.ChannelWeChat, servicedesk.ChannelSMS} {
		form.Channels = append(form.Channels, option{string(ch), ch.Name().In(p.Lang)})
	}
	if ts, err := c.Store.ListTerminals(q.r.Context(), a, poscare.TerminalFilter{MerchantID: &m.ID, Page: poscare.Page{Limit: 200}}); err == nil {
		for _, t := range ts {
			form.Terminals = append(form.Terminals, option{strconv.FormatInt(t.ID, 10), t.Serial + " · " + t.Model})
		}
	}
	p.Data = form
	if q.r.Method == http.MethodPost {
		f := q.r.PostForm
		for _, k := range []string{"kind", "priority", "channel", "subject", "body", "terminal_id"} {
			form.Values[k] = f.Get(k)
		}
		x := &servicedesk.Ticket{Kind: servicedesk.Kind(f.Get("kind")), Priority: servicedesk.Priority(f.Get("priority")),
			Channel: servicedesk.Channel(f.Get("channel")), Subject: f.Get("subject"), Body: f.Get("body"), MerchantID: m.ID,
			TerminalID: parseIDPtr(f.Get("terminal_id"))}
		v, err := c.Store.OpenTicket(q.r.Context(), a, x)
		if err == nil {
			q.redirect("/tickets/" + strconv.FormatInt(v.ID, 10) + "?saved=saved")
			return
		}
		if !fieldErrors(p, form.Errors, err) {
			q.fail(err)
			return
		}
		q.render(http.StatusUnprocessableEntity, "ticket_new", p)
		return
	}
	q.render(http.StatusOK, "ticket_new", p)
}

// fieldErrors puts a validation error's fields into errs in the page's
// language; false for any other error.
func fieldErrors(p *Page, errs map[string]string, err error) bool {
	var e *poscare.Error
	if !errors.As(err, &e) || (e.Code != poscare.EInvalid && e.Code != poscare.EConflict) {
		return false
	}
	p.Error = e.Message.In(p.Lang)
	for k, v := range e.Fields {
		errs[k] = v.In(p.Lang)
	}
	return true
}

// ticketPage is one ticket for staff.
type ticketPage struct {
	T        *sqlstore.TicketView
	Merchant string
	Assignee string
	Lines    []ticketLine
	Moves    []option
	Staff    []option
	CanMove  bool
	CanReply bool
	CanNote  bool
	CanGive  bool // give it to anyone (lead, ops)
	Mine     bool
	Now      time.Time
	Files    []*sqlstore.Attachment
	// The investigation, for staff: the record, the causes to choose
	// from, who approved a compensation, and whether this reader may.
	Survey     *servicedesk.Survey
	Scores     []scoreQuestion
	Inv        *servicedesk.Investigation
	Causes     []option
	Approver   string
	CanApprove bool
	FileBase   string // where the files are fetched: /tickets/{id}/files or the portal's
}

// ticketLine is one step of a ticket's history, as a reader sees it.
type ticketLine struct {
	At      time.Time
	Who     string
	What    string
	Body    string
	Kind    string
	Public  bool
	Channel string
}

func (c *Console) ticketLines(q *request, p *Page, v *sqlstore.TicketView) []ticketLine {
	names := c.names(q)
	out := make([]ticketLine, 0, len(v.Events))
	for _, e := range v.Events {
		l := ticketLine{At: e.At, What: e.Msg.In(p.Lang), Body: e.Body, Kind: string(e.Kind), Public: e.Public}
		switch {
		case e.ActorID != nil:
			l.Who = names("user_id", *e.ActorID)
		default:
			l.Who = p.T("sdc.system")
		}
		if e.Channel != "" {
			l.Channel = e.Channel.Name().In(p.Lang)
		}
		out = append(out, l)
	}
	return out
}

func (c *Console) ticketPage(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	v, err := c.Store.GetTicket(q.r.Context(), q.sess.Actor, id)
	if err != nil {
		q.fail(err)
		return
	}
	c.renderTicket(q, v, "", http.StatusOK)
}

func (c *Console) renderTicket(q *request, v *sqlstore.TicketView, problem string, status int) {
	a := q.sess.Actor
	p := q.page("", nil)
	p.Title = v.Ref + " · " + v.Subject
	p.Error = problem
	d := &ticketPage{T: v, Merchant: c.merchantName(q, map[int64]string{}, v.MerchantID), Lines: c.ticketLines(q, p, v), Now: time.Now(),
		CanMove: a.Can(servicedesk.EntityTicket, poscare.ActUpdate), CanReply: a.Can(servicedesk.EntityTicket, servicedesk.ActReply),
		CanNote: a.Can(servicedesk.EntityTicket, servicedesk.ActNote), CanGive: a.Role == poscare.RoleLead || a.Role == poscare.RoleOps,
		Mine: v.AssigneeID != nil && *v.AssigneeID == a.UserID}
	if v.AssigneeID != nil {
		d.Assignee = c.names(q)("user_id", *v.AssigneeID)
	}
	d.Moves = statusOptions(p, servicedesk.NextStatuses(v.Status))
	d.Files, _ = c.Store.TicketAttachments(q.r.Context(), a, v.ID)
	if inv, err := c.Store.Investigation(q.r.Context(), a, v.ID); err == nil {
		d.Inv = inv
		for _, cause := range servicedesk.Causes {
			d.Causes = append(d.Causes, option{string(cause), cause.Name().In(p.Lang)})
		}
		if inv.ApprovedBy != nil {
			d.Approver = c.names(q)("user_id", *inv.ApprovedBy)
		}
		d.CanApprove = a.Can(servicedesk.EntityTicket, servicedesk.ActApprove) && inv.CompensationFen > 0 && inv.ApprovedBy == nil &&
			(inv.UpdatedBy == nil || *inv.UpdatedBy != a.UserID)
	}
	d.FileBase = "/tickets/" + strconv.FormatInt(v.ID, 10) + "/files/"
	if d.CanGive {
		if users, err := c.Store.ListUsers(q.r.Context(), a, sqlstore.UserFilter{Page: poscare.Page{Limit: 500}}); err == nil {
			for _, u := range users {
				if u.Role.IsStaff() && u.Available() && u.Role != poscare.RoleAuditor && u.Role != poscare.RoleAdmin {
					d.Staff = append(d.Staff, option{strconv.FormatInt(u.ID, 10), u.Name + " · " + p.Enum("role", u.Role)})
				}
			}
		}
	}
	p.Data = d
	q.render(status, "ticket", p)
}

// ticketAfter shows the ticket after an action: its page with the flash,
// or with the error of the action.
func (c *Console) ticketAfter(q *request, id int64, saved string, err error) {
	if err == nil {
		q.redirect("/tickets/" + strconv.FormatInt(id, 10) + "?saved=" + saved)
		return
	}
	code := poscare.ErrorCode(err)
	if code != poscare.EInvalid && code != poscare.EConflict {
		q.fail(err)
		return
	}
	v, gerr := c.Store.GetTicket(q.r.Context(), q.sess.Actor, id)
	if gerr != nil {
		q.fail(gerr)
		return
	}
	c.renderTicket(q, v, errorText(q, err), http.StatusUnprocessableEntity)
}

// errorText is an error in the reader's words, its fields' problems
// after it.
func errorText(q *request, err error) string {
	lang := "zh"
	if q.sess != nil {
		lang = q.sess.Lang
	}
	var e *poscare.Error
	if !errors.As(err, &e) {
		return poscare.Message(err, lang)
	}
	parts := []string{e.Message.In(lang)}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, e.Fields[k].In(lang))
	}
	sep := "；"
	if lang == "en" {
		sep = "; "
	}
	return strings.Join(parts, sep)
}

func (c *Console) ticketReply(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	internal := q.r.PostForm.Get("as") == "note"
	_, err := c.Store.ReplyTicket(q.r.Context(), q.sess.Actor, id, q.r.PostForm.Get("body"), internal)
	saved := "sent"
	if internal {
		saved = "logged"
	}
	c.ticketAfter(q, id, saved, err)
}

func (c *Console) ticketMove(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	_, err := c.Store.MoveTicket(q.r.Context(), q.sess.Actor, id, servicedesk.Status(q.r.PostForm.Get("status")), q.r.PostForm.Get("note"))
	c.ticketAfter(q, id, "saved", err)
}

func (c *Console) ticketAssign(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	var to *int64
	switch who := q.r.PostForm.Get("assignee"); who {
	case "me":
		to = &q.sess.Actor.UserID
	case "", "queue":
	default:
		to = parseIDPtr(who)
	}
	_, err := c.Store.AssignTicket(q.r.Context(), q.sess.Actor, id, to, nil)
	c.ticketAfter(q, id, "saved", err)
}

// The portal's side: the merchant's own tickets.

type portalTicketsData struct {
	Rows []ticketRow
}

func (c *Console) portalTickets(q *request) {
	vs, err := c.Store.ListTickets(q.r.Context(), q.sess.Actor, sqlstore.TicketFilter{Limit: 100})
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", &portalTicketsData{Rows: c.ticketRows(q, vs)})
	p.Title = p.T("sdc.portal.title")
	q.render(http.StatusOK, "portal_tickets", p)
}

func (c *Console) portalTicketNew(q *request) {
	p := q.page("", nil)
	p.Title = p.T("sdc.portal.new")
	form := &ticketForm{Action: "/portal/tickets/new", Kinds: kindOptions(p), Values: map[string]string{"kind": q.r.URL.Query().Get("kind")}, Errors: map[string]string{}, Portal: true}
	p.Data = form
	if q.r.Method == http.MethodPost {
		f := q.r.PostForm
		for _, k := range []string{"kind", "subject", "body"} {
			form.Values[k] = f.Get(k)
		}
		v, err := c.Store.OpenTicket(q.r.Context(), q.sess.Actor, &servicedesk.Ticket{Kind: servicedesk.Kind(f.Get("kind")), Subject: f.Get("subject"), Body: f.Get("body")})
		if err == nil {
			q.redirect("/portal/tickets/" + strconv.FormatInt(v.ID, 10) + "?saved=sent")
			return
		}
		if !fieldErrors(p, form.Errors, err) {
			q.fail(err)
			return
		}
		q.render(http.StatusUnprocessableEntity, "ticket_new", p)
		return
	}
	q.render(http.StatusOK, "ticket_new", p)
}

func (c *Console) portalTicket(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	problem := ""
	if q.r.Method == http.MethodPost {
		_, err := c.Store.ReplyTicket(q.r.Context(), q.sess.Actor, id, q.r.PostForm.Get("body"), false)
		if err == nil {
			q.redirect("/portal/tickets/" + strconv.FormatInt(id, 10) + "?saved=sent")
			return
		}
		if code := poscare.ErrorCode(err); code != poscare.EInvalid && code != poscare.EConflict {
			q.fail(err)
			return
		}
		problem = errorText(q, err)
	}
	c.renderPortalTicket(q, id, problem)
}

// renderPortalTicket shows the merchant one ticket, with problem (what an
// action just refused) on top.
func (c *Console) renderPortalTicket(q *request, id int64, problem string) {
	v, err := c.Store.GetTicket(q.r.Context(), q.sess.Actor, id)
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", nil)
	p.Title = v.Ref + " · " + v.Subject
	p.Error = problem
	lines := c.ticketLines(q, p, v)
	// The merchant sees staff as the desk, never a staff member's name.
	for i := range lines {
		if lines[i].Kind != string(servicedesk.EventMerchantMsg) && lines[i].Kind != string(servicedesk.EventOpened) {
			lines[i].Who = p.T("sdc.portal.desk")
		}
	}
	files, _ := c.Store.TicketAttachments(q.r.Context(), q.sess.Actor, v.ID)
	d := &ticketPage{T: v, Lines: lines, CanReply: v.Status != servicedesk.StatusClosed, Now: time.Now(), Files: files,
		FileBase: "/portal/tickets/" + strconv.FormatInt(v.ID, 10) + "/files/"}
	if x, err := c.Store.OpenSurvey(q.r.Context(), q.sess.Actor, v.ID); err == nil && x != nil {
		d.Survey, d.Scores = x, scoreQuestions(p)
	}
	p.Data = d
	status := http.StatusOK
	if problem != "" {
		status = http.StatusUnprocessableEntity
	}
	q.render(status, "portal_ticket", p)
}

// ticketFile sends one file of a ticket as a download; only images are
// shown in the browser, under the console's CSP, so that a mailed HTML
// file never runs as a page of poscare.
func (c *Console) ticketFile(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	file, ok := q.id("file")
	if !ok {
		return
	}
	x, content, err := c.Store.TicketFile(q.r.Context(), q.sess.Actor, id, file)
	if err != nil {
		q.fail(err)
		return
	}
	h := q.w.Header()
	ctype, disposition := "application/octet-stream", "attachment"
	switch x.ContentType {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		ctype, disposition = x.ContentType, "inline"
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": x.Name}))
	h.Set("Cache-Control", "private, no-store")
	q.w.Write(content)
}

// KB is a file's size in kilobytes, in the page's words.
func (p *Page) KB(n int64) string { return poscare.Say(p.Lang, "sdc.size.kb", "n", (n+1023)/1024) }

func (c *Console) ticketInvestigation(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	f := q.r.PostForm
	x := &servicedesk.Investigation{TicketID: id, Findings: f.Get("findings"), Cause: servicedesk.Cause(f.Get("cause")), Result: f.Get("result")}
	if s := strings.TrimSpace(f.Get("compensation")); s != "" {
		fen, ok := parseYuan(s)
		if !ok {
			p := poscare.Problems{}
			p.Say("compensation_fen", "sd.invalid.compensation")
			c.ticketAfter(q, id, "", p.Err())
			return
		}
		x.CompensationFen = fen
	}
	c.ticketAfter(q, id, "saved", c.Store.SaveInvestigation(q.r.Context(), q.sess.Actor, x))
}

func (c *Console) ticketApprove(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	c.ticketAfter(q, id, "saved", c.Store.ApproveCompensation(q.r.Context(), q.sess.Actor, id))
}

// scoreQuestion is one question of a rating, with its 1–5 choices.
type scoreQuestion struct {
	Name, Label string
	Scores      []int
}

func scoreQuestions(p *Page) []scoreQuestion {
	out := []scoreQuestion{}
	for _, name := range []string{"resolution_score", "speed_score", "attitude_score"} {
		out = append(out, scoreQuestion{Name: name, Label: p.Field(name), Scores: []int{5, 4, 3, 2, 1}})
	}
	return out
}

// surveyAnswer reads a rating form.
func surveyAnswer(f url.Values) servicedesk.Survey {
	n := func(k string) int { v, _ := strconv.Atoi(f.Get(k)); return v }
	return servicedesk.Survey{Resolution: n("resolution_score"), Speed: n("speed_score"), Attitude: n("attitude_score"), Comment: f.Get("comment")}
}

func (c *Console) portalRate(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	err := c.Store.AnswerSurvey(q.r.Context(), q.sess.Actor, id, surveyAnswer(q.r.PostForm), "", "")
	back := "/portal/tickets/" + strconv.FormatInt(id, 10)
	if err == nil {
		q.redirect(back + "?saved=rated")
		return
	}
	if code := poscare.ErrorCode(err); code != poscare.EInvalid && code != poscare.EConflict {
		q.fail(err)
		return
	}
	c.renderPortalTicket(q, id, errorText(q, err))
}

type surveyPage struct {
	T         *sqlstore.TicketView
	Scores    []scoreQuestion
	Link, Sig string
	Done      bool
}

// surveyLink is the page behind a mailed rating link: no login, the
// signature is the proof; opening it rates nothing, only the form's POST.
func (c *Console) surveyLink(w http.ResponseWriter, r *http.Request) {
	q := &request{w: w, r: r, c: c}
	p := q.page("", nil)
	p.Title = p.T("sdc.survey.title")
	var link, sig string
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		link, sig = r.PostForm.Get("r"), r.PostForm.Get("s")
	} else {
		link, sig = r.URL.Query().Get("r"), r.URL.Query().Get("s")
	}
	_, v, err := c.Store.SurveyByLink(r.Context(), link, sig)
	if err == nil && r.Method == http.MethodPost {
		if err = c.Store.AnswerSurvey(r.Context(), poscare.Actor{}, 0, surveyAnswer(r.PostForm), link, sig); err == nil {
			p.Data = &surveyPage{T: v, Done: true}
			q.render(http.StatusOK, "survey", p)
			return
		}
		if poscare.ErrorCode(err) == poscare.EInvalid && !strings.Contains(errorText(q, err), p.T("sdc.survey.bad")) {
			p.Error = errorText(q, err)
			p.Data = &surveyPage{T: v, Scores: scoreQuestions(p), Link: link, Sig: sig}
			q.render(http.StatusUnprocessableEntity, "survey", p)
			return
		}
	}
	if err != nil {
		p.Error = p.T("sdc.survey.bad")
		q.render(http.StatusBadRequest, "error", p)
		return
	}
	p.Data = &surveyPage{T: v, Scores: scoreQuestions(p), Link: link, Sig: sig}
	q.render(http.StatusOK, "survey", p)
}

// Colon is the colon after a label in the page's language: full width in
// Chinese, ": " in English.
func (p *Page) Colon() string {
	if p.Lang == "en" {
		return ": "
	}
	return "："
}
