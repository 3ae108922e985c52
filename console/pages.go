package console

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"poscare"
	"poscare/sqlstore"
)

// home is the dashboard: the numbers a role needs, over what it may see,
// with charts drawn on the server as SVG.
type homeData struct {
	Stats       *sqlstore.Stats
	Merchants   int
	Active      int
	Open        int
	InService   int
	StatusChart template.HTML
	StageChart  template.HTML
	Overdue     []*poscare.Application
	Names       map[int64]string
	ScopeKey    string
}

// statsCache keeps dashboard numbers per scope. A page is always served
// from it; numbers older than statsMaxAge are recomputed in the background
// (counting a million merchants takes about 100 ms, the page itself a few),
// so only the first view of a scope after start waits for the count.
type statsCache struct {
	mu      sync.Mutex
	m       map[string]cachedStats
	pending map[string]bool
}

type cachedStats struct {
	at time.Time
	s  *sqlstore.Stats
}

const statsMaxAge = time.Minute

var dashboardCache = &statsCache{m: map[string]cachedStats{}, pending: map[string]bool{}}

func (c *Console) stats(q *request) (*sqlstore.Stats, error) {
	a := q.sess.Actor
	key := fmt.Sprintf("%+v", a.MerchantScope())
	dashboardCache.mu.Lock()
	hit, ok := dashboardCache.m[key]
	refresh := ok && time.Since(hit.at) > statsMaxAge && !dashboardCache.pending[key]
	if refresh {
		dashboardCache.pending[key] = true
	}
	dashboardCache.mu.Unlock()
	if refresh {
		go c.refreshStats(key, a)
	}
	if ok {
		return hit.s, nil
	}
	return c.refreshStats(key, a)
}

// refreshStats counts for a scope and stores the result.
func (c *Console) refreshStats(key string, a poscare.Actor) (*sqlstore.Stats, error) {
	s, err := c.Store.Stats(context.Background(), a)
	dashboardCache.mu.Lock()
	defer dashboardCache.mu.Unlock()
	delete(dashboardCache.pending, key)
	if err != nil {
		return nil, err
	}
	dashboardCache.m[key] = cachedStats{time.Now(), s}
	return s, nil
}

// WarmDashboard counts the widest scope once, so the first ops view after a
// start does not wait for it. The server calls it in the background.
func (c *Console) WarmDashboard() {
	a := poscare.SystemActor("dashboard")
	c.refreshStats(fmt.Sprintf("%+v", a.MerchantScope()), a)
}

func (c *Console) home(q *request) {
	st, err := c.stats(q)
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", nil)
	p.Title = p.T("home.title")
	d := &homeData{Stats: st, Names: map[int64]string{}}
	var bars []bar
	for _, s := range []poscare.MerchantStatus{poscare.MerchantProspect, poscare.MerchantOnboarding, poscare.MerchantActive, poscare.MerchantSuspended, poscare.MerchantTerminated} {
		d.Merchants += st.MerchantsByStatus[s]
		bars = append(bars, bar{p.Enum("mstatus", s), st.MerchantsByStatus[s]})
	}
	d.StatusChart = barChart(p.T("home.chart.status"), bars)
	bars = nil
	for _, s := range poscare.Stages {
		d.Open += st.OpenByStage[s]
		bars = append(bars, bar{p.Enum("stage", s), st.OpenByStage[s]})
	}
	d.StageChart = barChart(p.T("home.chart.stage"), bars)
	d.Active = st.MerchantsByStatus[poscare.MerchantActive]
	d.InService = st.Terminals[poscare.TerminalActive] + st.Terminals[poscare.TerminalInstalled]
	switch {
	case p.Actor.Role == poscare.RoleAgent:
		d.ScopeKey = "home.mine"
	case p.Actor.Role == poscare.RoleLead:
		d.ScopeKey = "home.team"
	default:
		d.ScopeKey = "home.all"
	}
	if p.Can(poscare.EntityApplication, "read") {
		apps, err := c.Store.ListApplications(q.r.Context(), q.sess.Actor, poscare.ApplicationFilter{Overdue: true, Page: poscare.Page{Limit: 10}})
		if err == nil {
			if len(apps) > 10 {
				apps = apps[:10]
			}
			d.Overdue = apps
			c.merchantNames(q, d.Names, apps)
		}
	}
	p.Data = d
	q.render(http.StatusOK, "home", p)
}

func (c *Console) merchantNames(q *request, names map[int64]string, apps []*poscare.Application) {
	for _, a := range apps {
		if _, ok := names[a.MerchantID]; ok {
			continue
		}
		if m, err := c.Store.GetMerchant(q.r.Context(), q.sess.Actor, a.MerchantID); err == nil {
			names[a.MerchantID] = m.LegalName
		}
	}
}

// listData is a page of a searchable list.
type listData struct {
	Q, Status, Type string
	Archived        bool
	Items           any
	Prev, Next      string
	Offset          int
}

func pageLinks(u *url.URL, offset, limit int, more bool) (prev, next string) {
	v := u.Query()
	if offset > 0 {
		v.Set("offset", strconv.Itoa(max(0, offset-limit)))
		prev = u.Path + "?" + v.Encode()
	}
	if more {
		v.Set("offset", strconv.Itoa(offset+limit))
		next = u.Path + "?" + v.Encode()
	}
	return
}

const listLimit = 50

func (c *Console) merchantList(q *request) {
	v := q.r.URL.Query()
	offset, _ := strconv.Atoi(v.Get("offset"))
	f := poscare.MerchantFilter{Q: v.Get("q"), Status: poscare.MerchantStatus(v.Get("status")), Type: poscare.MerchantType(v.Get("type")),
		Archived: v.Get("archived") == "1", Page: poscare.Page{Limit: listLimit, Offset: max(0, offset)}}
	ms, err := c.Store.ListMerchants(q.r.Context(), q.sess.Actor, f)
	if err != nil {
		q.fail(err)
		return
	}
	more := len(ms) > listLimit
	if more {
		ms = ms[:listLimit]
	}
	d := &listData{Q: f.Q, Status: string(f.Status), Type: string(f.Type), Archived: f.Archived, Items: ms, Offset: f.Offset}
	d.Prev, d.Next = pageLinks(q.r.URL, f.Offset, listLimit, more)
	p := q.page("", d)
	p.Title = p.T("merchant.title")
	q.render(http.StatusOK, "merchants", p)
}

// merchantData is the merchant page with everything that hangs off it.
type merchantData struct {
	M            *poscare.Merchant
	Manager      *poscare.User
	Backup       *poscare.User
	Team         *poscare.Team
	Contacts     []*poscare.Contact
	Archived     []*poscare.Contact
	Terminals    []*poscare.Terminal
	Applications []*poscare.Application
	Contracts    []*poscare.Contract
	Warnings     []string
	Users        map[int64]string
	Contact      *poscare.ServiceContact
	Notices      []*sqlstore.Notification
}

func (c *Console) merchantDetail(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	ctx, a := q.r.Context(), q.sess.Actor
	m, err := c.Store.GetMerchant(ctx, a, id)
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page(m.LegalName, nil)
	d := &merchantData{M: m, Users: map[int64]string{}}
	sys := poscare.SystemActor("console")
	// Names of the people around a merchant are shown to whoever may see
	// the merchant: knowing who serves you is the point of the page.
	d.Manager, _ = c.Store.GetUser(ctx, sys, m.AccountManagerID)
	if m.BackupManagerID != nil {
		d.Backup, _ = c.Store.GetUser(ctx, sys, *m.BackupManagerID)
	}
	d.Team, _ = c.Store.GetTeam(ctx, sys, m.TeamID)
	d.Contact, _ = c.Store.ServiceContact(ctx, a, m.ID)
	d.Notices, _ = c.Store.MerchantNotifications(ctx, a, m.ID)
	if a.Can(poscare.EntityContact, poscare.ActRead) {
		d.Contacts, _ = c.Store.ListContacts(ctx, a, sqlstore.ContactFilter{MerchantID: &id, Page: poscare.Page{Limit: 100}})
		d.Archived, _ = c.Store.ListContacts(ctx, a, sqlstore.ContactFilter{MerchantID: &id, Archived: true, Page: poscare.Page{Limit: 100}})
	}
	if a.Can(poscare.EntityTerminal, poscare.ActRead) {
		d.Terminals, _ = c.Store.ListTerminals(ctx, a, poscare.TerminalFilter{MerchantID: &id, Page: poscare.Page{Limit: 100}})
	}
	if a.Can(poscare.EntityApplication, poscare.ActRead) {
		d.Applications, _ = c.Store.ListApplications(ctx, a, poscare.ApplicationFilter{MerchantID: &id, Page: poscare.Page{Limit: 20}})
		for _, x := range d.Applications {
			for _, s := range x.Steps {
				c.userName(q, d.Users, s.ResponsibleID)
			}
		}
	}
	if a.Can(poscare.EntityContract, poscare.ActRead) {
		d.Contracts, _ = c.Store.ListContracts(ctx, a, poscare.ContractFilter{MerchantID: &id, Page: poscare.Page{Limit: 20}})
		for _, k := range d.Contracts {
			for _, w := range k.Warnings(m.FeeCategory) {
				d.Warnings = append(d.Warnings, w.In(p.Lang))
			}
		}
	}
	p.Data = d
	q.render(http.StatusOK, "merchant", p)
}

func (c *Console) userName(q *request, names map[int64]string, id int64) {
	if _, ok := names[id]; ok || id == 0 {
		return
	}
	if u, err := c.Store.GetUser(q.r.Context(), poscare.SystemActor("console"), id); err == nil {
		names[id] = u.Name
	}
}

// formPage renders or re-renders a generic record form.
func (q *request) formPage(p *Page, action, back string, fields []field) {
	p.Data = &formData{Action: action, Back: back, Fields: fields}
	status := http.StatusOK
	if p.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	q.render(status, "form", p)
}

func (c *Console) assignees(q *request) ([]*poscare.User, []*poscare.Team) {
	sys := poscare.SystemActor("console")
	users, _ := c.Store.ListUsers(q.r.Context(), q.sess.Actor, sqlstore.UserFilter{Page: poscare.Page{Limit: 500}})
	if users == nil {
		users, _ = c.Store.ListUsers(q.r.Context(), sys, sqlstore.UserFilter{Page: poscare.Page{Limit: 500}})
	}
	teams, _ := c.Store.ListTeams(q.r.Context(), sys, false, poscare.Page{Limit: 500})
	return users, teams
}

// merchantForm creates (no id) or edits a merchant. On bad input the form
// comes back with the errors beside their fields and what was typed kept;
// on success the browser is sent to the merchant's page.
func (c *Console) merchantForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	m := &poscare.Merchant{Type: poscare.MerchantIndividual, SettlementKind: poscare.SettlePersonalCard, Status: poscare.MerchantProspect}
	if a.Role == poscare.RoleAgent {
		m.AccountManagerID = a.UserID
		m.TeamID = deref(a.TeamID)
	}
	action, back := "/merchants/new", "/merchants"
	if q.r.PathValue("id") != "" {
		id, ok := q.id("id")
		if !ok {
			return
		}
		var err error
		if m, err = c.Store.GetMerchant(ctx, a, id); err != nil {
			q.fail(err)
			return
		}
		action, back = fmt.Sprintf("/merchants/%d/edit", id), fmt.Sprintf("/merchants/%d", id)
	}
	p := q.page("", nil)
	p.Title = p.T("merchant.new")
	if m.ID != 0 {
		p.Title = p.T("merchant.edit") + " · " + m.LegalName
	}
	users, teams := c.assignees(q)
	if q.r.Method == http.MethodPost {
		pr := bindMerchant(q.r.PostForm, m)
		err := pr.Err()
		if err == nil {
			if m.ID == 0 {
				err = c.Store.CreateMerchant(ctx, a, m)
			} else {
				err = c.Store.UpdateMerchant(ctx, a, m)
			}
		}
		if err == nil {
			q.redirect(fmt.Sprintf("/merchants/%d?saved=1", m.ID))
			return
		}
		fields := merchantFields(p, m, users, teams)
		if !problems(p, fields, err) {
			q.fail(err)
			return
		}
		q.formPage(p, action, back, fields)
		return
	}
	q.formPage(p, action, back, merchantFields(p, m, users, teams))
}

// contactFormData is the contact form: fixed fields plus channel rows.
type contactFormData struct {
	Action, Back string
	C            *poscare.Contact
	Rows         []poscare.Channel
	Errors       map[string]string
}

// contactForm creates a contact under a merchant or edits one. Channel
// rows left empty are dropped; a dropped existing channel is kept by the
// store as removed and can be put back from this page.
func (c *Console) contactForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	ct := &poscare.Contact{Role: "owner"}
	var action, back string
	if strings.HasPrefix(q.r.URL.Path, "/merchants/") {
		mid, ok := q.id("id")
		if !ok {
			return
		}
		if _, err := c.Store.GetMerchant(ctx, a, mid); err != nil {
			q.fail(err)
			return
		}
		ct.MerchantID = mid
		action, back = fmt.Sprintf("/merchants/%d/contacts/new", mid), fmt.Sprintf("/merchants/%d", mid)
	} else {
		id, ok := q.id("id")
		if !ok {
			return
		}
		var err error
		if ct, err = c.Store.GetContact(ctx, a, id); err != nil {
			q.fail(err)
			return
		}
		action, back = fmt.Sprintf("/contacts/%d/edit", id), fmt.Sprintf("/merchants/%d", ct.MerchantID)
	}
	p := q.page("", nil)
	p.Title = p.T("contact.new")
	if ct.ID != 0 {
		p.Title = p.T("contact.edit") + " · " + ct.Name
	}
	d := &contactFormData{Action: action, Back: back, C: ct, Errors: map[string]string{}}
	if q.r.Method == http.MethodPost {
		f := q.r.PostForm
		ct.Name, ct.Role, ct.PreferredChannel = f.Get("name"), f.Get("contact_role"), poscare.ChannelKind(f.Get("preferred_channel"))
		ct.Lang, ct.Reason = f.Get("lang"), f.Get("reason")
		ct.Channels = nil
		kinds, values := f["channel_kind"], f["channel_value"]
		for i := range values {
			if strings.TrimSpace(values[i]) != "" && i < len(kinds) {
				ct.Channels = append(ct.Channels, poscare.Channel{Kind: poscare.ChannelKind(kinds[i]), Value: values[i]})
			}
		}
		var err error
		if ct.ID == 0 {
			err = c.Store.CreateContact(ctx, a, ct)
		} else {
			err = c.Store.UpdateContact(ctx, a, ct)
		}
		if err == nil {
			q.redirect(fmt.Sprintf("/merchants/%d?saved=1", ct.MerchantID))
			return
		}
		fields := []field{{Name: "name"}, {Name: "contact_role"}, {Name: "channels"}, {Name: "preferred_channel"}, {Name: "lang"}, {Name: "reason"}}
		if !problems(p, fields, err) {
			q.fail(err)
			return
		}
		for _, f := range fields {
			if f.Error != "" {
				d.Errors[f.Name] = f.Error
			}
		}
	}
	d.Rows = append(append([]poscare.Channel(nil), ct.Channels...), poscare.Channel{Kind: poscare.ChannelPhone})
	p.Data = d
	status := http.StatusOK
	if p.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	q.render(status, "contact_form", p)
}

func (c *Console) channelRestore(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	ch, ok := q.id("channel")
	if !ok {
		return
	}
	ct, err := c.Store.RestoreChannel(q.r.Context(), q.sess.Actor, id, ch)
	if err != nil {
		q.fail(err)
		return
	}
	q.redirect(fmt.Sprintf("/contacts/%d/edit?saved=1", ct.ID))
}

func (c *Console) contractForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	k := &poscare.Contract{}
	var action, back string
	if strings.HasPrefix(q.r.URL.Path, "/merchants/") {
		mid, ok := q.id("id")
		if !ok {
			return
		}
		m, err := c.Store.GetMerchant(ctx, a, mid)
		if err != nil {
			q.fail(err)
			return
		}
		now := time.Now().In(shanghai)
		k = &poscare.Contract{MerchantID: mid, StartsOn: poscare.Date(now.Format(time.DateOnly)), EndsOn: poscare.Date(now.AddDate(2, 0, 0).Format(time.DateOnly)),
			MonthlyCommFeeFen: 1800, Fees: poscare.DefaultFees(m.FeeCategory)}
		action, back = fmt.Sprintf("/merchants/%d/contracts/new", mid), fmt.Sprintf("/merchants/%d", mid)
	} else {
		id, ok := q.id("id")
		if !ok {
			return
		}
		var err error
		if k, err = c.Store.GetContract(ctx, a, id); err != nil {
			q.fail(err)
			return
		}
		action, back = fmt.Sprintf("/contracts/%d/edit", id), fmt.Sprintf("/merchants/%d", k.MerchantID)
	}
	p := q.page("", nil)
	p.Title = p.T("contract.new")
	if k.ID != 0 {
		p.Title = p.T("contract.edit")
	}
	if q.r.Method == http.MethodPost {
		pr := bindContract(q.r.PostForm, k)
		err := pr.Err()
		if err == nil {
			if k.ID == 0 {
				err = c.Store.CreateContract(ctx, a, k)
			} else {
				err = c.Store.UpdateContract(ctx, a, k)
			}
		}
		if err == nil {
			q.redirect(fmt.Sprintf("/merchants/%d?saved=1", k.MerchantID))
			return
		}
		fields := contractFields(p, k)
		if !problems(p, fields, err) {
			q.fail(err)
			return
		}
		q.formPage(p, action, back, fields)
		return
	}
	q.formPage(p, action, back, contractFields(p, k))
}

func (c *Console) applicationCreate(q *request) {
	mid, ok := q.id("id")
	if !ok {
		return
	}
	if err := c.Store.CreateApplication(q.r.Context(), q.sess.Actor, &poscare.Application{MerchantID: mid}); err != nil {
		q.fail(err)
		return
	}
	q.redirect(fmt.Sprintf("/merchants/%d?saved=1", mid))
}

func (c *Console) terminalList(q *request) {
	v := q.r.URL.Query()
	offset, _ := strconv.Atoi(v.Get("offset"))
	f := poscare.TerminalFilter{Q: v.Get("q"), Status: poscare.TerminalStatus(v.Get("status")), Archived: v.Get("archived") == "1",
		Page: poscare.Page{Limit: listLimit, Offset: max(0, offset)}}
	ts, err := c.Store.ListTerminals(q.r.Context(), q.sess.Actor, f)
	if err != nil {
		q.fail(err)
		return
	}
	more := len(ts) > listLimit
	if more {
		ts = ts[:listLimit]
	}
	d := &listData{Q: f.Q, Status: string(f.Status), Archived: f.Archived, Items: ts, Offset: f.Offset}
	d.Prev, d.Next = pageLinks(q.r.URL, f.Offset, listLimit, more)
	p := q.page("", d)
	p.Title = p.T("terminal.title")
	q.render(http.StatusOK, "terminals", p)
}

// terminalData is a terminal's page.
type terminalData struct {
	T        *poscare.Terminal
	Merchant *poscare.Merchant
}

func (c *Console) terminalDetail(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	t, err := c.Store.GetTerminal(q.r.Context(), q.sess.Actor, id)
	if err != nil {
		q.fail(err)
		return
	}
	d := &terminalData{T: t}
	if t.MerchantID != nil {
		d.Merchant, _ = c.Store.GetMerchant(q.r.Context(), q.sess.Actor, *t.MerchantID)
	}
	q.render(http.StatusOK, "terminal", q.page(t.Serial, d))
}

func (c *Console) terminalForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	t := &poscare.Terminal{Status: poscare.TerminalInStock}
	action, back := "/terminals/new", "/terminals"
	if q.r.PathValue("id") != "" {
		id, ok := q.id("id")
		if !ok {
			return
		}
		var err error
		if t, err = c.Store.GetTerminal(ctx, a, id); err != nil {
			q.fail(err)
			return
		}
		action, back = fmt.Sprintf("/terminals/%d/edit", id), fmt.Sprintf("/terminals/%d", id)
	}
	p := q.page("", nil)
	p.Title = p.T("terminal.new")
	if t.ID != 0 {
		p.Title = p.T("terminal.edit") + " · " + t.Serial
	}
	if q.r.Method == http.MethodPost {
		bindTerminal(q.r.PostForm, t)
		var err error
		if t.ID == 0 {
			err = c.Store.CreateTerminal(ctx, a, t)
		} else {
			err = c.Store.UpdateTerminal(ctx, a, t)
		}
		if err == nil {
			q.redirect(fmt.Sprintf("/terminals/%d?saved=1", t.ID))
			return
		}
		fields := terminalFormFields(p, t)
		if !problems(p, fields, err) {
			q.fail(err)
			return
		}
		q.formPage(p, action, back, fields)
		return
	}
	q.formPage(p, action, back, terminalFormFields(p, t))
}

// terminalFormFields are the terminal form's fields, with the merchant a
// terminal is bound to asked for by the number a person can find (the one
// in the merchant page's address), in words of the page's language.
func terminalFormFields(p *Page, t *poscare.Terminal) []field {
	fields := terminalFields(p, t)
	for i := range fields {
		if fields[i].Name == "merchant_id" {
			fields[i].Label, fields[i].Hint = p.T("wk.merchant_no"), p.T("wk.merchant_no.hint")
		}
	}
	return fields
}

// boardColumn is one stage of the onboarding board.
type boardColumn struct {
	Stage poscare.Stage
	Name  string
	Cards []*poscare.Application
}

type boardData struct {
	Columns   []boardColumn
	Merchants map[int64]string
	Users     map[int64]string
	Now       time.Time
}

// board shows open applications by current stage, each with its merchant,
// responsible person and deadline; overdue ones are marked.
func (c *Console) board(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	p := q.page("", nil)
	p.Title = p.T("board.title")
	d := &boardData{Merchants: map[int64]string{}, Users: map[int64]string{}, Now: time.Now()}
	for _, s := range poscare.Stages {
		apps, err := c.Store.ListApplications(ctx, a, poscare.ApplicationFilter{Stage: s, Page: poscare.Page{Limit: 30}})
		if err != nil {
			q.fail(err)
			return
		}
		if len(apps) > 30 {
			apps = apps[:30]
		}
		c.merchantNames(q, d.Merchants, apps)
		for _, x := range apps {
			for _, st := range x.Steps {
				if st.Stage == s {
					c.userName(q, d.Users, st.ResponsibleID)
				}
			}
		}
		d.Columns = append(d.Columns, boardColumn{Stage: s, Name: p.Enum("stage", s), Cards: apps})
	}
	p.Data = d
	q.render(http.StatusOK, "board", p)
}

func (c *Console) applicationAdvance(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	x, err := c.Store.AdvanceApplication(q.r.Context(), q.sess.Actor, id)
	if err != nil {
		q.fail(err)
		return
	}
	back := safeNext(q.r.PostForm.Get("back"))
	if back == "/" {
		back = fmt.Sprintf("/merchants/%d", x.MerchantID)
	}
	q.redirect(back)
}

type staffData struct {
	Users []*poscare.User
	Teams []*poscare.Team
	Names map[int64]string
	// Notice says what the form that led back here did.
	Notice string
}

func (c *Console) staffList(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	users, err := c.Store.ListUsers(ctx, a, sqlstore.UserFilter{Q: q.r.URL.Query().Get("q"), Page: poscare.Page{Limit: 500}})
	if err != nil {
		q.fail(err)
		return
	}
	teams, _ := c.Store.ListTeams(ctx, a, false, poscare.Page{Limit: 500})
	d := &staffData{Users: users, Teams: teams, Names: map[int64]string{}}
	for _, u := range users {
		d.Names[u.ID] = u.Name
	}
	p := q.page("", d)
	p.Title = p.T("staff.title")
	d.Notice = staffNotice(p)
	q.render(http.StatusOK, "staff", p)
}

// archive archives or restores any kind of record with a reason, then
// goes back to where the form was.
func (c *Console) archive(q *request) {
	entity := strings.TrimSuffix(q.r.PathValue("entity"), "s")
	id, ok := q.id("id")
	if !ok {
		return
	}
	var err error
	reason := q.r.PostForm.Get("reason")
	if strings.HasSuffix(q.r.URL.Path, "/archive") {
		err = c.Store.Archive(q.r.Context(), q.sess.Actor, entity, id, reason)
	} else {
		err = c.Store.Restore(q.r.Context(), q.sess.Actor, entity, id, reason)
	}
	if err != nil {
		q.fail(err)
		return
	}
	q.redirect(safeNext(q.r.PostForm.Get("back")) + "?saved=1")
}
