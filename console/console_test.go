package console

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// TestMessagesComplete fails when a message is missing in either language,
// when a template or handler uses a key that does not exist, or when a
// value of an enumeration shown on a page has no label.
func TestMessagesComplete(t *testing.T) {
	t.Parallel()
	for _, key := range poscare.CatalogKeys() {
		m, _ := poscare.Template(key)
		if strings.TrimSpace(m.Zh) == "" || strings.TrimSpace(m.En) == "" {
			t.Errorf("message %q lacks a language: %+v", key, m)
		}
	}
	used := map[string]bool{}
	keyRe := regexp.MustCompile(`\.T "([a-z0-9_.]+)"|T\("([a-z0-9_.]+)"\)|translate\([a-z"]+, "([a-z0-9_.]+)"\)`)
	files, _ := filepath.Glob("templates/*.html")
	gofiles, _ := filepath.Glob("*.go")
	for _, f := range append(files, gofiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			used[m[1]+m[2]+m[3]] = true
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	for key := range used {
		if _, ok := poscare.Template(key); !ok {
			t.Errorf("key %q is used but has no message", key)
		}
	}
	enums := map[string][]string{"ustatus": {"active", "disabled", "on_leave", "unreachable", "missing", "departed"}, "role": {}, "mstatus": {}, "mtype": {}, "fee": {}, "settle": {}, "tstatus": {}, "crole": poscare.ContactRoles,
		"stage": {}, "channel": {"phone", "email", "wechat"}}
	for _, r := range poscare.Roles {
		enums["role"] = append(enums["role"], string(r))
	}
	for _, s := range poscare.Stages {
		enums["stage"] = append(enums["stage"], string(s))
	}
	enums["mstatus"] = []string{"prospect", "onboarding", "active", "suspended", "terminated"}
	enums["mtype"] = []string{"micro", "individual", "enterprise"}
	enums["fee"] = []string{"standard", "discounted", "public_welfare"}
	enums["settle"] = []string{"personal_card", "corporate"}
	enums["tstatus"] = []string{"in_stock", "installed", "active", "suspended", "in_repair", "retired", "lost"}
	for prefix, values := range enums {
		for _, v := range values {
			if _, ok := poscare.Template(prefix + "." + v); !ok {
				t.Errorf("no label for %s.%s", prefix, v)
			}
		}
	}
	for _, c := range poscare.ChecklistItems {
		if _, ok := poscare.Template("check." + c); !ok {
			t.Errorf("no label for checklist item %q", c)
		}
	}
	for _, action := range []string{"create", "update", "archive", "restore", "advance", "restore_channel", "view_sensitive", "export", "login", "login_failed", "set_password", "change_password", "key_rotate",
		"status", "handover", "declare_missing", "declare_departed", "check", "contact_attempt", "bulk_blocked", "restore_removals", "return", "close", "remove_channel",
		"task_done", "confirm", "callback_request", "check_own_contact", "declare_refused",
		"handover_backup", "return_to_work",
		poscare.AuditBackup, poscare.AuditBackupClaim, poscare.AuditBackupRestore} {
		if _, ok := poscare.Template("action." + action); !ok {
			t.Errorf("no label for audit action %q", action)
		}
	}
}

// site is a console on a real store with the fixture's world.
type site struct {
	t   *testing.T
	srv *httptest.Server
	w   *fixture.World
	s   *sqlstore.Store
}

func newSite(t *testing.T) *site {
	s := testenv.Open(t, filepath.Join(t.TempDir(), "c.db"))
	w := fixture.Build(t, s)
	c, err := New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return &site{t: t, srv: srv, w: w, s: s}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see them.
func (s *site) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *site) login(c *http.Client, login string) {
	s.t.Helper()
	res, err := c.PostForm(s.srv.URL+"/login", url.Values{"login": {login}, "password": {fixture.Password}, "next": {"/"}})
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("login %s: %d", login, res.StatusCode)
	}
}

func (s *site) get(c *http.Client, path string) (int, string) {
	s.t.Helper()
	res, err := c.Get(s.srv.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestConsole(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	w := s.w
	m, other := w.Merchant.ID, w.OtherMerchant.ID
	ids := func(p string, id int64) string { return strings.Replace(p, "{id}", itoa(id), 1) }
	pages := []string{"/", "/merchants", "/merchants?q=火锅", "/merchants/{id}", "/merchants/{id}/edit", "/history/merchant/{id}",
		"/terminals", "/board", "/staff", "/audit", "/merchants/new", "/terminals/new", "/merchants/{id}/contacts/new", "/merchants/{id}/contracts/new", "/staff/new", "/teams/new", "/continuity", "/incidents"}

	t.Run("EveryPageRendersForEveryStaffRole", func(t *testing.T) {
		for _, role := range []poscare.Role{poscare.RoleAdmin, poscare.RoleOps, poscare.RoleLead, poscare.RoleAgent, poscare.RoleTech, poscare.RoleAuditor} {
			c := s.browser()
			s.login(c, w.Users[role].Login)
			for _, p := range pages {
				code, body := s.get(c, ids(p, m))
				if code != 200 && code != 403 {
					t.Errorf("%s %s: %d", role, p, code)
				}
				if code == 200 && regexp.MustCompile(`>(mstatus|mtype|tstatus|role|stage|common|nav)\.[a-z_]+<`).MatchString(body) {
					t.Errorf("%s %s shows an untranslated key", role, p)
				}
			}
		}
	})
	t.Run("RowScopeMatchesTheAPI", func(t *testing.T) {
		c := s.browser()
		s.login(c, "agenta")
		for _, p := range []string{"/merchants/{id}", "/merchants/{id}/edit", "/history/merchant/{id}", "/merchants/{id}/contacts/new"} {
			if code, body := s.get(c, ids(p, other)); code != 404 || strings.Contains(body, w.OtherMerchant.LegalName) {
				t.Errorf("agent opened %s of another portfolio: %d", ids(p, other), code)
			}
		}
		_, body := s.get(c, "/merchants")
		if strings.Contains(body, w.OtherMerchant.LegalName) || !strings.Contains(body, w.Merchant.LegalName) {
			t.Error("agent's merchant list is not their portfolio")
		}
	})
	t.Run("RoleLimitsWhatPagesOffer", func(t *testing.T) {
		c := s.browser()
		s.login(c, "auditor")
		_, body := s.get(c, ids("/merchants/{id}", m))
		if strings.Contains(body, "/edit") || strings.Contains(body, "/archive") {
			t.Error("auditor is offered edit or archive")
		}
		c = s.browser()
		s.login(c, "ops")
		_, body = s.get(c, ids("/merchants/{id}", m))
		if !strings.Contains(body, ids("/merchants/{id}/edit", m)) || !strings.Contains(body, "/archive") {
			t.Error("ops is not offered edit and archive")
		}
	})
	t.Run("MerchantUserStaysInThePortal", func(t *testing.T) {
		c := s.browser()
		res, _ := c.PostForm(s.srv.URL+"/login", url.Values{"login": {"shop1"}, "password": {fixture.Password}, "next": {"/"}})
		if loc := res.Header.Get("Location"); loc != "/portal" {
			t.Fatalf("merchant login goes to %q", loc)
		}
		code, body := s.get(c, "/portal")
		if code != 200 || !strings.Contains(body, w.Terminal.Serial) || !strings.Contains(body, "每刷1万元收取60.00元") || !strings.Contains(body, w.Users[poscare.RoleAgent].Name) {
			t.Fatalf("portal: %d, missing terminal, fees or service contact", code)
		}
		if code, _ := s.get(c, ids("/merchants/{id}", other)); code != http.StatusSeeOther {
			t.Errorf("merchant user reached the console: %d", code)
		}
		// The signed confirmation link works without a login, once forged fails.
		link := regexp.MustCompile(`href="(/confirm\?[^"]+)"`).FindStringSubmatch(body)
		if link == nil {
			t.Fatal("no confirmation link in the portal")
		}
		anon := s.browser()
		href := strings.ReplaceAll(link[1], "&amp;", "&")
		verified := func() bool {
			ct, _ := s.s.GetContact(context.Background(), poscare.SystemActor("t"), w.Contact.ID)
			return ct.LastVerifiedAt != nil
		}
		// Opening the link (as a mail scanner would) confirms nothing.
		code, page := s.get(anon, href)
		if code != 200 || strings.Contains(page, "已确认") || !strings.Contains(page, "confirm-yes") || verified() {
			t.Fatalf("opening the confirm link: %d, verified %v", code, verified())
		}
		q, _ := url.ParseQuery(strings.TrimPrefix(href, "/confirm?"))
		res, err := anon.PostForm(s.srv.URL+"/confirm", url.Values{"c": {q.Get("c")}, "s": {q.Get("s")}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), "已确认") || !verified() {
			t.Fatalf("pressing confirm: %d, verified %v", res.StatusCode, verified())
		}
		if code, _ := s.get(anon, href+"0"); code != 400 {
			t.Fatalf("forged confirm link: %d", code)
		}
		res, _ = anon.PostForm(s.srv.URL+"/confirm", url.Values{"c": {q.Get("c")}, "s": {q.Get("s") + "0"}})
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Fatalf("forged confirm post: %d", res.StatusCode)
		}
		// Pressing it again: the page says the link was used, in Chinese.
		res, err = anon.PostForm(s.srv.URL+"/confirm", url.Values{"c": {q.Get("c")}, "s": {q.Get("s")}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusConflict || !strings.Contains(string(b), "此确认链接已使用过") {
			t.Fatalf("replayed confirm: %d %s", res.StatusCode, b)
		}
	})
	t.Run("PostWithoutCSRFTokenIsRefused", func(t *testing.T) {
		c := s.browser()
		s.login(c, "ops")
		res, _ := c.PostForm(s.srv.URL+ids("/merchants/{id}/archive", m), url.Values{"reason": {"试图跨站提交"}})
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d", res.StatusCode)
		}
		if got, _ := s.s.GetMerchant(context.Background(), poscare.SystemActor("t"), m); got.Archived != nil {
			t.Fatal("the merchant was archived without a token")
		}
	})
	t.Run("FormErrorKeepsInputAndNamesFieldInChinese", func(t *testing.T) {
		c := s.browser()
		s.login(c, "ops")
		_, body := s.get(c, "/merchants/new")
		token := csrfRe.FindStringSubmatch(body)[1]
		form := url.Values{"csrf": {token}, "type": {"enterprise"}, "legal_name": {"上海测试贸易有限公司"}, "uscc": {"91310000X"},
			"principal_name": {"李四"}, "settlement_kind": {"corporate"}, "settlement_account": {"31001234567890"}, "mcc": {"5311"},
			"fee_category": {"standard"}, "status": {"prospect"}, "address": {"上海市浦东新区世纪大道100号"}, "latitude": {"31.23"},
			"longitude": {"121.5"}, "team_id": {itoa(w.Team1.ID)}, "account_manager_id": {itoa(w.Users[poscare.RoleAgent].ID)}}
		res, _ := c.PostForm(s.srv.URL+"/merchants/new", form)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 422 || !strings.Contains(string(b), "统一社会信用代码：应为18位") || !strings.Contains(string(b), `value="上海测试贸易有限公司"`) {
			t.Fatalf("status %d; error not shown in place or input lost", res.StatusCode)
		}
		form.Set("uscc", fixture.USCC(fixture.Seq()))
		res, _ = c.PostForm(s.srv.URL+"/merchants/new", form)
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/merchants/") {
			t.Fatalf("fixed form: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
	t.Run("ArchiveAndRestoreContactWithReason", func(t *testing.T) {
		c := s.browser()
		s.login(c, "agenta")
		_, body := s.get(c, ids("/merchants/{id}", m))
		token := csrfRe.FindStringSubmatch(body)[1]
		path := "/contacts/" + itoa(w.Contact.ID)
		res, _ := c.PostForm(s.srv.URL+path+"/archive", url.Values{"csrf": {token}, "reason": {""}, "back": {ids("/merchants/{id}", m)}})
		res.Body.Close()
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("archive without a reason: %d", res.StatusCode)
		}
		res, _ = c.PostForm(s.srv.URL+path+"/archive", url.Values{"csrf": {token}, "reason": {"客户要求停用此联系人"}, "back": {ids("/merchants/{id}", m)}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("archive: %d", res.StatusCode)
		}
		_, body = s.get(c, ids("/merchants/{id}", m))
		if !strings.Contains(body, "archived-contacts") || !strings.Contains(body, "客户要求停用此联系人") {
			t.Fatal("archived contact not shown with its reason")
		}
		res, _ = c.PostForm(s.srv.URL+path+"/restore", url.Values{"csrf": {token}, "reason": {"误操作，恢复"}, "back": {ids("/merchants/{id}", m)}})
		res.Body.Close()
		_, body = s.get(c, "/history/contact/"+itoa(w.Contact.ID))
		if !strings.Contains(body, "客户要求停用此联系人") || !strings.Contains(body, "误操作，恢复") {
			t.Fatal("history lacks the archive and restore reasons")
		}
	})
	t.Run("LeadSeesRemovalsAndUndoesThemInOneAction", func(t *testing.T) {
		ctx := context.Background()
		agent := w.Users[poscare.RoleAgent]
		if err := s.s.Archive(ctx, fixture.Actor(agent), poscare.EntityMerchant, m, "客户搬走了"); err != nil {
			t.Fatal(err)
		}
		ct, err := s.s.GetContact(ctx, fixture.Actor(agent), w.Contact.ID)
		if err != nil {
			t.Fatal(err)
		}
		gone := ct.Channels[len(ct.Channels)-1]
		ct.Channels, ct.Reason = ct.Channels[:len(ct.Channels)-1], "号码打不通"
		if err := s.s.UpdateContact(ctx, fixture.Actor(agent), ct); err != nil {
			t.Fatal(err)
		}
		path := "/staff/" + itoa(agent.ID) + "/removals"
		a := s.browser()
		s.login(a, "agenta")
		if code, _ := s.get(a, path); code != http.StatusForbidden {
			t.Fatalf("the agent opened their own removals page: %d", code)
		}
		c := s.browser()
		s.login(c, "lead1")
		if _, staff := s.get(c, "/staff"); !strings.Contains(staff, path) {
			t.Error("the staff page offers the lead no removals link")
		}
		code, body := s.get(c, path+"?days=30")
		for _, want := range []string{w.Merchant.LegalName, "客户搬走了", gone.Value, "号码打不通", `id="restore-all"`, `value="30" selected`} {
			if !strings.Contains(body, want) {
				t.Errorf("removals page (%d) lacks %q", code, want)
			}
		}
		token := csrfRe.FindStringSubmatch(body)[1]
		since := regexp.MustCompile(`name="since" value="([^"]+)"`).FindStringSubmatch(body)[1]
		res, err := c.PostForm(s.srv.URL+path, url.Values{"csrf": {token}, "since": {since}, "days": {"30"}, "which": {"all"}, "confirm": {"1"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "restored=2") {
			t.Fatalf("undo: %d %s", res.StatusCode, loc)
		}
		if got, _ := s.s.GetMerchant(ctx, poscare.SystemActor("t"), m); got.Archived != nil {
			t.Fatal("merchant still archived after the undo")
		}
		if got, _ := s.s.GetContact(ctx, poscare.SystemActor("t"), w.Contact.ID); len(got.RemovedChannels) != 0 {
			t.Fatalf("channel still removed after the undo: %+v", got.RemovedChannels)
		}
		_, body = s.get(c, res.Header.Get("Location"))
		if !strings.Contains(body, `id="restored"`) || strings.Contains(body, `id="restore-all"`) {
			t.Error("after the undo the page should confirm it and list nothing")
		}
	})
	t.Run("IdleSessionEnds", func(t *testing.T) {
		c := s.browser()
		s.login(c, "ops")
		if code, _ := s.get(c, "/"); code != 200 {
			t.Fatalf("fresh session: %d", code)
		}
		s.s.Now = func() time.Time { return time.Now().Add(sqlstore.SessionIdle + time.Minute) }
		defer func() { s.s.Now = time.Now }()
		res, _ := c.Get(s.srv.URL + "/merchants")
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/login") {
			t.Fatalf("idle session still works: %d", res.StatusCode)
		}
	})
	t.Run("LeadDisablesAgentPortalShowsBackup", func(t *testing.T) {
		c := s.browser()
		s.login(c, "lead1")
		path := "/staff/" + itoa(w.Users[poscare.RoleAgent].ID) + "/status"
		code, body := s.get(c, path)
		if code != 200 {
			t.Fatalf("status form: %d", code)
		}
		token := csrfRe.FindStringSubmatch(body)[1]
		if strings.Contains(body, `value="missing"`) || !strings.Contains(body, "应急预案") {
			t.Fatal("the status form offers missing instead of pointing to the playbook")
		}
		res, _ := c.PostForm(s.srv.URL+path, url.Values{"csrf": {token}, "status": {"unreachable"}, "reason": {""}})
		res.Body.Close()
		if res.StatusCode != 422 {
			t.Fatalf("unreachable without reason: %d", res.StatusCode)
		}
		res, _ = c.PostForm(s.srv.URL+path, url.Values{"csrf": {token}, "status": {"missing"}, "reason": {"连续三天电话关机，微信不回"}})
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 422 || !strings.Contains(string(b), "应急预案") {
			t.Fatalf("missing through the status form: %d", res.StatusCode)
		}
		res, _ = c.PostForm(s.srv.URL+path, url.Values{"csrf": {token}, "status": {"disabled"}, "reason": {"连续三天电话关机，微信不回，暂停账号"}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", res.StatusCode)
		}
		shop := s.browser()
		s.login(shop, "shop1")
		_, body = s.get(shop, "/portal")
		if !strings.Contains(body, w.Spare.Name) || !strings.Contains(body, "备岗客户经理") {
			t.Fatal("portal does not show the backup as service contact")
		}
		agent := s.browser()
		res, _ = agent.PostForm(s.srv.URL+"/login", url.Values{"login": {"agenta"}, "password": {fixture.Password}})
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("disabled agent logged in: %d", res.StatusCode)
		}
	})
	t.Run("OpsRunsPlaybookFromConsole", func(t *testing.T) {
		c := s.browser()
		s.login(c, "ops")
		path := "/staff/" + itoa(w.AgentB.ID) + "/declare"
		code, body := s.get(c, path)
		if code != 200 {
			t.Fatalf("declare form: %d", code)
		}
		token := csrfRe.FindStringSubmatch(body)[1]
		res, _ := c.PostForm(s.srv.URL+path, url.Values{"csrf": {token}, "kind": {"departed"}, "strategy": {"spread"}, "reason": {"提交离职申请，今日离岗"}})
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		// Team 2 has nobody else at work: the form comes back saying why.
		if res.StatusCode != 422 || !strings.Contains(string(b), "没有可接手") {
			t.Fatalf("declare with nobody to take over: %d", res.StatusCode)
		}
		path = "/staff/" + itoa(w.Spare.ID) + "/declare"
		// The first press previews and changes nothing; the confirm button declares.
		res, _ = c.PostForm(s.srv.URL+path, url.Values{"csrf": {token}, "kind": {"departed"}, "strategy": {"spread"}, "reason": {"提交离职申请，今日离岗"}})
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "确认启动应急预案") {
			t.Fatalf("declare preview: %d", res.StatusCode)
		}
		res, _ = c.PostForm(s.srv.URL+path, url.Values{"csrf": {token}, "kind": {"departed"}, "strategy": {"spread"}, "reason": {"提交离职申请，今日离岗"}, "step": {"confirm"}})
		res.Body.Close()
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/incidents/") {
			t.Fatalf("declare: %d %s", res.StatusCode, loc)
		}
		code, body = s.get(c, loc)
		if code != 200 || !strings.Contains(body, "提交离职申请") || !strings.Contains(body, "已停用其账号") || !strings.Contains(body, "已通知商户") {
			t.Fatalf("incident page: %d", code)
		}
		_, body = s.get(c, "/incidents")
		if !strings.Contains(body, w.Spare.Name) {
			t.Fatal("incident not listed")
		}
	})
	t.Run("SecurityHeaders", func(t *testing.T) {
		res, _ := http.Get(s.srv.URL + "/login")
		res.Body.Close()
		for h, want := range map[string]string{"Content-Security-Policy": "frame-ancestors 'none'", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
			if !strings.Contains(res.Header.Get(h), want) {
				t.Errorf("%s = %q", h, res.Header.Get(h))
			}
		}
	})
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// TestStaticServesFilesNotListings fetches the style sheet and finds that
// /static/ itself, like any folder under it, is not listed.
func TestStaticServesFilesNotListings(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	c := s.browser()
	if code, body := s.get(c, "/static/app.css"); code != http.StatusOK || len(body) == 0 {
		t.Fatalf("app.css: %d, %d bytes", code, len(body))
	}
	// A client that follows redirects: /static and /static/./ are sent
	// on to /static/.
	follow := &http.Client{}
	for _, path := range []string{"/static/", "/static", "/static/./", "/static/%2e/"} {
		if code, body := s.get(follow, path); code != http.StatusNotFound || strings.Contains(body, ">app.css<") {
			t.Errorf("%s: %d %q, want 404 without a listing", path, code, body)
		}
	}
	// A missing file or page is the console's own page, in Chinese by
	// default, not the mux's plain English.
	for _, path := range []string{"/static/nothing.css", "/no-such-page", "/merchants/1/nothing"} {
		if code, body := s.get(c, path); code != http.StatusNotFound || strings.Contains(body, "404 page not found") || !strings.Contains(body, "未找到") {
			t.Errorf("%s: %d %.200q, want the console's 404 page", path, code, body)
		}
	}
}

// TestPortalActivityHidesStaff edits a merchant's contact as its agent
// and reads the portal as the merchant's user: the change is listed under
// the account manager's role, and no staff name, login or address shows.
func TestPortalActivityHidesStaff(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx, w := context.Background(), s.w
	agent := w.Users[poscare.RoleAgent]
	ct, err := s.s.GetContact(ctx, fixture.Actor(agent), w.Contact.ID)
	if err != nil {
		t.Fatal(err)
	}
	ct.Name = "王大老板"
	if err := s.s.UpdateContact(ctx, fixture.Actor(agent), ct); err != nil {
		t.Fatal(err)
	}
	if _, err := s.s.RevealMerchant(ctx, fixture.Actor(w.Users[poscare.RoleOps]), w.Merchant.ID); err != nil {
		t.Fatal(err)
	}
	c := s.browser()
	s.login(c, w.Users[poscare.RoleMerchant].Login)
	code, body := s.get(c, "/portal")
	if code != http.StatusOK {
		t.Fatalf("portal: %d", code)
	}
	_, activity, ok := strings.Cut(body, `id="my-activity"`)
	if !ok {
		t.Fatalf("the portal has no history section: %s", body)
	}
	activity, _, _ = strings.Cut(activity, "</section>")
	if !strings.Contains(activity, "客户经理 · 修改 联系人：姓名") {
		t.Errorf("the agent's edit is not told by role: %s", activity)
	}
	for _, leak := range []string{agent.Name, agent.Login, w.Users[poscare.RoleOps].Name, "127.0.0.1", "查看敏感信息", "test"} {
		if strings.Contains(activity, leak) {
			t.Errorf("the merchant's history shows %q: %s", leak, activity)
		}
	}
	if code, _ := s.get(c, fmt.Sprintf("/history/merchant/%d", w.Merchant.ID)); code != http.StatusSeeOther {
		t.Errorf("merchant user opened the staff history: %d", code)
	}
}
