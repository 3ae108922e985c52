package console_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"poscare"
	"poscare/demo"
	"poscare/sqlstore"
)

// Words a zh-CN audit or history page may show in Latin letters: the
// industry's codes, the language switch, and (found per run) logins.
var auditAllowed = map[string]bool{"POS": true, "MID": true, "TID": true, "MCC": true, "USCC": true, "English": true, "poscare": true}

var (
	snakeCase = regexp.MustCompile(`\b[a-z]+(_[a-z0-9]+)+\b`)
	jsonObj   = regexp.MustCompile(`\{\s*"|"\s*:\s*["{\[0-9tfn]`)
	isoStamp  = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d`)
	email     = regexp.MustCompile(`[\w.+-]+@[\w-]+(\.[\w-]+)+`)
	serialish = regexp.MustCompile(`[A-Za-z0-9_]*[0-9][A-Za-z0-9_]*`)
	latinWord = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// checkReadable fails on a raw identifier, a JSON object or an ISO
// timestamp on any page, and on any English word on a Chinese one.
func checkReadable(t *testing.T, page, lang, text string, logins map[string]bool) {
	t.Helper()
	for id, ok := range logins {
		if ok && strings.Contains(id, "_") {
			text = strings.ReplaceAll(text, id, " ")
		}
	}
	if m := snakeCase.FindAllString(text, 5); len(m) > 0 {
		t.Errorf("%s (%s) shows raw identifiers %v", page, lang, m)
	}
	if m := jsonObj.FindAllString(text, 3); len(m) > 0 {
		t.Errorf("%s (%s) shows JSON %v", page, lang, m)
	}
	if m := isoStamp.FindAllString(text, 3); len(m) > 0 {
		t.Errorf("%s (%s) shows ISO timestamps %v", page, lang, m)
	}
	if lang != "zh" {
		return
	}
	rest := serialish.ReplaceAllString(email.ReplaceAllString(text, " "), " ")
	seen := map[string]bool{}
	var words []string
	for _, w := range latinWord.FindAllString(rest, -1) {
		if !auditAllowed[w] && !logins[w] && !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	if len(words) > 0 {
		t.Errorf("%s (zh) shows English words %v", page, words)
	}
}

// TestBrowserAuditReadable walks the audit trail and the histories of a
// merchant, a contract, a contact, two staff members and an incident as
// ops and as the auditor, in Chinese and English, at desktop and phone
// width, after a realistic run of changes, and reads them as a person
// would: every field named, every value in words and units, no raw
// identifier, JSON or UTC timestamp, no sideways scrolling. It then
// filters, pages and exports the trail.
func TestBrowserAuditReadable(t *testing.T) {
	browser := newBrowser(t)
	s := newSite(t)
	st := auditScenario(t, s)
	ctx := context.Background()
	shots := newScreenshots(t)

	logins := map[string]bool{}
	for _, l := range s.Logins {
		logins[l.Login] = true
	}
	all, err := s.Store.AuditEntries(ctx, poscare.AuditFilter{Page: poscare.Page{Limit: 100000}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		logins[e.ActorLogin] = true
	}
	logins["system"] = false
	// WeChat IDs are people's own identifiers, like logins.
	users, err := s.Store.ListUsers(ctx, poscare.SystemActor("t"), sqlstore.UserFilter{Page: poscare.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.WeChat != "" {
			logins[u.WeChat] = true
		}
	}

	pages := []struct{ name, path string }{
		{"audit", "/audit"},
		{"audit-page2", "/audit?page=2"},
		{"audit-filtered", "/audit?who=ops&entity=user"},
		{"audit-applications", "/audit?entity=application"},
		{"audit-checklist", "/audit?entity=incident"},
		{"audit-contacts", "/audit?entity=contact"},
		{"audit-callbacks", "/audit?action=callback_request"},
		{"merchant", fmt.Sprintf("/history/merchant/%d", st.Merchant)},
		{"contract", fmt.Sprintf("/history/contract/%d", st.Contract)},
		{"contact", fmt.Sprintf("/history/contact/%d", st.Contact)},
		{"user-away", fmt.Sprintf("/history/user/%d", st.Away.ID)},
		{"user-declared", fmt.Sprintf("/history/user/%d", st.Declared.ID)},
		{"user-ops", fmt.Sprintf("/history/user/%d", st.Ops.ID)},
		{"incident", fmt.Sprintf("/history/incident/%d", st.Incident)},
	}
	widths := []struct {
		name string
		set  chromedp.Action[chromedp.Void]
	}{
		{"desktop", chromedp.EmulateViewport(1366, 900)},
		{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))},
	}
	for _, who := range []string{"ops", "auditor"} {
		b := newTab(t, browser, s.URL)
		b.login(who, demo.Password)
		for _, lang := range []string{"zh", "en"} {
			b.open("/audit")
			if b.htmlLang() != map[string]string{"zh": "zh-CN", "en": "en"}[lang] {
				b.submit("#lang-switch")
			}
			for _, w := range widths {
				b.do(w.name+" viewport", w.set)
				for _, pg := range pages {
					name := fmt.Sprintf("%s %s %s %s", who, pg.name, lang, w.name)
					if st := b.open(pg.path); st != http.StatusOK {
						t.Errorf("%s: status %d", name, st)
						continue
					}
					b.checkTranslated(name)
					b.checkNoSideScroll(name)
					checkReadable(t, name, lang, b.body(), logins)
					if who == "ops" || pg.name == "audit" {
						shots.take(b, fmt.Sprintf("au-%s-%s-%s-%s", who, pg.name, lang, w.name))
					}
				}
			}
		}
		if who == "auditor" {
			b.do("desktop viewport", widths[0].set)
			b.open("/audit")
			if b.htmlLang() != "zh-CN" {
				b.submit("#lang-switch")
			}
			auditContent(t, b, st)
			auditExport(t, b, s, st)
		}
	}

	t.Run("AgentMayNotExport", func(t *testing.T) {
		var agent string
		for _, l := range s.Logins {
			if l.Role == poscare.RoleAgent {
				agent = l.Login
				break
			}
		}
		b := newTab(t, browser, s.URL)
		b.login(agent, demo.Password)
		if st := b.open("/audit/export"); st != http.StatusForbidden {
			t.Errorf("an agent's export answered %d, want 403", st)
		}
		if st := b.open("/audit"); st != http.StatusForbidden {
			t.Errorf("an agent's audit page answered %d, want 403", st)
		}
	})
}

// auditContent checks what the pages say, in Chinese.
func auditContent(t *testing.T, b *tab, st *auditStory) {
	t.Helper()
	b.open(fmt.Sprintf("/history/contract/%d", st.Contract))
	body := b.body()
	for _, want := range []string{"押金", "299.00 元", "499.00 元", "贷记卡费率", "0.60%", "0.55%", "月通讯费", "26.00 元"} {
		if !strings.Contains(body, want) {
			t.Errorf("contract history lacks %q:\n%s", want, body)
		}
	}
	b.open(fmt.Sprintf("/history/user/%d", st.Away.ID))
	body = b.body()
	for _, want := range []string{"休假", "代岗人", st.Cover.Name, "预计返岗日", "年假两周"} {
		if !strings.Contains(body, want) {
			t.Errorf("history of the agent on leave lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "已开通") {
		t.Errorf("a staff member's history uses the merchant's word 已开通:\n%s", body)
	}
	b.open(fmt.Sprintf("/history/user/%d", st.Declared.ID))
	body = b.body()
	for _, want := range []string{"失踪", "已移交", "备岗职责", "无人接听", "应急事件"} {
		if !strings.Contains(body, want) {
			t.Errorf("history of the declared agent lacks %q:\n%s", want, body)
		}
	}
	// The declaration shows what changed, not a struck-through copy of
	// every field.
	if n := b.eval(`String(document.querySelector("#history .au-entry").querySelectorAll(".au-from").length)`); n != "1" && n != "2" {
		t.Errorf("the declaration shows %s old values, want only the status and its reason", n)
	}
	b.open(fmt.Sprintf("/history/incident/%d", st.Incident))
	body = b.body()
	for _, want := range []string{"宣告失踪并启动预案", "移交客户经理", st.Declared.Name} {
		if !strings.Contains(body, want) {
			t.Errorf("the incident's history lacks %q:\n%.2000s", want, body)
		}
	}
	b.open(fmt.Sprintf("/history/user/%d", st.Ops.ID))
	if body = b.body(); !strings.Contains(body, "密码错误") {
		t.Errorf("the failed login does not say 密码错误:\n%s", body)
	}
	b.open(fmt.Sprintf("/history/contact/%d", st.Contact))
	body = b.body()
	for _, want := range []string{"联系人已离职", "误操作，恢复", "电话 13800138000", "老板"} {
		if !strings.Contains(body, want) {
			t.Errorf("contact history lacks %q:\n%s", want, body)
		}
	}
	b.open(fmt.Sprintf("/history/merchant/%d", st.Merchant))
	body = b.body()
	for _, want := range []string{"上海市静安区南京西路 1 号", "499.00 元", "联系人已离职", "合同"} {
		if !strings.Contains(body, want) {
			t.Errorf("the merchant's history (with its contracts and contacts) lacks %q:\n%s", want, body)
		}
	}
	if !b.has(fmt.Sprintf(`a[href="/history/user/%d"]`, st.Ops.ID)) {
		t.Errorf("the merchant history does not link its author")
	}

	// Filters narrow the trail and paging reaches its first entry.
	b.open("/audit?action=login_failed")
	if n := b.eval(`String(document.querySelectorAll("#audit .au-entry").length)`); n != "1" {
		t.Errorf("filtering by failed logins shows %s entries, want 1", n)
	}
	b.open("/audit")
	last := b.eval(`(() => { const a = [...document.querySelectorAll(".au-pager a")]; return a.length ? a[a.length-2].getAttribute("href") : "" })()`)
	if last == "" {
		t.Fatalf("the audit page has no pager")
	}
	b.open(last)
	if b.has("#page-next") {
		t.Errorf("the last page %s still offers a next page", last)
	}
	if !strings.Contains(b.body(), "商户") {
		t.Errorf("the first entries of the trail are not shown on %s", last)
	}
}

// auditExport downloads the trail as the auditor and checks the file and
// that the export was recorded.
func auditExport(t *testing.T, b *tab, s *site, st *auditStory) {
	t.Helper()
	csv, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch("/audit/export?entity=contract").then(r => r.arrayBuffer()).then(buf => { const u = new Uint8Array(buf); return (u[0] === 0xEF && u[1] === 0xBB && u[2] === 0xBF ? "BOM" : "NOBOM") + new TextDecoder().decode(u) })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if !strings.HasPrefix(csv, "BOM") {
		t.Errorf("the export does not open with a UTF-8 byte order mark")
	}
	for _, want := range []string{"时间,操作人", "499.00 元", "0.55%"} {
		if !strings.Contains(csv, want) {
			t.Errorf("the export lacks %q:\n%.600s", want, csv)
		}
	}
	es, err := s.Store.AuditEntries(context.Background(), poscare.AuditFilter{Entity: poscare.EntityAudit, ActorID: st.Auditor.ID, Page: poscare.Page{Limit: 10}})
	if err != nil || len(es) == 0 || es[0].Action != poscare.AuditExport {
		t.Errorf("the export is not in the audit trail: %v %v", es, err)
	}
}
