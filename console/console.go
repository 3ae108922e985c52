// Package console is poscare's web console for staff and portal for
// merchant users: server-rendered HTML, embedded in the binary, no
// JavaScript build step. Every page asks the same store, with the same
// actor, as the JSON API does, so it shows exactly what the role may see.
package console

import (
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai on machines without a zoneinfo database

	"poscare"
	"poscare/clientip"
	"poscare/observe"
	"poscare/sqlstore"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// SessionCookie names the console's session cookie.
const SessionCookie = "poscare_session"

// shanghai is where poscare's users live: times are stored in UTC and
// shown here.
var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// pages lists every page template; each is parsed with the layout at
// start-up, so a broken template stops the server, not a request.
var pages = []string{"login", "home", "merchants", "merchant", "form", "contact_form", "history", "terminals",
	"terminal", "board", "staff", "audit", "portal", "error", "incidents", "incident", "continuity", "declare", "calls", "confirm", "removals", "tasks",
	"tickets", "ticket", "ticket_new", "portal_tickets", "portal_ticket", "survey"}

// Console serves the console and the portal.
type Console struct {
	Store  *sqlstore.Store
	Logger *slog.Logger
	// Secure marks cookies Secure; on behind HTTPS, off for plain local HTTP.
	Secure bool
	// ClientIP finds the client's address (for throttling and the audit
	// trail), believing forwarding headers only from trusted proxies.
	ClientIP clientip.Resolver
	// Channels are the outbox channels the server delivers through
	// ("email", "sms", "wechat"); none means merchant notices stay queued,
	// which the incident page warns of.
	Channels []string

	tmpl map[string]*template.Template
	mux  *http.ServeMux
}

// New parses the templates and builds the routes.
func New(store *sqlstore.Store, logger *slog.Logger) (*Console, error) {
	if logger == nil {
		logger = slog.Default()
	}
	c := &Console{Store: store, Logger: logger, tmpl: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"when": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.In(shanghai).Format("2006-01-02 15:04")
			case *time.Time:
				if v == nil {
					return ""
				}
				return v.In(shanghai).Format("2006-01-02 15:04")
			}
			return ""
		},
		"yuan":  yuan,
		"rate":  rate,
		"add":   func(a, b int) int { return a + b },
		"pct":   func(n, total int) int { return n * 100 / max(total, 1) },
		"add64": func(a, b int64) int64 { return a + b },
		"deref": deref,
		"list":  func(s ...string) []string { return s },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
	}
	for _, name := range pages {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		c.tmpl[name] = t
	}
	c.routes()
	return c, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// yuan formats integer fen as yuan with two decimals.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

// rate formats a RateE5 as a percentage: 600 → "0.60%".
func rate(r poscare.RateE5) string {
	s := fmt.Sprintf("%d.%03d", r/1000, r%1000)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	if i := strings.IndexByte(s, '.'); len(s)-i == 2 {
		s += "0"
	}
	return s + "%"
}

// ServeHTTP adds the security headers every page carries.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

// Page is what every template gets: the user, the language, the CSRF
// token for forms, and the page's own data.
type Page struct {
	Title   string
	Lang    string
	User    *poscare.User
	Actor   poscare.Actor
	CSRF    string
	Path    string
	Flash   string
	Error   string
	Data    any
	console *Console

	// RequestID is the request's id, shown small on error pages so a
	// report can be matched to its access-log line.
	RequestID string
}

// T translates a message key into the page's language.
func (p *Page) T(key string) string { return translate(p.Lang, key) }

// LangSwitch names the other language in its own words, for the link
// that switches to it: "English" on a Chinese page, "中文" on an English
// one.
func (p *Page) LangSwitch() string {
	if p.Lang == "en" {
		return translate("zh", "clang.zh")
	}
	return translate("en", "clang.en")
}

// Field returns the label of a record field in the page's language, with
// a capital letter in English (the domain's labels are lower-case so they
// can sit inside error sentences).
func (p *Page) Field(name string) string {
	l := poscare.FieldLabel(name).In(p.Lang)
	if p.Lang == "en" && l != "" {
		return strings.ToUpper(l[:1]) + l[1:]
	}
	return l
}

// Can reports whether the user's role may do act to entity.
func (p *Page) Can(entity, act string) bool { return p.Actor.Can(entity, poscare.Action(act)) }

// Enum translates an enumerated value under a key prefix: Enum "mstatus" "active".
func (p *Page) Enum(prefix string, v any) string { return translate(p.Lang, prefix+"."+fmt.Sprint(v)) }

// Staff reports whether the user is staff (not a merchant user).
func (p *Page) Staff() bool { return p.Actor.Role.IsStaff() }

// request is a handler's view of one request.
type request struct {
	w    http.ResponseWriter
	r    *http.Request
	sess *sqlstore.Session
	c    *Console
}

func (q *request) page(title string, data any) *Page {
	p := &Page{Title: title, Lang: "zh", Data: data, Path: q.r.URL.Path, RequestID: observe.RequestID(q.r.Context()), console: q.c}
	if q.sess != nil {
		p.Lang, p.User, p.Actor, p.CSRF = q.sess.Lang, q.sess.User, q.sess.Actor, q.sess.CSRF
	} else if ck, err := q.r.Cookie("poscare_lang"); err == nil && ck.Value == "en" {
		p.Lang = "en"
	}
	p.Flash = q.r.URL.Query().Get("saved")
	return p
}

// FlashText is what the flash after a redirect says: ?saved=KEY names what
// happened by the catalog key flash.KEY (archived, declared, sent …); a
// value with no such key says only "saved". The raw value is never shown.
func (p *Page) FlashText() string { return flashText(p.Lang, p.Flash) }

func flashText(lang, v string) string {
	if v == "" {
		return ""
	}
	if key := "flash." + v; flashKey(v) {
		if _, ok := poscare.Template(key); ok {
			return translate(lang, key)
		}
	}
	return translate(lang, "common.saved")
}

// flashKey reports whether v can be the tail of a catalog key: a short
// lower-case word, so that ?saved= cannot reach any other key.
func flashKey(v string) bool {
	if len(v) > 32 {
		return false
	}
	for _, r := range v {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}

// LoginNext is where a login page goes on after the login, when that is
// not the home page: the language switch keeps it.
func (p *Page) LoginNext() string {
	if d, ok := p.Data.(loginData); ok && d.Next != "/" {
		return d.Next
	}
	return ""
}

func (q *request) render(status int, name string, p *Page) {
	var b strings.Builder
	if err := q.c.tmpl[name].ExecuteTemplate(&b, "layout", p); err != nil {
		q.c.Logger.Error("render", "page", name, "err", err)
		http.Error(q.w, "internal error", http.StatusInternalServerError)
		return
	}
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.Header().Set("Cache-Control", "no-store")
	q.w.WriteHeader(status)
	q.w.Write([]byte(b.String()))
}

// fail renders an error page for err: not found and forbidden are the
// common ones; the cause of anything else goes to the log only.
func (q *request) fail(err error) {
	status, key := http.StatusInternalServerError, "common.error"
	switch poscare.ErrorCode(err) {
	case poscare.ENotFound:
		status, key = http.StatusNotFound, "common.notfound"
	case poscare.EForbidden:
		status, key = http.StatusForbidden, "common.forbidden"
	case poscare.EConflict:
		status, key = http.StatusConflict, ""
	case poscare.EInvalid:
		status, key = http.StatusUnprocessableEntity, ""
	default:
		q.c.Logger.Error("console", "path", q.r.URL.Path, "request_id", observe.RequestID(q.r.Context()), "err", err)
	}
	p := q.page(translate("zh", "common.error"), nil)
	p.Title = p.T("common.error")
	if key != "" {
		p.Error = p.T(key)
	} else {
		var e *poscare.Error
		if errors.As(err, &e) {
			p.Error = e.Message.In(p.Lang)
		}
	}
	q.render(status, "error", p)
}

// notFound answers a path the console does not have.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	q := &request{w: w, r: r, c: c}
	q.fail(poscare.NotFound(poscare.EntityRecord))
}

func (q *request) redirect(path string) {
	http.Redirect(q.w, q.r, path, http.StatusSeeOther)
}

func (q *request) id(name string) (int64, bool) {
	id, err := strconv.ParseInt(q.r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		q.fail(poscare.NotFound(poscare.EntityRecord))
		return 0, false
	}
	return id, true
}

// handler wraps a page handler: it resolves the session (sending the
// browser to the login page without one), checks the CSRF token of every
// POST, and keeps merchant users inside the portal.
func (c *Console) handler(staffOnly bool, fn func(*request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := &request{w: w, r: r, c: c}
		ck, err := r.Cookie(SessionCookie)
		if err == nil {
			q.sess, err = c.Store.SessionFor(r.Context(), ck.Value, c.clientIP(r))
		}
		if err != nil || q.sess == nil {
			expired := ""
			if ck != nil {
				expired = "&expired=1"
				http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
			}
			q.redirect("/login?next=" + url.QueryEscape(r.URL.RequestURI()) + expired)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			if err := r.ParseForm(); err != nil || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(q.sess.CSRF)) != 1 {
				http.Error(w, "invalid form token; reload the page", http.StatusForbidden)
				return
			}
		}
		observe.SetUser(r.Context(), q.sess.Actor.UserID)
		if staffOnly && !q.sess.Actor.Role.IsStaff() {
			q.redirect("/portal")
			return
		}
		fn(q)
	})
}

// clientIP is the client's address, through the trusted proxies.
func (c *Console) clientIP(r *http.Request) string { return c.ClientIP.Of(r) }

// filesOnly serves the files of an fs.FS and answers "not found" for its
// folders, so that /static/ does not list what it holds.
type filesOnly struct{ fs.FS }

func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, fs.ErrNotExist
	}
	return file, nil
}

func (c *Console) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(filesOnly{static}))
	m.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		if st, err := fs.Stat(static, strings.TrimPrefix(r.URL.Path, "/static/")); err != nil || st.IsDir() {
			c.notFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
	// Anything else is the console's own not-found page, in the reader's
	// language, not the mux's plain English.
	m.HandleFunc("/", c.notFound)
	m.HandleFunc("GET /login", c.loginPage)
	m.HandleFunc("GET /confirm", c.confirm)
	m.HandleFunc("POST /confirm", c.confirm)
	m.HandleFunc("POST /login", c.loginSubmit)
	m.Handle("POST /logout", c.handler(false, c.logout))
	m.Handle("POST /lang", c.handler(false, c.switchLang))
	m.Handle("GET /{$}", c.handler(true, c.home))
	m.Handle("GET /merchants", c.handler(true, c.merchantList))
	m.Handle("GET /merchants/new", c.handler(true, c.merchantForm))
	m.Handle("POST /merchants/new", c.handler(true, c.merchantForm))
	m.Handle("GET /merchants/{id}", c.handler(true, c.merchantDetail))
	m.Handle("GET /merchants/{id}/edit", c.handler(true, c.merchantForm))
	m.Handle("POST /merchants/{id}/edit", c.handler(true, c.merchantForm))
	m.Handle("GET /merchants/{id}/contacts/new", c.handler(true, c.contactForm))
	m.Handle("POST /merchants/{id}/contacts/new", c.handler(true, c.contactForm))
	m.Handle("GET /merchants/{id}/contracts/new", c.handler(true, c.contractForm))
	m.Handle("POST /merchants/{id}/contracts/new", c.handler(true, c.contractForm))
	m.Handle("POST /merchants/{id}/applications/new", c.handler(true, c.applicationCreate))
	m.Handle("GET /contacts/{id}/edit", c.handler(true, c.contactForm))
	m.Handle("POST /contacts/{id}/edit", c.handler(true, c.contactForm))
	m.Handle("POST /contacts/{id}/channels/{channel}/restore", c.handler(true, c.channelRestore))
	m.Handle("GET /contracts/{id}/edit", c.handler(true, c.contractForm))
	m.Handle("POST /contracts/{id}/edit", c.handler(true, c.contractForm))
	m.Handle("GET /terminals", c.handler(true, c.terminalList))
	m.Handle("GET /terminals/new", c.handler(true, c.terminalForm))
	m.Handle("POST /terminals/new", c.handler(true, c.terminalForm))
	m.Handle("GET /terminals/{id}", c.handler(true, c.terminalDetail))
	m.Handle("GET /terminals/{id}/edit", c.handler(true, c.terminalForm))
	m.Handle("POST /terminals/{id}/edit", c.handler(true, c.terminalForm))
	m.Handle("GET /board", c.handler(true, c.board))
	m.Handle("POST /applications/{id}/advance", c.handler(true, c.applicationAdvance))
	m.Handle("GET /staff", c.handler(true, c.staffList))
	m.Handle("GET /staff/new", c.handler(true, c.userForm))
	m.Handle("POST /staff/new", c.handler(true, c.userForm))
	m.Handle("GET /staff/{id}/edit", c.handler(true, c.userForm))
	m.Handle("POST /staff/{id}/edit", c.handler(true, c.userForm))
	m.Handle("GET /staff/{id}/status", c.handler(true, c.statusForm))
	m.Handle("POST /staff/{id}/status", c.handler(true, c.statusForm))
	m.Handle("GET /teams/new", c.handler(true, c.teamForm))
	m.Handle("POST /teams/new", c.handler(true, c.teamForm))
	m.Handle("GET /teams/{id}/edit", c.handler(true, c.teamForm))
	m.Handle("POST /teams/{id}/edit", c.handler(true, c.teamForm))
	m.Handle("GET /audit", c.handler(true, c.auditList))
	m.Handle("GET /history/{entity}/{id}", c.handler(true, c.history))
	m.Handle("POST /{entity}/{id}/archive", c.handler(true, c.archive))
	m.Handle("POST /{entity}/{id}/restore", c.handler(true, c.archive))
	m.Handle("GET /portal", c.handler(false, c.portal))
	m.Handle("POST /portal/callback", c.handler(false, c.portalCallback))
	m.Handle("GET /me/password", c.handler(false, c.passwordForm))
	m.Handle("POST /me/password", c.handler(false, c.passwordForm))
	for _, p := range pageSets {
		p.routes(c, m)
	}
	c.mux = m
}

// A pageSet is one capability's pages.
type pageSet struct {
	name   string
	routes func(*Console, *http.ServeMux)
}

// pageSets are the capabilities' pages, sorted by name.
var pageSets []pageSet

// registerPages adds a capability's pages to the console: its pages file
// registers them (var _ = registerPages(…)), so that a new capability is
// new files and no edit here. It returns true for use as a variable
// declaration and panics on a name taken twice.
func registerPages(name string, routes func(*Console, *http.ServeMux)) bool {
	i, found := slices.BinarySearchFunc(pageSets, name, func(p pageSet, n string) int { return strings.Compare(p.name, n) })
	if found {
		panic("console: pages registered twice: " + name)
	}
	pageSets = slices.Insert(pageSets, i, pageSet{name, routes})
	return true
}
