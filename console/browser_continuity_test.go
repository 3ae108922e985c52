package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"poscare"
	"poscare/demo"
	"poscare/notify"
	"poscare/sqlstore"
)

// TestBrowserContinuity drives the continuity work end to end in a real
// headless chromium: a lead sees on the continuity dashboard a colleague
// who cannot be reached and the agent left without a backup, declares the
// missing agent through the console, works the incident (checklist,
// timeline, the delivery of every merchant notice), the handed-over
// merchant's portal names its new contact, and the missing agent's open
// session ends on its next request.
func TestBrowserContinuity(t *testing.T) {
	browser := newBrowser(t)
	s := newSite(t)
	ctx := context.Background()
	sys := poscare.SystemActor("t")
	shots := newScreenshots(t)

	// The people: merchant1's account manager goes missing; the agent
	// they back up is left without a backup; their own backup takes over;
	// their team's lead runs the playbook.
	mu := s.user(t, "merchant1")
	if mu.MerchantID == nil {
		t.Fatal("merchant1 has no merchant")
	}
	shop, err := s.Store.GetMerchant(ctx, sys, *mu.MerchantID)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := s.Store.GetUser(ctx, sys, shop.AccountManagerID)
	if err != nil || missing.Role != poscare.RoleAgent || missing.TeamID == nil || missing.BackupID == nil {
		t.Fatalf("demo data: merchant1's manager %+v: %v", missing, err)
	}
	backup, err := s.Store.GetUser(ctx, sys, *missing.BackupID)
	if err != nil {
		t.Fatal(err)
	}
	team, err := s.Store.GetTeam(ctx, sys, *missing.TeamID)
	if err != nil || team.LeadID == nil {
		t.Fatalf("team of %s: %+v %v", missing.Login, team, err)
	}
	lead, err := s.Store.GetUser(ctx, sys, *team.LeadID)
	if err != nil {
		t.Fatal(err)
	}
	var orphan *poscare.User // the agent whose backup is the missing one
	agents, err := s.Store.ListUsers(ctx, sys, sqlstore.UserFilter{TeamID: missing.TeamID, Role: poscare.RoleAgent, Page: poscare.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range agents {
		if u.BackupID != nil && *u.BackupID == missing.ID {
			orphan = u
		}
	}
	if orphan == nil {
		t.Fatalf("demo data: nobody in %s is backed up by %s", team.Name, missing.Login)
	}
	held, err := s.Store.ListMerchants(ctx, sys, poscare.MerchantFilter{AccountManagerID: &missing.ID, Page: poscare.Page{Limit: 500}})
	if err != nil || len(held) == 0 || len(held) > 50 {
		t.Fatalf("demo data: %s holds %d merchants (want 1-50 for one page): %v", missing.Login, len(held), err)
	}
	t.Logf("%s (%s) goes missing with %d merchants; backup %s, lead %s, left without backup: %s",
		missing.Login, missing.Name, len(held), backup.Login, lead.Login, orphan.Login)

	// The missing agent was at work this morning: their browser is still open.
	gone := newTab(t, browser, s.URL)
	gone.login(missing.Login, demo.Password)
	gone.open("/merchants")
	if !strings.Contains(gone.body(), shop.LegalName) {
		t.Fatalf("%s does not see their own merchant %s before going missing", missing.Login, shop.LegalName)
	}

	// Since then three colleagues failed to reach them (the threshold
	// counts people, not calls), and the silence sweep (every 10 minutes
	// in serve) marked them.
	opsUsers, err := s.Store.ListUsers(ctx, sys, sqlstore.UserFilter{Role: poscare.RoleOps, Page: poscare.Page{Limit: 1}})
	if err != nil || len(opsUsers) == 0 {
		t.Fatalf("demo data: no ops user: %v", err)
	}
	for i, by := range []*poscare.User{lead, backup, opsUsers[0]} {
		outcome := []string{"no_answer", "disconnected", "no_answer"}[i]
		if err := s.Store.RecordContactAttempt(ctx, actor(by), missing.ID, outcome, "电话联系不上"); err != nil {
			t.Fatal(err)
		}
	}
	if marked, err := s.Store.SweepSilence(ctx); err != nil || len(marked) != 1 || marked[0].User.ID != missing.ID {
		t.Fatalf("silence sweep marked %+v: %v", marked, err)
	}

	b := newTab(t, browser, s.URL)
	b.login(lead.Login, demo.Password)
	portal := newTab(t, browser, s.URL)
	portal.login("merchant1", demo.Password)

	t.Run("LeadSeesUnreachableAgentAndColleagueWithoutBackup", func(t *testing.T) {
		if st := b.open("/continuity"); st != http.StatusOK {
			t.Fatalf("continuity: status %d", st)
		}
		if n := b.text("#c-unreachable"); n == "" || n == "0" {
			t.Errorf("unreachable tile shows %q", n)
		}
		if n := b.text("#c-nobackup"); n == "" || n == "0" {
			t.Errorf("without-backup tile shows %q", n)
		}
		unreachable := b.section("联系不上的员工")
		if !strings.Contains(unreachable, missing.Name) || !strings.Contains(unreachable, "联系不上（疑似）") || !strings.Contains(unreachable, "联系未果的同事 3") {
			t.Errorf("unreachable staff: %q, want %s, 联系不上（疑似） and 3 failed attempts", unreachable, missing.Name)
		}
		if nb := b.section("没有备岗的业务员"); !strings.Contains(nb, orphan.Name) {
			t.Errorf("agents without a backup: %q, want %s (whose backup is %s)", nb, orphan.Name, missing.Name)
		}
		b.checkTranslated("continuity")
		b.checkNoKeys("continuity")
		shots.take(b, "20-continuity")
	})

	t.Run("PortalFallsThroughToTheBackupMeanwhile", func(t *testing.T) {
		portal.open("/portal")
		sc := portal.text("#service-contact")
		if !strings.Contains(sc, backup.Name) || !strings.Contains(sc, "由备岗客户经理负责") {
			t.Errorf("#service-contact while %s is unreachable: %q, want the backup %s", missing.Login, sc, backup.Name)
		}
	})

	var incidentPath string
	t.Run("LeadDeclaresTheAgentMissing", func(t *testing.T) {
		b.open("/continuity")
		link := fmt.Sprintf(`a[href="/staff/%d/declare"]`, missing.ID)
		if !b.has(link) {
			t.Fatalf("no declare link for %s on the continuity page", missing.Login)
		}
		b.submit(link)
		if p := b.path(); p != fmt.Sprintf("/staff/%d/declare", missing.ID) {
			t.Fatalf("the declare link led to %s", p)
		}
		if k, st := b.value("#f-kind"), b.value("#f-strategy"); k != "missing" || st != "backup" {
			t.Errorf("declare form starts at kind %q strategy %q, want missing and backup", k, st)
		}
		b.typeInto("#f-reason", "连续三天电话关机，家人也联系不上")
		shots.take(b, "21-declare")
		if st := b.submit("#preview"); st != http.StatusOK {
			t.Fatalf("declare preview: status %d: %s", st, b.body())
		}
		if st := b.submit("#confirm-playbook"); st != http.StatusOK {
			t.Fatalf("declare: status %d: %s", st, b.body())
		}
		incidentPath = b.path()
		if !regexp.MustCompile(`^/incidents/\d+$`).MatchString(incidentPath) {
			t.Fatalf("after declaring: at %s; page: %s", incidentPath, b.body())
		}
		if !b.has(".flash") {
			t.Errorf("no saved notice after declaring")
		}
		body := b.body()
		if !strings.Contains(body, missing.Name) || !strings.Contains(body, "连续三天电话关机") {
			t.Errorf("the incident page does not name %s and the reason", missing.Name)
		}
		if h := b.text("#handed"); !strings.Contains(h, fmt.Sprintf("商户 %d", len(held))) {
			t.Errorf("#handed = %q, want %d merchants", h, len(held))
		}
		for _, m := range held {
			got, err := s.Store.GetMerchant(ctx, sys, m.ID)
			if err != nil || got.AccountManagerID != backup.ID {
				t.Errorf("merchant %d went to %d, want the backup %d: %v", m.ID, got.AccountManagerID, backup.ID, err)
			}
		}
		if tl := b.text("#timeline"); !strings.Contains(tl, "启动应急预案："+missing.Name) || !strings.Contains(tl, fmt.Sprintf("已移交 %d 家商户", len(held))) {
			t.Errorf("#timeline = %q", tl)
		}
	})
	if incidentPath == "" {
		t.FailNow()
	}

	t.Run("DeliverySectionListsEveryNoticeQueued", func(t *testing.T) {
		rows := b.deliveryRows()
		if len(rows) == 0 {
			t.Fatalf("no messages in #delivery-list: %s", b.text("#delivery"))
		}
		names := map[string]bool{}
		for _, r := range rows {
			names[r.merchant] = true
			if r.status != "排队中" || r.attempts != "0" || r.sent != "" || r.address == "" {
				t.Errorf("fresh notice %+v, want queued, no attempt yet, an address", r)
			}
			if r.channel != "短信" && r.channel != "邮件" && r.channel != "微信" {
				t.Errorf("channel %q", r.channel)
			}
		}
		for _, m := range held {
			if !names[m.LegalName] {
				t.Errorf("no notice listed for handed-over merchant %s", m.LegalName)
			}
		}
		if a := b.attr(fmt.Sprintf(`#delivery-list a[href="/merchants/%d"]`, shop.ID), "innerText"); a != shop.LegalName {
			t.Errorf("the notice of %s does not link to its merchant page (%q)", shop.LegalName, a)
		}
		if r := b.text("#delivery-reached"); !strings.Contains(r, fmt.Sprintf("0/%d", len(rows))) {
			t.Errorf("#delivery-reached = %q before any send", r)
		}
	})

	t.Run("LeadTicksPoliceReportWithItsNumber", func(t *testing.T) {
		form := `#checklist form:has(input[name=item][value="police_report"])`
		if !b.has(form) {
			t.Fatalf("no open police-report item: %s", b.text("#checklist"))
		}
		b.typeInto(form+` input[name=notes]`, "报案回执 2026-0415-07")
		if st := b.submit(form + ` button`); st != http.StatusOK {
			t.Fatalf("tick: status %d", st)
		}
		if p := b.path(); p != incidentPath {
			t.Fatalf("after ticking: at %s, want %s", p, incidentPath)
		}
		if b.has(form) {
			t.Errorf("the police-report item is still open")
		}
		if cl := b.text("#checklist"); !strings.Contains(cl, "✓ 报警（如有，填写回执号）") || !strings.Contains(cl, "报案回执 2026-0415-07") {
			t.Errorf("#checklist = %q", cl)
		}
		if tl := b.text("#timeline"); !strings.Contains(tl, "报案回执 2026-0415-07") || !strings.Contains(tl, lead.Name) {
			t.Errorf("#timeline does not record the tick by %s: %q", lead.Name, tl)
		}
	})

	t.Run("DeliveryStatusAfterTheWorkerRan", func(t *testing.T) {
		// The SMS gateway refuses one number; give up on the first failure
		// so the page shows a failed message without waiting for backoff.
		all, _, err := s.Store.IncidentNotifications(ctx, sys, incidentID(t, incidentPath), sqlstore.DeliveryFilter{Page: poscare.Page{Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		var refused *sqlstore.IncidentNotification
		for _, n := range all {
			if n.MerchantID != shop.ID {
				refused = n
				break
			}
		}
		if refused == nil {
			t.Fatal("no notice to a merchant other than merchant1's")
		}
		gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var p notify.WebhookPayload
			if err := json.NewDecoder(r.Body).Decode(&p); err != nil || p.To == refused.Address {
				http.Error(w, "number unreachable", http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		}))
		defer gateway.Close()
		s.Store.Attempts = 1
		defer func() { s.Store.Attempts = 0 }()
		hook := notify.Webhook{URL: gateway.URL}
		w := notify.Worker{Store: s.Store, Channels: map[string]notify.Channel{"sms": hook, "email": hook, "wechat": hook}, Batch: 1000}
		if _, failed, err := w.RunOnce(ctx); err != nil || failed != 1 {
			t.Fatalf("worker: %d failed, want 1: %v", failed, err)
		}

		b.open(incidentPath)
		rows := b.deliveryRows()
		want, sum, err := s.Store.IncidentNotifications(ctx, sys, incidentID(t, incidentPath), sqlstore.DeliveryFilter{Page: poscare.Page{Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(want) {
			t.Fatalf("%d rows, the store has %d messages", len(rows), len(want))
		}
		label := map[string]string{"queued": "排队中", "sending": "发送中", "sent": "已送达", "failed": "失败"}
		for i, n := range want {
			r := rows[i]
			if r.merchant != n.MerchantName || r.status != label[n.Status] || r.address != n.Address || r.attempts != fmt.Sprint(n.Attempts) || (n.SentAt != nil) != (r.sent != "") {
				t.Errorf("row %d = %+v, message %+v", i, r, n)
			}
		}
		if sum.Sent != len(all)-1 || sum.Failed != 1 {
			t.Errorf("summary %+v: want %d sent and 1 failed", sum, len(all)-1)
		}
		if r := b.text("#delivery-reached"); !strings.Contains(r, fmt.Sprintf("%d/%d", sum.MerchantsReached, sum.Merchants)) {
			t.Errorf("#delivery-reached = %q, want %d/%d", r, sum.MerchantsReached, sum.Merchants)
		}
		for status, n := range map[string]int{"all": sum.Total, "sent": sum.Sent, "failed": sum.Failed, "queued": sum.Queued} {
			if got := b.text(fmt.Sprintf("#delivery-%s .badge", status)); got != fmt.Sprint(n) {
				t.Errorf("filter %s counts %q, want %d", status, got, n)
			}
		}
		shots.take(b, "22-incident")

		b.submit("#delivery-failed")
		if u := b.url(); !strings.Contains(u, "status=failed") {
			t.Errorf("the failed filter went to %s", u)
		}
		failed := b.deliveryRows()
		if len(failed) != 1 || failed[0].merchant != refused.MerchantName || failed[0].status != "失败" || failed[0].address != refused.Address {
			t.Errorf("failed filter shows %+v, want %s's message to %s", failed, refused.MerchantName, refused.Address)
		}
		if !b.has("#delivery-failed.on") {
			t.Errorf("the failed filter is not marked as chosen")
		}
		b.checkTranslated("incident")
		b.checkNoKeys("incident")
		shots.take(b, "23-incident-failed")

		// The same page in English.
		b.submit("#lang-switch")
		if h := b.text("#delivery h2"); h != "Delivery" {
			t.Errorf("delivery heading in English: %q", h)
		}
		if en := b.text("#delivery-list"); !strings.Contains(en, "Failed") {
			t.Errorf("delivery list in English: %q", en)
		}
		b.checkNoKeys("incident in English")
		b.submit("#lang-switch")

		// On the lead's phone the table becomes cards, without sideways scrolling.
		phone := newTab(t, browser, s.URL)
		phone.login(lead.Login, demo.Password)
		phone.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		phone.open(incidentPath)
		if n := len(phone.deliveryRows()); n != len(want) {
			t.Errorf("the phone shows %d messages, want %d", n, len(want))
		}
		phone.checkNoSideScroll("phone incident page")
		shots.take(phone, "26-incident-phone")
	})

	t.Run("PortalShowsTheNewAccountManager", func(t *testing.T) {
		portal.open("/portal")
		sc := portal.text("#service-contact")
		if !strings.Contains(sc, backup.Name) || !strings.Contains(sc, backup.Mobile) || !strings.Contains(sc, "您的客户经理") {
			t.Errorf("#service-contact after the handover: %q, want %s (%s) as the account manager", sc, backup.Name, backup.Mobile)
		}
		if strings.Contains(sc, missing.Name) {
			t.Errorf("#service-contact still names %s", missing.Name)
		}
		portal.checkTranslated("portal")
		shots.take(portal, "24-portal-new-contact")
	})

	t.Run("MissingAgentsOpenSessionEnds", func(t *testing.T) {
		gone.open("/merchants")
		if p := gone.path(); p != "/login" {
			t.Fatalf("%s's open session still works: at %s", missing.Login, p)
		}
		if e := gone.text(".error"); !strings.Contains(e, "登录已超时") {
			t.Errorf("login page says %q, want that the session ended", e)
		}
		if strings.Contains(gone.body(), shop.LegalName) {
			t.Errorf("the logged-out page shows merchant data")
		}
		shots.take(gone, "25-missing-agent-logged-out")
		// Nor can they log in again.
		gone.typeInto("#login", missing.Login)
		gone.typeInto("#password", demo.Password)
		gone.submit("#login-submit")
		if p := gone.path(); p != "/login" || gone.text(".error") == "" {
			t.Errorf("%s logged in again after being declared missing: at %s, error %q", missing.Login, p, gone.text(".error"))
		}
	})

	for _, f := range shots.files {
		if err := checkPNG(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// incidentID is the id at the end of an incident page's path.
func incidentID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/incidents/%d", &id); err != nil {
		t.Fatalf("incident path %q: %v", path, err)
	}
	return id
}

// section is the visible text of the card whose heading is title, or "".
func (b *tab) section(title string) string {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`(() => { const s = Array.from(document.querySelectorAll("section.card")).find(s => s.querySelector("h2") && s.querySelector("h2").innerText.trim() === %q); return s ? s.innerText : "" })()`, title))
}

// attr is a property of the first element matching sel, as text.
func (b *tab) attr(sel, prop string) string {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? String(e[%q]) : "" })()`, sel, prop))
}

// deliveryRow is one message as the incident page shows it.
type deliveryRow struct {
	merchant, channel, address, status, attempts, sent string
}

// deliveryRows reads the rows of the incident page's delivery table.
func (b *tab) deliveryRows() []deliveryRow {
	b.t.Helper()
	raw := b.eval(`JSON.stringify(Array.from(document.querySelectorAll("#delivery-list tbody tr[data-status]")).map(tr => Array.from(tr.cells).map(td => td.innerText.trim())))`)
	var cells [][]string
	if err := json.Unmarshal([]byte(raw), &cells); err != nil {
		b.t.Fatalf("delivery rows %s: %v", raw, err)
	}
	out := make([]deliveryRow, len(cells))
	for i, c := range cells {
		if len(c) != 6 {
			b.t.Fatalf("delivery row %d has %d cells: %v", i, len(c), c)
		}
		out[i] = deliveryRow{merchant: c[0], channel: c[1], address: c[2], status: c[3], attempts: c[4], sent: c[5]}
	}
	return out
}

// continuityKeys finds message keys of the continuity pages shown
// literally; checkTranslated's pattern predates them.
var continuityKeys = regexp.MustCompile(`\b(continuity|incident|delivery|nstatus|nchannel|ustatus|strategy|check)\.[a-z_]+(\.[a-z_]+)?\b`)

// checkNoKeys fails when the page shows a continuity message key instead of text.
func (b *tab) checkNoKeys(page string) {
	b.t.Helper()
	if keys := continuityKeys.FindAllString(b.body(), -1); len(keys) > 0 {
		b.t.Errorf("%s shows untranslated message keys: %v", page, keys)
	}
}
