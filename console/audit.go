package console

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"poscare"
	"poscare/sqlstore"
)

// auditPageSize is how many entries a page of the trail or of a history
// shows.
const auditPageSize = 50

// pager is where a page stands in a list and the addresses of its
// neighbours.
type pager struct {
	Page, Pages, Total int
	First, Last        int // the rows shown, counted from 1
	Prev, Next         string
	Numbers            []pageLink
	Count, Of          string // "共 120 条，第 1–50 条", "第 1 / 3 页"
}

type pageLink struct {
	N    int
	Link string
	On   bool
	Gap  bool // an ellipsis before this number
}

// pageNo is the page a request asks for (?page=N, from 1).
type pageNo struct{ n, size int }

func pageOf(q *request, size int) pageNo {
	n, _ := strconv.Atoi(q.r.URL.Query().Get("page"))
	return pageNo{max(n, 1), size}
}

func (pg pageNo) offset() int { return (pg.n - 1) * pg.size }

// auditQuery is the query of one record's history page; a merchant's
// holds its contacts', contracts', terminals' and applications' entries,
// an incident's the declaration and handovers made for it.
func auditQuery(entity string, id int64, pg pageNo) sqlstore.AuditQuery {
	switch entity {
	case poscare.EntityMerchant:
		return sqlstore.AuditQuery{OfMerchant: id, Limit: pg.size, Offset: pg.offset()}
	case poscare.EntityIncident:
		return sqlstore.AuditQuery{OfIncident: id, Limit: pg.size, Offset: pg.offset()}
	}
	return sqlstore.AuditQuery{Entity: entity, EntityID: id, Limit: pg.size, Offset: pg.offset()}
}

// with builds the pager for total rows, keeping the request's other
// parameters in its links.
func (pg pageNo) with(q *request, pg2 *Page, total int) pager {
	pages := max((total+pg.size-1)/pg.size, 1)
	at := func(n int) string {
		v := q.r.URL.Query()
		v.Set("page", strconv.Itoa(n))
		return q.r.URL.Path + "?" + v.Encode()
	}
	p := pager{Page: pg.n, Pages: pages, Total: total, First: min(pg.offset()+1, total), Last: min(pg.offset()+pg.size, total)}
	p.Count = poscare.Say(pg2.Lang, "au.count", "total", total, "first", p.First, "last", p.Last)
	p.Of = poscare.Say(pg2.Lang, "au.pages", "page", pg.n, "pages", pages)
	if pg.n > 1 {
		p.Prev = at(pg.n - 1)
	}
	if pg.n < pages {
		p.Next = at(pg.n + 1)
	}
	last := 0
	for n := 1; n <= pages; n++ {
		if n == 1 || n == pages || (n >= pg.n-2 && n <= pg.n+2) {
			p.Numbers = append(p.Numbers, pageLink{N: n, Link: at(n), On: n == pg.n, Gap: last > 0 && n > last+1})
			last = n
		}
	}
	return p
}

// auditFilter is the audit page's filter form as the reader filled it.
type auditFilter struct {
	Who, Action, Entity, ID, From, To string
}

// auditData is the audit page.
type auditData struct {
	F       auditFilter
	Entries []entry
	Pager   pager
	Export  string
	Actions []option
	Kinds   []option
	People  []option
}

// auditActions and auditKinds are the choices of the filter form.
var (
	auditActions = []string{"create", "update", "archive", "restore", "status", "login", "login_failed", "change_password", "set_password",
		"view_sensitive", "export", "remove_channel", "restore_channel", "advance", "handover", "handover_backup", "declare_missing",
		"declare_departed", "declare_refused", "check", "close", "return", "return_to_work", "contact_attempt", "callback_request",
		"task_done", "restore_removals", "bulk_blocked", "backup", "backup_scheduled", "backup_restore", "key_rotate"}
	auditKinds = []string{poscare.EntityMerchant, poscare.EntityContact, poscare.EntityContract, poscare.EntityTerminal,
		poscare.EntityApplication, poscare.EntityUser, poscare.EntityTeam, poscare.EntityIncident, poscare.EntityAudit}
)

// readFilter reads the filter form into a store query; a date is a day
// in Shanghai, and "to" includes its day.
func readFilter(q *request) (auditFilter, sqlstore.AuditQuery) {
	v := q.r.URL.Query()
	f := auditFilter{Who: strings.TrimSpace(v.Get("who")), Action: v.Get("action"), Entity: v.Get("entity"),
		ID: strings.TrimSpace(v.Get("id")), From: v.Get("from"), To: v.Get("to")}
	aq := sqlstore.AuditQuery{ActorLogin: f.Who, Action: f.Action, Entity: f.Entity}
	if id, err := strconv.ParseInt(f.ID, 10, 64); err == nil && id > 0 {
		aq.EntityID = id
	} else {
		f.ID = ""
	}
	if t, err := time.ParseInLocation(time.DateOnly, f.From, shanghai); err == nil {
		aq.From = t
	} else {
		f.From = ""
	}
	if t, err := time.ParseInLocation(time.DateOnly, f.To, shanghai); err == nil {
		aq.To = t.AddDate(0, 0, 1)
	} else {
		f.To = ""
	}
	return f, aq
}

// auditList is the audit trail: filtered, paged through to its first
// entry, every entry in words.
func (c *Console) auditList(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	if !a.Can(poscare.EntityAudit, poscare.ActRead) {
		q.fail(poscare.Forbidden())
		return
	}
	f, aq := readFilter(q)
	pg := pageOf(q, auditPageSize)
	aq.Limit, aq.Offset = pg.size, pg.offset()
	es, total, err := c.Store.SearchAudit(ctx, aq)
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", nil)
	p.Title = p.T("audit.title")
	rows, err := c.readableAll(ctx, p, es)
	if err != nil {
		q.fail(err)
		return
	}
	d := &auditData{F: f, Entries: rows, Pager: pg.with(q, p, total)}
	v := q.r.URL.Query()
	v.Del("page")
	d.Export = "/audit/export?" + v.Encode()
	for _, act := range auditActions {
		d.Actions = append(d.Actions, option{act, p.T("action." + act)})
	}
	for _, k := range auditKinds {
		d.Kinds = append(d.Kinds, option{k, capital(p.Lang, poscare.EntityName(k).In(p.Lang))})
	}
	if users, err := c.Store.ListUsers(ctx, a, sqlstore.UserFilter{Page: poscare.Page{Limit: 500}}); err == nil {
		for _, u := range users {
			d.People = append(d.People, option{u.Login, u.Name})
		}
	}
	p.Data = d
	q.render(http.StatusOK, "audit", p)
}

// auditExport downloads the filtered trail as CSV (UTF-8 with a byte
// order mark, so that Excel on a Chinese Windows reads it), in the
// reader's language. The export is itself recorded before the first byte
// leaves; entries written while it runs are left out, so its pages do not
// shift.
func (c *Console) auditExport(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	if !a.Can(poscare.EntityAudit, poscare.ActRead) {
		q.fail(poscare.Forbidden())
		return
	}
	f, aq := readFilter(q)
	now := c.Store.Now()
	if aq.To.IsZero() || aq.To.After(now) {
		aq.To = now
	}
	detail := map[string]any{"login": f.Who, "action": f.Action, "entity": f.Entity, "entity_id": aq.EntityID, "from": f.From, "to": f.To}
	for k, v := range detail {
		if v == "" || v == int64(0) {
			delete(detail, k)
		}
	}
	if err := c.Store.Record(ctx, a, poscare.AuditExport, poscare.EntityAudit, 0, map[string]any{"filters": detail}); err != nil {
		q.fail(err)
		return
	}
	p := q.page("", nil)
	w := q.w
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	cw.Write([]string{p.T("common.when"), p.T("common.who"), p.Field("login"), p.T("au.source"), p.T("common.action"),
		p.T("au.kind"), p.T("common.id"), p.T("au.record"), p.T("common.changes")})
	aq.Limit = 500
	for {
		es, _, err := c.Store.SearchAudit(ctx, aq)
		if err != nil {
			c.Logger.Error("audit export failed after it started; response aborted", "actor", a.Login, "err", err)
			panic(http.ErrAbortHandler)
		}
		rows, err := c.readableAll(ctx, p, es)
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		for _, r := range rows {
			cw.Write(cells(r.At.In(shanghai).Format("2006-01-02 15:04:05"), r.Who.Text, r.Login, r.Source, r.Action, r.Entity,
				fmt.Sprint(r.ID), r.Record.Text, flatten(p, r.Changes)))
		}
		cw.Flush()
		if len(es) < aq.Limit {
			return
		}
		aq.Offset += len(es)
	}
}

// cells neutralises every cell a spreadsheet would run as a formula.
func cells(s ...string) []string {
	for i, v := range s {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			s[i] = "'" + v
		}
	}
	return s
}

// flatten writes changes on one line: "押金：299.00 元 → 499.00 元；费率表（贷记卡费率：0.60% → 0.55%）".
func flatten(p *Page, cs []change) string {
	sep, colon := "；", "："
	if p.Lang == "en" {
		sep, colon = "; ", ": "
	}
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		s := c.Field
		switch {
		case len(c.Sub) > 0:
			s += "（" + flatten(p, c.Sub) + "）"
			if p.Lang == "en" {
				s = c.Field + " (" + flatten(p, c.Sub) + ")"
			}
		case c.Was:
			s += colon + c.From.Text + " → " + c.To.Text
		default:
			s += colon + c.To.Text
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, sep)
}
