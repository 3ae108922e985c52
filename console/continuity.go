package console

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"poscare"
	"poscare/continuity"
	"poscare/sqlstore"
)

// The continuity capability's pages: the dashboard, incidents and the
// playbook's declaration, a person's removals, and the tasks it hands out.
var _ = registerPages("continuity", func(c *Console, m *http.ServeMux) {
	m.Handle("GET /continuity", c.handler(true, c.continuity))
	m.Handle("GET /incidents", c.handler(true, c.incidentList))
	m.Handle("GET /incidents/{id}", c.handler(true, c.incidentDetail))
	m.Handle("POST /incidents/{id}", c.handler(true, c.incidentDetail))
	m.Handle("POST /incidents/{id}/backup", c.handler(true, c.incidentBackup))
	m.Handle("POST /incidents/{id}/close", c.handler(true, c.incidentClose))
	m.Handle("POST /incidents/{id}/return", c.handler(true, c.incidentReturn))
	m.Handle("GET /incidents/{id}/calls", c.handler(true, c.incidentCalls))
	m.Handle("GET /incidents/{id}/calls.csv", c.handler(true, c.incidentCallsCSV))
	m.Handle("GET /staff/{id}/declare", c.handler(true, c.declareForm))
	m.Handle("POST /staff/{id}/declare", c.handler(true, c.declareForm))
	m.Handle("GET /staff/{id}/removals", c.handler(true, c.removals))
	m.Handle("POST /staff/{id}/removals", c.handler(true, c.removals))
	m.Handle("GET /tasks", c.handler(true, c.tasks))
	m.Handle("POST /tasks/{id}/done", c.handler(true, c.taskDone))
	m.Handle("POST /me/contact", c.handler(true, c.ownContact))
})

// incidentRow is an incident with the name of its person, for lists.
type incidentRow struct {
	X    *poscare.Incident
	Name string
	Done int
}

func doneCount(x *poscare.Incident) int {
	n := 0
	for _, c := range x.Checklist {
		if c.Done != nil {
			n++
		}
	}
	return n
}

func (c *Console) incidentList(q *request) {
	xs, err := c.Store.ListIncidents(q.r.Context(), q.sess.Actor, false, poscare.Page{Limit: 100})
	if err != nil {
		q.fail(err)
		return
	}
	name := c.names(q)
	rows := make([]incidentRow, len(xs))
	for i, x := range xs {
		rows[i] = incidentRow{X: x, Name: name("user_id", x.UserID), Done: doneCount(x)}
	}
	p := q.page("", rows)
	p.Title = p.T("incident.title")
	q.render(http.StatusOK, "incidents", p)
}

// incidentData is one incident's page.
type incidentData struct {
	X     *poscare.Incident
	Name  string
	Done  int
	Risk  []entry
	Names map[int64]string
	// The delivery section: one page of the messages queued for the
	// incident's merchants, the counts by status, and the status filter.
	Delivery   []*sqlstore.IncidentNotification
	Summary    sqlstore.DeliverySummary
	Filters    []deliveryFilter
	Prev, Next string
	// Received is who took what in the handover; Notice what the action
	// just done did, Changed when the plan moved between the preview and
	// the confirmation.
	Received        []receivedRow
	Notice, Changed string
	// NoChannel warns that the queued notices wait for a channel the
	// server does not have; AskInformed asks whether to tick "merchants
	// informed" although no merchant has received a notice, Notes being
	// what was typed with it.
	NoChannel   string
	AskInformed string
	Notes       string
	// Placeholders are the notes' hints, item by item; Returnable the
	// handed-over merchants that can still be given back.
	Placeholders map[string]string
	Returnable   []sqlstore.HandedMerchant
}

// notePlaceholders are the catalog keys of the checklist notes' hints.
var notePlaceholders = map[string]string{
	poscare.CheckManagementInformed: "pb.notes.management_informed",
	poscare.CheckPoliceReport:       "pb.notes.police_report",
	poscare.CheckDataBackup:         "pb.notes.data_backup",
	poscare.CheckRiskAssessed:       "pb.notes.risk_assessed",
	poscare.CheckMerchantsInformed:  "pb.notes.merchants_informed",
}

// receivedRow is one receiver of an incident's handover, with the first
// merchants they took.
type receivedRow struct {
	*sqlstore.IncidentReceiver
	Shown []sqlstore.HandedMerchant
	More  string
}

// receivedShown is how many of a receiver's merchants the incident page
// names.
const receivedShown = 12

// deliveryFilter is one status the delivery section can be narrowed to,
// with its count; Status "" is every message.
type deliveryFilter struct {
	Status string
	Count  int
	Link   string
	On     bool
}

// deliveryLimit is how many messages the incident page lists at a time.
const deliveryLimit = 50

// delivery fills the delivery section for the status and offset in the
// query string. A status the outbox does not know shows every message.
func (c *Console) delivery(q *request, d *incidentData) error {
	v := q.r.URL.Query()
	status := v.Get("status")
	if !slices.Contains(sqlstore.DeliveryStatuses, status) {
		status = ""
	}
	offset, _ := strconv.Atoi(v.Get("offset"))
	offset = max(0, offset)
	ns, sum, err := c.Store.IncidentNotifications(q.r.Context(), q.sess.Actor, d.X.ID, sqlstore.DeliveryFilter{Status: status, Page: poscare.Page{Limit: deliveryLimit, Offset: offset}})
	if err != nil {
		return err
	}
	more := len(ns) > deliveryLimit
	if more {
		ns = ns[:deliveryLimit]
	}
	d.Delivery, d.Summary = ns, sum
	counts := map[string]int{"": sum.Total, "queued": sum.Queued, "sending": sum.Sending, "sent": sum.Sent, "failed": sum.Failed}
	for _, st := range append([]string{""}, sqlstore.DeliveryStatuses...) {
		link := fmt.Sprintf("/incidents/%d#delivery", d.X.ID)
		if st != "" {
			link = fmt.Sprintf("/incidents/%d?status=%s#delivery", d.X.ID, st)
		}
		d.Filters = append(d.Filters, deliveryFilter{Status: st, Count: counts[st], Link: link, On: st == status})
	}
	// The pager keeps the status, not a "saved" notice from a tick.
	u := *q.r.URL
	kept := u.Query()
	for _, k := range []string{"saved", "done", "item", "n", "expect", "ask", "notes"} {
		kept.Del(k)
	}
	u.RawQuery = kept.Encode()
	d.Prev, d.Next = pageLinks(&u, offset, deliveryLimit, more)
	if d.Prev != "" {
		d.Prev += "#delivery"
	}
	if d.Next != "" {
		d.Next += "#delivery"
	}
	return nil
}

func (c *Console) incidentDetail(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	ctx, a := q.r.Context(), q.sess.Actor
	if q.r.Method == http.MethodPost {
		item, notes := q.r.PostForm.Get("item"), q.r.PostForm.Get("notes")
		if item == poscare.CheckMerchantsInformed && q.r.PostForm.Get("confirm") != "1" {
			// Ticked by hand while no notice reached anyone: ask first.
			_, sum, err := c.Store.IncidentNotifications(ctx, a, id, sqlstore.DeliveryFilter{Page: poscare.Page{Limit: 1}})
			if err != nil {
				q.fail(err)
				return
			}
			if sum.MerchantsReached == 0 {
				q.redirect(fmt.Sprintf("/incidents/%d?ask=informed&notes=%s#confirm-informed", id, url.QueryEscape(notes)))
				return
			}
		}
		if _, err := c.Store.CheckIncident(ctx, a, id, item, notes); err != nil {
			q.fail(err)
			return
		}
		q.redirect(fmt.Sprintf("/incidents/%d?done=ticked&item=%s#checklist", id, url.QueryEscape(item)))
		return
	}
	x, err := c.Store.GetIncident(ctx, a, id)
	if err != nil {
		q.fail(err)
		return
	}
	name := c.names(q)
	p := q.page("", nil)
	d := &incidentData{X: x, Name: name("user_id", x.UserID), Done: doneCount(x), Names: map[int64]string{}}
	for _, e := range x.Timeline {
		d.Names[e.ByID] = name("user_id", e.ByID)
	}
	if x.Risk != nil {
		es := x.Risk.Entries
		if len(es) > 30 {
			es = es[:30]
		}
		d.Risk = readable(p, es, name)
	}
	if err := c.delivery(q, d); err != nil {
		q.fail(err)
		return
	}
	rs, err := c.Store.IncidentReceivers(ctx, a, id)
	if err != nil {
		q.fail(err)
		return
	}
	d.Placeholders = map[string]string{}
	for item, key := range notePlaceholders {
		d.Placeholders[item] = p.T(key)
	}
	for _, r := range rs {
		for _, m := range r.Merchants {
			if m.Detail == "" && r.UserID != x.UserID {
				d.Returnable = append(d.Returnable, m)
			}
		}
		row := receivedRow{IncidentReceiver: r, Shown: r.Merchants}
		if len(row.Shown) > receivedShown {
			row.Shown, row.More = row.Shown[:receivedShown], poscare.Say(p.Lang, "pb.received.more", "n", len(r.Merchants)-receivedShown)
		}
		d.Received = append(d.Received, row)
	}
	c.incidentNotice(q, p, d)
	p.Title = p.T("incident.title") + " · " + d.Name
	p.Data = d
	q.render(http.StatusOK, "incident", p)
}

// incidentNotice says what the action that led to the page did, from
// its query string (done=…), and, after a declaration, whether the
// handover differs from its preview.
func (c *Console) incidentNotice(q *request, p *Page, d *incidentData) {
	v := q.r.URL.Query()
	h := d.X.Handed
	if d.Summary.Queued > 0 && len(c.Channels) == 0 {
		d.NoChannel = poscare.Say(p.Lang, "pb.nochannel.text", "n", d.Summary.Queued)
	}
	if v.Get("ask") == "informed" && d.X.ClosedAt == nil {
		d.AskInformed = poscare.Say(p.Lang, "pb.informed.ask", "reached", d.Summary.MerchantsReached, "total", d.Summary.Merchants)
		d.Notes = v.Get("notes")
	}
	switch v.Get("done") {
	case "ticked":
		if continuity.KnownCheck(v.Get("item")) {
			d.Notice = poscare.Say(p.Lang, "pb.done.ticked", "item", p.Enum("check", v.Get("item")))
		}
	case "backup":
		d.Notice = poscare.Say(p.Lang, "pb.done.backup")
	case "backup_had":
		d.Notice = poscare.Say(p.Lang, "pb.done.backup_had")
	case "closed":
		d.Notice = poscare.Say(p.Lang, "pb.done.closed")
	case "returned":
		n, _ := strconv.Atoi(v.Get("n"))
		d.Notice = poscare.Say(p.Lang, "pb.done.returned", "n", n, "person", d.Name)
	case "declared":
		d.Notice = poscare.Say(p.Lang, "pb.done.declared", "merchants", h.Merchants, "notices", h.Notifications)
		if expect, err := strconv.Atoi(v.Get("expect")); err == nil && expect != h.Merchants {
			d.Changed = poscare.Say(p.Lang, "pb.done.changed", "expect", expect, "merchants", h.Merchants)
		}
	}
}

// callsData is an incident's call list.
type callsData struct {
	X     *poscare.Incident
	Name  string
	Calls []*sqlstore.CallListEntry
}

// incidentCalls is the list of merchants to phone about their new account
// manager: what staff do when no channel delivers the notices.
func (c *Console) incidentCalls(q *request) {
	d, ok := c.callList(q)
	if !ok {
		return
	}
	p := q.page("", d)
	p.Title = p.T("pb.calls.title") + " · " + d.Name
	q.render(http.StatusOK, "calls", p)
}

// incidentCallsCSV is the call list as a spreadsheet: UTF-8 with a byte
// order mark (so that Excel reads the Chinese), every cell neutralised
// against formulas.
func (c *Console) incidentCallsCSV(q *request) {
	d, ok := c.callList(q)
	if !ok {
		return
	}
	// Like every export, the download is on the audit trail before the
	// first byte leaves: who, when (the entry's time), which incident and
	// how many rows.
	if err := c.Store.Record(q.r.Context(), q.sess.Actor, poscare.AuditExport, poscare.EntityIncident, d.X.ID,
		map[string]any{"call_list_rows": len(d.Calls)}); err != nil {
		q.fail(err)
		return
	}
	lang := q.sess.Lang
	h := q.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="incident-%d-calls.csv"`, d.X.ID))
	h.Set("Cache-Control", "no-store")
	io.WriteString(q.w, "\uFEFF")
	cw := csv.NewWriter(q.w)
	cw.Write([]string{translate(lang, "nav.merchants"), translate(lang, "pb.calls.contact"), translate(lang, "pb.calls.phone"), translate(lang, "pb.calls.manager")})
	for _, e := range d.Calls {
		cw.Write([]string{csvCell(e.MerchantName), csvCell(e.Contact), csvCell(e.Phone), csvCell(e.Manager)})
	}
	cw.Flush()
}

// csvCell neutralises text a spreadsheet would run as a formula (a cell
// starting with = + - @, a tab or a carriage return) by putting a single
// quote before it, as the API's exports do.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// callList loads the {id} incident and its call list.
func (c *Console) callList(q *request) (*callsData, bool) {
	id, ok := q.id("id")
	if !ok {
		return nil, false
	}
	ctx, a := q.r.Context(), q.sess.Actor
	x, err := c.Store.GetIncident(ctx, a, id)
	if err != nil {
		q.fail(err)
		return nil, false
	}
	calls, err := c.Store.IncidentCallList(ctx, a, id)
	if err != nil {
		q.fail(err)
		return nil, false
	}
	return &callsData{X: x, Name: c.names(q)("user_id", x.UserID), Calls: calls}, true
}

// incidentBackup takes a backup now, into the server's backup folder, and
// ticks the incident's "data backup taken" with the file and its SHA-256.
func (c *Console) incidentBackup(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	if !q.sess.Actor.Can(poscare.EntityIncident, poscare.ActUpdate) {
		q.fail(poscare.Forbidden())
		return
	}
	x, err := c.Store.GetIncident(q.r.Context(), q.sess.Actor, id)
	if err != nil {
		q.fail(err)
		return
	}
	// A second press (a double click, a reload) takes no second backup
	// and adds no second line to the checklist.
	for _, item := range x.Checklist {
		if item.Item == poscare.CheckDataBackup && item.Done != nil {
			q.redirect(fmt.Sprintf("/incidents/%d?done=backup_had#checklist", id))
			return
		}
	}
	if _, _, err := c.Store.BackupForIncident(q.r.Context(), q.sess.Actor, id); err != nil {
		q.fail(err)
		return
	}
	q.redirect(fmt.Sprintf("/incidents/%d?done=backup#checklist", id))
}

// incidentClose closes an incident once its work is done.
func (c *Console) incidentClose(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	if err := c.Store.CloseIncident(q.r.Context(), q.sess.Actor, id); err != nil {
		q.fail(err)
		return
	}
	q.redirect(fmt.Sprintf("/incidents/%d?done=closed", id))
}

// incidentReturn gives the person back the merchants the playbook took
// from them, all or those ticked, and so brings them back to work.
func (c *Console) incidentReturn(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	f := q.r.PostForm
	var only []int64
	if f.Get("which") != "all" {
		for _, v := range f["merchant"] {
			if m := parseID(v); m > 0 {
				only = append(only, m)
			}
		}
		if len(only) == 0 {
			// None ticked must not mean all, as it does to the store.
			q.fail(poscare.Fail(poscare.EInvalid, "pb.return.none"))
			return
		}
	}
	n, err := c.Store.ReturnMerchants(q.r.Context(), q.sess.Actor, id, only)
	if err != nil {
		q.fail(err)
		return
	}
	q.redirect(fmt.Sprintf("/incidents/%d?done=returned&n=%d#received", id, n))
}

// declareData is the declaration page: the form, or the preview of what
// the playbook would do with its confirm button.
type declareData struct {
	Person  *poscare.User
	Action  string
	Fields  []field
	Preview *sqlstore.PlaybookPreview
	// What the preview says, in the page's language.
	Access, How, Notices, NoContact, Left string
	Channels                              []previewChannel
	Kind, Strategy, Reason                string
}

// previewChannel is one outbox channel the notices would go through, and
// whether the server has it configured.
type previewChannel struct {
	Channel    string
	N          int
	Configured bool
}

// declareForm runs the emergency playbook from the console in two steps:
// the form (kind, reason, strategy) asks the store what would happen
// (PreviewPlaybook) and shows it; only the red confirm button declares.
func (c *Console) declareForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	u, ok := c.staffMember(q)
	if !ok {
		return
	}
	if err := declaredAlready(u); err != nil {
		q.fail(err)
		return
	}
	id := u.ID
	p := q.page("", nil)
	p.Title = p.T("incident.declare") + " · " + u.Name
	d := poscare.Declaration{Kind: poscare.IncidentMissing, Strategy: poscare.StrategyBackup}
	fields := func() []field {
		return []field{
			{Name: "kind", Label: p.Field("kind"), Kind: "select", Value: string(d.Kind), Options: enumOptions(p, "incident", "missing", "departed")},
			{Name: "strategy", Label: p.Field("strategy"), Kind: "select", Value: string(d.Strategy), Options: enumOptions(p, "strategy", "backup", "spread")},
			{Name: "reason", Label: p.Field("reason"), Kind: "text", Value: d.Reason, Required: true},
		}
	}
	dd := &declareData{Person: u, Action: fmt.Sprintf("/staff/%d/declare", id)}
	p.Data = dd
	showForm := func(fs []field) {
		dd.Fields = fs
		status := http.StatusOK
		if p.Error != "" {
			status = http.StatusUnprocessableEntity
		}
		q.render(status, "declare", p)
	}
	if q.r.Method != http.MethodPost {
		showForm(fields())
		return
	}
	f := q.r.PostForm
	d = poscare.Declaration{Kind: poscare.IncidentKind(f.Get("kind")), Strategy: poscare.Strategy(f.Get("strategy")), Reason: f.Get("reason")}
	switch f.Get("step") {
	case "edit":
		showForm(fields())
		return
	case "confirm":
		x, err := c.Store.DeclareIncident(ctx, a, id, d)
		if err == nil {
			q.redirect(fmt.Sprintf("/incidents/%d?done=declared&expect=%s", x.ID, url.QueryEscape(f.Get("expect"))))
			return
		}
		if fs := fields(); problems(p, fs, err) {
			showForm(fs)
			return
		}
		q.fail(err)
		return
	}
	pv, err := c.Store.PreviewPlaybook(ctx, a, id, d)
	if err != nil {
		if fs := fields(); problems(p, fs, err) {
			showForm(fs)
			return
		}
		q.fail(err)
		return
	}
	dd.Preview, dd.Kind, dd.Strategy, dd.Reason = pv, string(pv.Declaration.Kind), string(pv.Declaration.Strategy), pv.Declaration.Reason
	lang := p.Lang
	dd.Access = poscare.Say(lang, "pb.preview.access", "person", u.Name, "status", p.Enum("ustatus", continuity.StatusFor(pv.Declaration.Kind)))
	switch {
	case pv.ToLead:
		dd.How = poscare.Say(lang, "pb.preview.to_lead")
	case pv.FellBack:
		dd.How = poscare.Say(lang, "pb.preview.fell_back")
	}
	dd.Notices = poscare.Say(lang, "pb.preview.notices", "n", pv.Sum.Notifications)
	dd.NoContact = poscare.Say(lang, "pb.preview.no_contact", "n", pv.Sum.Unreachable)
	if pv.Left > 0 {
		dd.Left = poscare.Say(lang, "pb.preview.left", "n", pv.Left)
	}
	for _, ch := range noticeChannels {
		if n := pv.ByChannel[ch]; n > 0 {
			dd.Channels = append(dd.Channels, previewChannel{Channel: ch, N: n, Configured: slices.Contains(c.Channels, ch)})
		}
	}
	p.Title = p.T("pb.preview.title") + " · " + u.Name
	q.render(http.StatusOK, "declare", p)
}

// declaredAlready refuses the playbook, and a change of work status, for
// someone already missing or departed: the playbook ran for them, and
// they come back only through their incident.
func declaredAlready(u *poscare.User) error {
	if !u.Status.ComesBackByReturn() {
		return nil
	}
	return poscare.Fail(poscare.EConflict, "pb.error.gone", "person", u.Name, "status", poscare.M("ustatus."+string(u.Status)))
}

// noticeChannels are the outbox channels a notice can go through, in
// the order the console lists them.
var noticeChannels = []string{"sms", "email", "wechat"}

// continuityData is the continuity dashboard with the names of the
// incidents' people.
type continuityData struct {
	*sqlstore.Continuity
	Names map[int64]string
	// Notice says what the form that led back here did.
	Notice string
}

// continuity is the continuity dashboard: the gaps through which a
// merchant could be left alone.
func (c *Console) continuity(q *request) {
	st, err := c.Store.ContinuityStatus(q.r.Context(), q.sess.Actor)
	if err != nil {
		q.fail(err)
		return
	}
	names := c.names(q)
	d := &continuityData{Continuity: st, Names: map[int64]string{}}
	for _, x := range st.Incidents {
		d.Names[x.UserID] = names("user_id", x.UserID)
	}
	for _, u := range st.WithoutBackup {
		if u.BackupID != nil {
			d.Names[*u.BackupID] = names("user_id", *u.BackupID)
		}
	}
	p := q.page("", d)
	p.Title = p.T("continuity.title")
	d.Notice = staffNotice(p)
	q.render(http.StatusOK, "continuity", p)
}
