package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"poscare"
	"poscare/sqlstore"
)

// The walk reads every console page a person can reach from the home page
// the way that person would, and lists everything on it that is not
// written for them: raw identifiers, JSON, UTC timestamps, the other
// language, a page wider than the screen.

// walkWidth is a screen the walk reads pages on.
type walkWidth struct {
	name          string
	width, height int64
	mobile        bool
}

var walkWidths = []walkWidth{
	{"desktop", 1366, 900, false},
	{"phone", 390, 844, true},
}

// Bounds that keep the walk within a couple of minutes: how many
// instances of one page pattern (/merchants/{id}) are read, how deep the
// crawl follows links from the home page, and how many pages one person's
// crawl reads at most.
const (
	walkInstances = 3
	walkDepth     = 4
	walkMaxPages  = 160
)

// walkFixedWords are the only Latin words a Chinese page may show besides
// the people's and devices' own identifiers found in the data: the
// industry's codes and the product's name.
var walkFixedWords = map[string]bool{"POS": true, "MID": true, "TID": true, "MCC": true, "USCC": true, "poscare": true}

// walkSkip is what the text checks leave out, each for a reason: <code>
// and <kbd> show literal input, [data-raw] marks a value that must be
// shown as typed, and the language switch names the other language in
// that language (English on a Chinese page, 中文 on an English one).
const walkSkip = "code, kbd, [data-raw], #lang-switch"

// walkExtractJS returns, as JSON, the text a reader sees on the page: every
// visible text node (with all <details> opened, as a reader would open
// them), the title, the placeholder, title, aria-label and alt of visible
// elements, the values of visible inputs and the labels of options.
const walkExtractJS = `(() => {
  const skip = ` + "`" + walkSkip + "`" + `;
  for (const d of document.querySelectorAll("details")) d.open = true;
  const out = [document.title];
  const visible = el => el.checkVisibility ? el.checkVisibility({visibilityProperty: true}) : el.offsetParent !== null;
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = w.nextNode(); n; n = w.nextNode()) {
    const el = n.parentElement;
    const s = n.nodeValue.trim();
    if (!s || !el || el.closest("script, style, template, noscript") || el.closest(skip)) continue;
    const sel = el.closest("select");
    if (sel ? !visible(sel) : !visible(el)) continue;
    out.push(s);
  }
  for (const el of document.body.querySelectorAll("[placeholder], [title], [aria-label], [alt], input, textarea")) {
    if (el.closest(skip) || !visible(el)) continue;
    for (const a of ["placeholder", "title", "aria-label", "alt"]) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push(v.trim());
    }
    const type = (el.getAttribute("type") || "text").toLowerCase();
    if ((el.tagName === "TEXTAREA" || el.tagName === "INPUT") && !["hidden", "password", "checkbox", "radio", "file"].includes(type) && el.value.trim()) out.push(el.value.trim());
  }
  return JSON.stringify(out);
})()`

// walkLinksJS lists the page's links: address and whether it is a download.
const walkLinksJS = `JSON.stringify([...document.querySelectorAll("a[href]")].map(a => ({href: a.href, download: a.hasAttribute("download")})))`

// walkWidthJS is the page's width against the screen's.
const walkWidthJS = `JSON.stringify([document.documentElement.scrollWidth, document.documentElement.clientWidth])`

var (
	walkSnake = regexp.MustCompile(`\b[a-z][a-z0-9]*(_[a-z0-9]+)+\b`)
	walkJSON  = regexp.MustCompile(`[{\[]\s*"[^"\n]{0,60}"\s*:`)
	walkISO   = regexp.MustCompile(`\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?(\.\d+)?(Z|[+-]\d\d:?\d\d)\b|\b\d{4}-\d\d-\d\dT\d\d:\d\d`)
	// walkToken is a run of Latin letters, digits and the characters of
	// logins, e-mail addresses and serials; walkWord is what makes a token
	// an English word (two letters in a row).
	walkToken = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9_.@+\-]*[A-Za-z0-9]|[A-Za-z]`)
	walkWord  = regexp.MustCompile(`[A-Za-z]{2,}`)
	// walkHan is a run of Chinese characters; walkWide is Chinese
	// (full-width) punctuation, which an English page writes the English way.
	walkHan  = regexp.MustCompile(`\p{Han}+`)
	walkWide = regexp.MustCompile(`[\x{3000}-\x{303F}\x{FF00}-\x{FFEF}]+`)
	// walkKey is a message key shown instead of its text.
	walkKey = untranslated
)

// walkVocab is what the data itself puts on pages, found in the seeded
// store rather than guessed by pattern, so that the allow-lists stay tight:
// Latin tokens of logins, e-mail addresses, WeChat IDs, serials, models,
// vendors and codes (for Chinese pages), and the Chinese runs of names and
// addresses (for English pages).
type walkVocab struct {
	latin map[string]bool
	han   map[string]bool
}

func (v *walkVocab) addLatin(values ...string) {
	for _, s := range values {
		for _, tok := range walkToken.FindAllString(s, -1) {
			v.latin[tok] = true
		}
	}
}

func (v *walkVocab) addHan(values ...string) {
	for _, s := range values {
		for _, r := range walkHan.FindAllString(s, -1) {
			v.han[r] = true
		}
	}
}

// pages calls list with offsets until a page comes back short.
func pages(t *testing.T, list func(p poscare.Page) (int, error)) {
	t.Helper()
	for off := 0; ; off += 500 {
		n, err := list(poscare.Page{Limit: 500, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		if n < 500 {
			return
		}
	}
}

// hanNear reports whether the punctuation at loc touches a run of Chinese
// from the data.
func (v *walkVocab) hanNear(s string, loc []int) bool {
	before, after := s[:loc[0]], s[loc[1]:]
	if r := walkHanEnd.FindString(before); r != "" && v.han[r] {
		return true
	}
	if r := walkHanStart.FindString(after); r != "" && v.han[r] {
		return true
	}
	return false
}

var (
	walkHanEnd   = regexp.MustCompile(`\p{Han}+$`)
	walkHanStart = regexp.MustCompile(`^\p{Han}+`)
)

func newWalkVocab(t *testing.T, s *site) *walkVocab {
	t.Helper()
	ctx := context.Background()
	sys := poscare.SystemActor("t")
	v := &walkVocab{latin: map[string]bool{}, han: map[string]bool{}}
	for w := range walkFixedWords {
		v.latin[w] = true
	}
	for _, l := range s.Logins {
		v.addLatin(l.Login)
	}
	pages(t, func(p poscare.Page) (int, error) {
		users, err := s.Store.ListUsers(ctx, sys, sqlstore.UserFilter{Page: p})
		for _, u := range users {
			v.addLatin(u.Login, u.Email, u.WeChat)
			v.addHan(u.Name)
		}
		return len(users), err
	})
	teams, err := s.Store.ListTeams(ctx, sys, false, poscare.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range teams {
		v.addHan(tm.Name)
	}
	for _, archived := range []bool{false, true} {
		pages(t, func(p poscare.Page) (int, error) {
			merchants, err := s.Store.ListMerchants(ctx, sys, poscare.MerchantFilter{Archived: archived, Page: p})
			for _, m := range merchants {
				v.addLatin(m.USCC, m.MID, m.MCC, m.PrincipalIDMasked, m.SettlementMasked)
				v.addHan(m.LegalName, m.PrincipalName, m.Address)
			}
			return len(merchants), err
		})
		pages(t, func(p poscare.Page) (int, error) {
			contacts, err := s.Store.ListContacts(ctx, sys, sqlstore.ContactFilter{Archived: archived, Page: p})
			for _, c := range contacts {
				v.addHan(c.Name, c.Role)
				for _, ch := range append(c.Channels, c.RemovedChannels...) {
					if ch.Kind == poscare.ChannelEmail || ch.Kind == poscare.ChannelWeChat {
						v.addLatin(ch.Value)
					}
				}
			}
			return len(contacts), err
		})
	}
	pages(t, func(p poscare.Page) (int, error) {
		terminals, err := s.Store.ListTerminals(ctx, sys, poscare.TerminalFilter{Page: p})
		for _, tm := range terminals {
			v.addLatin(tm.Serial, tm.Model, tm.Vendor, tm.TID, tm.MID)
			v.addHan(tm.Vendor, tm.Model, tm.InstallAddress)
		}
		return len(terminals), err
	})
	// What people typed (reasons, notes, a merchant's message) is in the
	// audit trail's records: their Chinese may stand on an English page.
	// Only Chinese is taken from there: the records also hold the raw
	// field names and values the walk looks for. A reason the system wrote
	// in words of its own is not what a person typed.
	system, _, _ := strings.Cut(poscare.Say("zh", "silence.reason"), "{")
	entries, err := s.Store.AuditEntries(ctx, poscare.AuditFilter{Page: poscare.Page{Limit: 100000}})
	if err != nil {
		t.Fatal(err)
	}
	var leaves func(x any)
	leaves = func(x any) {
		switch x := x.(type) {
		case string:
			if !strings.HasPrefix(x, system) {
				v.addHan(x)
			}
		case []any:
			for _, e := range x {
				leaves(e)
			}
		case map[string]any:
			for _, e := range x {
				leaves(e)
			}
		}
	}
	for _, e := range entries {
		for _, raw := range []json.RawMessage{e.Before, e.After} {
			var x any
			if len(raw) > 0 && json.Unmarshal(raw, &x) == nil {
				leaves(x)
			}
		}
	}
	return v
}

// walkOffence is one thing on one page a reader should not see.
type walkOffence struct {
	who, lang, width, path, rule, snippet string
}

func (o walkOffence) String() string {
	return fmt.Sprintf("%-8s %-7s %-7s %-40s %-8s %s", o.who, o.lang, o.width, o.path, o.rule, o.snippet)
}

// snippet is the match with a little of the text around it.
func snippet(s string, loc []int) string {
	a, b := max(loc[0]-20, 0), min(loc[1]+20, len(s))
	for a > 0 && !utf8Start(s[a]) {
		a--
	}
	for b < len(s) && !utf8Start(s[b]) {
		b++
	}
	out := strings.Join(strings.Fields(s[a:b]), " ")
	return fmt.Sprintf("%q in %q", s[loc[0]:loc[1]], out)
}

func utf8Start(c byte) bool { return c&0xC0 != 0x80 }

// walkCheck reads the texts of one page and returns what offends, by rule:
// snake (a raw identifier), json, iso (a UTC timestamp), key (an
// untranslated message key), english (a Latin word on a Chinese page) and
// chinese (Chinese on an English page).
func walkCheck(lang string, texts []string, v *walkVocab) map[string][]string {
	found := map[string][]string{}
	add := func(rule, s string, loc []int) { found[rule] = append(found[rule], snippet(s, loc)) }
	for _, s := range texts {
		// The data's own tokens (logins like wang_li, e-mail addresses) are
		// masked first: they are what the page is about, not offences.
		masked := walkToken.ReplaceAllStringFunc(s, func(tok string) string {
			if v.latin[tok] {
				return strings.Repeat(" ", len(tok))
			}
			return tok
		})
		for _, loc := range walkSnake.FindAllStringIndex(masked, -1) {
			add("snake", s, loc)
		}
		for _, loc := range walkJSON.FindAllStringIndex(masked, -1) {
			add("json", s, loc)
		}
		for _, loc := range walkISO.FindAllStringIndex(masked, -1) {
			add("iso", s, loc)
		}
		for _, loc := range walkKey.FindAllStringIndex(masked, -1) {
			add("key", s, loc)
		}
		if lang == "zh" {
			for _, loc := range walkToken.FindAllStringIndex(masked, -1) {
				tok := masked[loc[0]:loc[1]]
				if walkWord.MatchString(tok) && !walkFixedWords[tok] {
					add("english", s, loc)
				}
			}
		} else {
			for _, loc := range walkHan.FindAllStringIndex(s, -1) {
				if !v.han[s[loc[0]:loc[1]]] {
					add("chinese", s, loc)
				}
			}
			// Full-width punctuation next to Chinese from the data is the
			// data's own; anywhere else it is the page's.
			for _, loc := range walkWide.FindAllStringIndex(s, -1) {
				if !v.hanNear(s, loc) {
					add("chinese", s, loc)
				}
			}
		}
	}
	return found
}

// walkPattern is a page's address with its ids replaced by {id} and its
// query reduced to the names of its parameters: /merchants/{id}?tab.
var walkID = regexp.MustCompile(`/[0-9]+(/|$)`)

func walkPattern(u *url.URL) string {
	p := u.Path
	for walkID.MatchString(p) {
		p = walkID.ReplaceAllString(p, "/{id}$1")
	}
	if q := u.Query(); len(q) > 0 {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		p += "?" + strings.Join(keys, "&")
	}
	return p
}

// walkPathOnly is a pattern without its query: how many kinds of page.
func walkPathOnly(pattern string) string { p, _, _ := strings.Cut(pattern, "?"); return p }

// walker reads one person's pages in one tab.
type walker struct {
	t      *testing.T
	b      *tab
	who    string
	vocab  *walkVocab
	shots  string // folder for screenshots, or ""
	mu     *sync.Mutex
	out    *[]walkOffence
	pages  []string          // addresses (path and query) in crawl order
	from   map[string]string // the page each address was first found on
	shotOf map[string]bool
}

func (w *walker) offend(lang, width, path, rule, snip string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	*w.out = append(*w.out, walkOffence{w.who, lang, width, path, rule, snip})
}

func (w *walker) evalJSON(expr string, into any) {
	w.t.Helper()
	if err := json.Unmarshal([]byte(w.b.eval(expr)), into); err != nil {
		w.t.Fatalf("%s: %v", expr, err)
	}
}

// read opens one page and checks it; it returns the same-origin links on
// it (downloads are only checked for their status).
func (w *walker) read(lang string, width walkWidth, addr string, collect bool) []string {
	w.t.Helper()
	st := w.b.open(addr)
	if st != http.StatusOK {
		w.offend(lang, width.name, addr, "status", fmt.Sprintf("HTTP %d (linked from %s)", st, w.from[addr]))
		return nil
	}
	if at := w.b.path(); at == "/login" {
		w.offend(lang, width.name, addr, "status", "sent to the login page")
		return nil
	}
	var sw [2]int
	w.evalJSON(walkWidthJS, &sw)
	// The layout is as wide as the screen, less a scroll bar: else the
	// viewport was not set, or the page has no <meta name="viewport">
	// and a phone would show it as a shrunken desktop page.
	if cw := int64(sw[1]); cw > width.width || cw < width.width-20 {
		w.offend(lang, width.name, addr, "viewport", fmt.Sprintf("laid out %d px wide on a %d px screen", cw, width.width))
	}
	if sw[0] > sw[1] {
		w.offend(lang, width.name, addr, "overflow", fmt.Sprintf("page is %d px wide on a %d px screen", sw[0], sw[1]))
	}
	if w.shots != "" {
		key := lang + "-" + width.name + "-" + walkPattern(mustURL(w.t, w.b.base+addr))
		if !w.shotOf[key] {
			w.shotOf[key] = true
			name := strings.NewReplacer("/", "_", "{", "", "}", "", "?", "_", "&", "_").Replace(walkPattern(mustURL(w.t, w.b.base+addr)))
			buf, err := chromedp.Run(w.b.ctx, chromedp.FullScreenshot(100))
			if err == nil {
				os.WriteFile(filepath.Join(w.shots, fmt.Sprintf("walk-%s-%s-%s%s.png", w.who, lang, width.name, name)), buf, 0o644)
			}
		}
	}
	var texts []string
	w.evalJSON(walkExtractJS, &texts)
	for rule, snips := range walkCheck(lang, texts, w.vocab) {
		for _, s := range snips {
			w.offend(lang, width.name, addr, rule, s)
		}
	}
	if !collect {
		return nil
	}
	var links []struct {
		Href     string
		Download bool
	}
	w.evalJSON(walkLinksJS, &links)
	var out []string
	for _, l := range links {
		if !strings.HasPrefix(l.Href, w.b.base+"/") {
			continue // another site, mailto:, tel:, javascript:
		}
		u := mustURL(w.t, l.Href)
		u.Fragment = ""
		rel := u.RequestURI()
		if l.Download || strings.HasSuffix(u.Path, ".csv") || strings.HasSuffix(u.Path, "/export") {
			st := w.fetchStatus(rel)
			if st != http.StatusOK {
				w.offend(lang, width.name, rel, "status", fmt.Sprintf("download answers HTTP %d", st))
			}
			continue
		}
		out = append(out, rel)
	}
	return out
}

// fetchStatus GETs an address from the page, with its cookies.
func (w *walker) fetchStatus(rel string) int {
	st, err := chromedp.Run(w.b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`fetch(%q).then(r => r.status)`, rel), chromedp.EvalAwaitPromise))
	if err != nil {
		w.t.Fatalf("fetch %s: %v", rel, err)
	}
	return st
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return u
}

// walkAvoid are GET addresses a walk does not open: the login page (it
// would end nothing, but it is not a console page) and anything that only
// a form posts to.
func walkAvoid(u *url.URL) bool {
	switch u.Path {
	case "/login", "/logout", "/lang":
		return true
	}
	return strings.HasPrefix(u.Path, "/static/") || strings.HasPrefix(u.Path, "/api/")
}

// crawl reads the pages reachable from start breadth first, at most
// walkInstances of each pattern, and remembers them for the other
// languages and widths.
func (w *walker) crawl(lang string, width walkWidth, start string) {
	w.t.Helper()
	type item struct {
		addr  string
		depth int
	}
	seen := map[string]bool{start: true}
	perPattern := map[string]int{}
	queue := []item{{start, 0}}
	for len(queue) > 0 && len(w.pages) < walkMaxPages {
		it := queue[0]
		queue = queue[1:]
		w.pages = append(w.pages, it.addr)
		links := w.read(lang, width, it.addr, it.depth < walkDepth)
		for _, l := range links {
			u := mustURL(w.t, w.b.base+l)
			if seen[l] || walkAvoid(u) {
				continue
			}
			seen[l] = true
			w.from[l] = it.addr
			p := walkPattern(u)
			if perPattern[p] >= walkInstances {
				continue
			}
			perPattern[p]++
			queue = append(queue, item{l, it.depth + 1})
		}
	}
}

// patterns are the distinct page patterns walked, without queries.
func (w *walker) patterns() []string {
	set := map[string]bool{}
	for _, p := range w.pages {
		set[walkPathOnly(walkPattern(mustURL(w.t, w.b.base+p)))] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (w *walker) viewport(width walkWidth) {
	w.t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if width.mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	w.b.do("viewport "+width.name, chromedp.EmulateViewport(width.width, width.height, opts...))
}

// walkPerson is who the walk logs in as, and how many kinds of page they
// must at least reach, so that a broken crawl cannot pass.
type walkPerson struct {
	who      string
	role     poscare.Role
	login    string // a particular login, or the first of the role
	minKinds int
}

// TestBrowserWalk walks every console page reachable from the home page as
// ops, a team lead, an agent and the auditor, and the portal as a
// merchant, in Chinese and English, at desktop and phone width, and fails
// with one list of every raw identifier, JSON object, UTC timestamp,
// untranslated key, word of the other language and page wider than the
// screen it found.
func TestBrowserWalk(t *testing.T) {
	// Issue 12 is open: the walk still finds offences on pages not yet
	// reworked (the merchant forms, the board). Until they are fixed it
	// runs on request only, POSCARE_WALK=1, so that CI stays green.
	if os.Getenv("POSCARE_WALK") != "1" {
		t.Skip("set POSCARE_WALK=1 to walk every page (issue 12 still open)")
	}
	began := time.Now()
	browser := newBrowser(t)
	s := newSite(t)
	vocab := newWalkVocab(t, s)
	shots := os.Getenv("POSCARE_SCREENSHOTS")
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	people := []walkPerson{
		{"ops", poscare.RoleOps, "ops", 12},
		{"lead", poscare.RoleLead, "lead1", 10},
		{"agent", poscare.RoleAgent, "", 7},
		{"auditor", poscare.RoleAuditor, "auditor", 6},
		{"merchant", poscare.RoleMerchant, "", 1},
	}
	var (
		mu       sync.Mutex
		offences []walkOffence
		walked   = map[string][]string{}
		counts   = map[string]int{}
	)
	var wg sync.WaitGroup
	// Two people at a time: the server and chromium share the machine's
	// cores, and more tabs at once only queue.
	sem := make(chan struct{}, 2)
	for _, p := range people {
		login := p.login
		if login == "" {
			for _, l := range s.Logins {
				if l.Role == p.role {
					login = l.Login
					break
				}
			}
		}
		var password string
		for _, l := range s.Logins {
			if l.Login == login {
				password = l.Password
			}
		}
		if password == "" {
			t.Fatalf("no %s login in the demo data", p.role)
		}
		u := s.user(t, login)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			b := newWalkTab(t, browser, s.URL)
			w := &walker{t: t, b: b, who: p.who, vocab: vocab, shots: shots, mu: &mu, out: &offences, shotOf: map[string]bool{}, from: map[string]string{}}
			start := b.login(login, password)
			first := true
			n := 0
			for _, lang := range []string{"zh", "en"} {
				if err := s.Store.SetLanguage(context.Background(), actor(u), lang); err != nil {
					t.Errorf("set language of %s: %v", login, err)
					return
				}
				for _, width := range walkWidths {
					w.viewport(width)
					if first {
						w.crawl(lang, width, start)
						first = false
						n += len(w.pages)
						continue
					}
					for _, addr := range w.pages {
						w.read(lang, width, addr, false)
						n++
					}
				}
			}
			mu.Lock()
			walked[p.who], counts[p.who] = w.patterns(), n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, p := range people {
		kinds := walked[p.who]
		t.Logf("%s: %d page reads, %d kinds of page: %s", p.who, counts[p.who], len(kinds), strings.Join(kinds, " "))
		if len(kinds) < p.minKinds {
			t.Errorf("%s reached only %d kinds of page, want at least %d: the crawl is broken", p.who, len(kinds), p.minKinds)
		}
	}
	t.Logf("walk took %s", time.Since(began).Round(100*time.Millisecond))
	if len(offences) > 0 {
		t.Errorf("the walk found %d things a reader should not see:\n%s", len(offences), walkReport(offences, 300))
	}
}

// walkReport sorts and dedupes offences, folding the same offence on the
// same page pattern in several languages, widths or instances into one
// line, and caps the list.
func walkReport(all []walkOffence, limit int) string {
	type key struct{ rule, pattern, snippet, lang string }
	type agg struct {
		who, widths map[string]bool
		paths       []string
	}
	groups := map[key]*agg{}
	for _, o := range all {
		u, _ := url.Parse(o.path)
		snip := o.snippet
		if o.rule == "overflow" {
			snip = "wider than the screen"
		}
		k := key{o.rule, walkPattern(u), snip, o.lang}
		g := groups[k]
		if g == nil {
			g = &agg{who: map[string]bool{}, widths: map[string]bool{}}
			groups[k] = g
		}
		g.who[o.who], g.widths[o.width] = true, true
		if !slices.Contains(g.paths, o.path) && len(g.paths) < 2 {
			g.paths = append(g.paths, o.path)
		}
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.pattern != b.pattern {
			return a.pattern < b.pattern
		}
		if a.rule != b.rule {
			return a.rule < b.rule
		}
		if a.lang != b.lang {
			return a.lang < b.lang
		}
		return a.snippet < b.snippet
	})
	names := func(m map[string]bool) string {
		s := make([]string, 0, len(m))
		for k := range m {
			s = append(s, k)
		}
		sort.Strings(s)
		return strings.Join(s, ",")
	}
	var lines []string
	for i, k := range keys {
		if i == limit {
			lines = append(lines, fmt.Sprintf("… and %d more", len(keys)-limit))
			break
		}
		g := groups[k]
		lines = append(lines, fmt.Sprintf("%-34s %-8s %s [%s; %s; %s] e.g. %s", k.pattern, k.rule, k.snippet, k.lang, names(g.widths), names(g.who), strings.Join(g.paths, " ")))
	}
	return strings.Join(lines, "\n")
}

// newWalkTab is a tab like newTab's with room for a whole walk.
func newWalkTab(t *testing.T, browser context.Context, base string) *tab {
	t.Helper()
	tabCtx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	ctx, tcancel := context.WithTimeout(tabCtx, 6*time.Minute)
	t.Cleanup(tcancel)
	return &tab{t: t, ctx: ctx, base: base}
}

// TestBrowserWalkCatchesPlantedOffences runs the walk's checks on a page
// made to offend, so that the walk cannot pass because its checks see
// nothing: every rule must fire on it, and none on a clean page.
func TestBrowserWalkCatchesPlantedOffences(t *testing.T) {
	browser := newBrowser(t)
	pages := map[string]string{
		"/bad-zh": `<!doctype html><html lang="zh-CN"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>坏页</title></head><body>
<p>状态：handed_over</p><pre>{"a":1}</pre><p>时间：2026-12-01T19:17:17Z</p><p>Hello world</p>
<p>键 merchant.legal_name</p><input placeholder="cover_id"><code>raw_ok_here</code>
<div style="width:2000px">宽</div></body></html>`,
		"/bad-en": `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Bad</title></head><body>
<p>Status: 已开通</p><p>Deposit（元 CNY）</p><p>Owner 王小明</p><select><option>一级</option></select></body></html>`,
		"/no-meta": `<!doctype html><html lang="zh-CN"><head><title>商户</title></head><body><p>商户</p></body></html>`,
		"/good-zh": `<!doctype html><html lang="zh-CN"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>商户</title></head><body>
<p>POS 终端 SN12345AB，登录名 wang_li，邮箱 wang_li@poscare.example</p><details><summary>菜单</summary><a id="lang-switch">English</a></details></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, pages[r.URL.Path])
	}))
	t.Cleanup(srv.Close)
	vocab := &walkVocab{latin: map[string]bool{}, han: map[string]bool{}}
	for w := range walkFixedWords {
		vocab.latin[w] = true
	}
	vocab.addLatin("wang_li", "wang_li@poscare.example", "SN12345AB")
	vocab.addHan("王小明")
	var offences []walkOffence
	w := &walker{t: t, b: newTab(t, browser, srv.URL), who: "test", vocab: vocab, mu: &sync.Mutex{}, out: &offences}
	w.viewport(walkWidths[1])
	w.read("zh", walkWidths[1], "/bad-zh", false)
	w.read("en", walkWidths[1], "/bad-en", false)
	w.read("zh", walkWidths[1], "/good-zh", false)
	w.read("zh", walkWidths[1], "/no-meta", false)
	fired := map[string][]string{}
	for _, o := range offences {
		fired[o.path+" "+o.rule] = append(fired[o.path+" "+o.rule], o.snippet)
	}
	for _, want := range []string{"/bad-zh snake", "/bad-zh json", "/bad-zh iso", "/bad-zh english", "/bad-zh key", "/bad-zh overflow", "/bad-en chinese", "/no-meta viewport"} {
		if len(fired[want]) == 0 {
			t.Errorf("%s did not fire; fired: %v", want, fired)
		}
	}
	for _, s := range fired["/bad-zh snake"] {
		if strings.Contains(s, "raw_ok_here") {
			t.Errorf("text in <code> was checked: %s", s)
		}
	}
	if !slices.ContainsFunc(fired["/bad-zh snake"], func(s string) bool { return strings.Contains(s, "cover_id") }) {
		t.Errorf("a placeholder was not checked: %v", fired["/bad-zh snake"])
	}
	for _, s := range []string{"已开通", "（元", "一级"} {
		if !slices.ContainsFunc(fired["/bad-en chinese"], func(x string) bool { return strings.Contains(x, s) }) {
			t.Errorf("Chinese %q on an English page was not caught: %v", s, fired["/bad-en chinese"])
		}
	}
	if slices.ContainsFunc(fired["/bad-en chinese"], func(x string) bool { return strings.Contains(x, "王小明") }) {
		t.Errorf("a name from the data was called an offence: %v", fired["/bad-en chinese"])
	}
	for k, v := range fired {
		if strings.HasPrefix(k, "/good-zh") {
			t.Errorf("clean page offends: %s %v", k, v)
		}
	}
}
