package console_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"poscare"
	"poscare/console"
	"poscare/demo"
	"poscare/httpapi"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// browserTimeout bounds each browser scenario.
const browserTimeout = 90 * time.Second

// chromiumPath finds the browser: POSCARE_CHROMIUM (exported by
// scripts/test), then the usual names on PATH. It skips the test when
// there is none, except under CI=true, where a missing browser must not
// silently shrink the suite.
func chromiumPath(t *testing.T) string {
	t.Helper()
	candidates := []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "/usr/bin/chromium"}
	if env := os.Getenv("POSCARE_CHROMIUM"); env != "" {
		candidates = []string{env} // when named, only that one
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but chromium was not found (tried %v): run the tests through scripts/test", candidates)
	}
	t.Skipf("chromium not found (tried %v): set POSCARE_CHROMIUM to run the browser tests", candidates)
	return ""
}

// site is the server under test: a seeded store behind the same root mux
// as cmd/poscare, on a real listener on 127.0.0.1.
type site struct {
	URL    string
	Store  *sqlstore.Store
	Logins []demo.Login
}

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	store := testenv.Open(t, filepath.Join(t.TempDir(), "b.db"))
	start := time.Now()
	logins, err := demo.Seed(ctx, store, demo.Size{Teams: 3, Staff: 25, Merchants: 300, Terminals: 360})
	if err != nil {
		t.Fatalf("demo.Seed: %v", err)
	}
	if len(logins) == 0 {
		t.Fatal("demo.Seed created no logins")
	}
	t.Logf("seeded %d logins in %s", len(logins), time.Since(start).Round(time.Millisecond))
	web, err := console.New(store, nil)
	if err != nil {
		t.Fatalf("console.New: %v", err)
	}
	api := httpapi.New(store, nil, "test")
	root := http.NewServeMux()
	root.Handle("/api/", api)
	root.Handle("/healthz", api)
	root.Handle("/", web)
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	return &site{URL: srv.URL, Store: store, Logins: logins}
}

// user returns the user with exactly this login, looked up as the system.
func (s *site) user(t *testing.T, login string) *poscare.User {
	t.Helper()
	users, err := s.Store.ListUsers(context.Background(), poscare.SystemActor("t"), sqlstore.UserFilter{Q: login, Page: poscare.Page{Limit: 100}})
	if err != nil {
		t.Fatalf("ListUsers %s: %v", login, err)
	}
	for _, u := range users {
		if u.Login == login {
			return u
		}
	}
	t.Fatalf("no user with login %q", login)
	return nil
}

// actor is how the store sees a user acting, as a session would build it.
func actor(u *poscare.User) poscare.Actor {
	return poscare.Actor{UserID: u.ID, Login: u.Login, Role: u.Role, TeamID: u.TeamID, MerchantID: u.MerchantID, Source: "t"}
}

// newBrowser starts one headless chromium for the whole test; each
// scenario opens its own tab in its own browser context (own cookies).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(allocCancel)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel() })
	// Start the browser with a context that has no timeout: the first run
	// binds the browser's life to it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return ctx
}

// tab is one browser tab with its own cookie jar, driven by a scenario.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newTab(t *testing.T, browser context.Context, base string) *tab {
	t.Helper()
	tabCtx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	ctx, tcancel := context.WithTimeout(tabCtx, browserTimeout)
	t.Cleanup(tcancel)
	return &tab{t: t, ctx: ctx, base: base}
}

func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates to a path on the site and returns the HTTP status of the
// document (after redirects).
func (b *tab) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// submit clicks something that navigates (a submit button, a link) and
// waits for the new page; it returns the status of the final document.
func (b *tab) submit(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	return resp.Status
}

// typeInto replaces the value of an input by typing into it.
func (b *tab) typeInto(sel, value string) {
	b.t.Helper()
	b.do("type into "+sel, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value))
}

// login logs in through the form and returns the path it lands on.
func (b *tab) login(login, password string) string {
	b.t.Helper()
	b.open("/login")
	b.typeInto("#login", login)
	b.typeInto("#password", password)
	if st := b.submit("#login-submit"); st != http.StatusOK {
		b.t.Fatalf("login %s: status %d, page: %s", login, st, b.body())
	}
	p := b.path()
	if p == "/login" {
		b.t.Fatalf("login %s failed: %s", login, b.body())
	}
	return p
}

// logout presses the logout button in the header.
func (b *tab) logout() {
	b.t.Helper()
	b.submit(`form[action="/logout"] button`)
	if p := b.path(); p != "/login" {
		b.t.Fatalf("after logout: at %s, want /login", p)
	}
}

func (b *tab) eval(expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// path is the path of the page the tab shows.
func (b *tab) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("location %q: %v", loc, err)
	}
	return u.Path
}

// url is the full address of the page the tab shows.
func (b *tab) url() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return loc
}

// body is the visible text of the page.
func (b *tab) body() string { return b.eval(`document.body ? document.body.innerText : ""`) }

// text is the visible text of the first element matching sel, or "" when
// there is none (it does not wait).
func (b *tab) text(sel string) string {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : "" })()`, sel))
}

// has reports whether an element matching sel is on the page now.
func (b *tab) has(sel string) bool {
	b.t.Helper()
	ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, sel)))
	if err != nil {
		b.t.Fatalf("query %s: %v", sel, err)
	}
	return ok
}

// value is the current value of the first input matching sel.
func (b *tab) value(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

// checkNoSideScroll fails when the page is wider than the viewport, so that
// a phone would have to scroll sideways.
func (b *tab) checkNoSideScroll(page string) {
	b.t.Helper()
	sw, cw := b.eval(`String(document.documentElement.scrollWidth)`), b.eval(`String(document.documentElement.clientWidth)`)
	var w, c int
	fmt.Sscan(sw, &w)
	fmt.Sscan(cw, &c)
	if w > c {
		b.t.Errorf("%s is %d px wide on a %d px screen: a phone has to scroll sideways", page, w, c)
	}
}

func (b *tab) htmlLang() string { return b.eval(`document.documentElement.lang`) }

// untranslated finds message keys shown literally, such as "mstatus.active".
var untranslated = regexp.MustCompile(`\b(app|nav|login|common|home|merchant|contact|channel|terminal|board|contract|staff|audit|history|portal|stage|role|mstatus|mtype|fee|settle|tstatus|crole|action)\.[a-z_]+(\.[a-z_]+)?\b`)

// checkTranslated fails when the page shows a message key instead of text.
func (b *tab) checkTranslated(page string) {
	b.t.Helper()
	seen := map[string]bool{}
	var keys []string
	for _, k := range untranslated.FindAllString(b.body(), -1) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		b.t.Errorf("%s shows untranslated message keys: %v", page, keys)
	}
}

// screenshots writes full-page PNGs into one folder.
type screenshots struct {
	dir   string
	files []string
}

func newScreenshots(t *testing.T) *screenshots {
	t.Helper()
	dir := os.Getenv("POSCARE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &screenshots{dir: dir}
}

func (s *screenshots) take(b *tab, name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	file := filepath.Join(s.dir, name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	s.files = append(s.files, file)
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// checkPNG reports whether a file is a non-empty PNG image.
func checkPNG(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if len(b) <= len(pngSignature) || !bytes.HasPrefix(b, pngSignature) {
		return errors.New("not a PNG image")
	}
	return nil
}

// fetchStatus posts a form with fetch from the page (with its cookies) and
// returns the status of the response, without following a redirect (an
// opaque redirect answers 0).
func (b *tab) fetchStatus(path string, form map[string]string) int {
	b.t.Helper()
	var parts []string
	for k, v := range form {
		parts = append(parts, fmt.Sprintf("%q: %q", k, v))
	}
	expr := fmt.Sprintf(`fetch(%q, {method: "POST", redirect: "manual", body: new URLSearchParams({%s})}).then(r => r.status)`,
		path, strings.Join(parts, ", "))
	st, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("fetch %s: %v", path, err)
	}
	return st
}
