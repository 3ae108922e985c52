package console_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"poscare"
	"poscare/demo"
)

// desktop and phone are the two screens the playbook's pages are looked at.
var (
	desktop = chromedp.EmulateViewport(1366, 900)
	phone   = chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))
)

// TestBrowserPlaybookPreview: ops declare an agent departed in two steps.
// The form leads to a preview that changes nothing and says whose access
// ends, who takes how many merchants (with their load now), what else
// moves and how many merchants are told through which channel; only the
// red confirm button runs the playbook, and the incident then lists who
// received what, as the store recorded it.
func TestBrowserPlaybookPreview(t *testing.T) {
	browser := newBrowser(t)
	s := newSite(t)
	ctx := context.Background()
	sys := poscare.SystemActor("t")
	shots := newScreenshots(t)

	mu := s.user(t, "merchant2")
	shop, err := s.Store.GetMerchant(ctx, sys, *mu.MerchantID)
	if err != nil {
		t.Fatal(err)
	}
	person, err := s.Store.GetUser(ctx, sys, shop.AccountManagerID)
	if err != nil {
		t.Fatal(err)
	}
	held, err := s.Store.ListMerchants(ctx, sys, poscare.MerchantFilter{AccountManagerID: &person.ID, Page: poscare.Page{Limit: 500}})
	if err != nil || len(held) == 0 {
		t.Fatalf("demo data: %s holds %d merchants: %v", person.Login, len(held), err)
	}
	b := newTab(t, browser, s.URL)
	b.login("ops", demo.Password)
	b.do("desktop", desktop)
	declare := fmt.Sprintf("/staff/%d/declare", person.ID)

	var incidentPath string
	t.Run("PreviewShowsWhatWillHappenAndChangesNothing", func(t *testing.T) {
		if st := b.open(declare); st != http.StatusOK {
			t.Fatalf("declare form: %d", st)
		}
		b.do("spread", chromedp.SetValue(chromedp.CSS("#f-strategy"), "spread"), chromedp.SetValue(chromedp.CSS("#f-kind"), "departed"))
		b.typeInto("#f-reason", "已提交离职申请，今日起不再到岗")
		shots.take(b, "30-declare-form")
		if st := b.submit("#preview"); st != http.StatusOK {
			t.Fatalf("preview: %d: %s", st, b.body())
		}
		if p := b.path(); p != declare {
			t.Fatalf("the preview went to %s", p)
		}
		if u, _ := s.Store.GetUser(ctx, sys, person.ID); u.Status != person.Status {
			t.Fatalf("the preview changed %s's status to %s", person.Login, u.Status)
		}
		if m, _ := s.Store.GetMerchant(ctx, sys, shop.ID); m.AccountManagerID != person.ID {
			t.Fatalf("the preview handed %s over", shop.LegalName)
		}
		if a := b.text("#pv-access"); !strings.Contains(a, person.Name) || !strings.Contains(a, "离职") || !strings.Contains(a, "登录立即失效") {
			t.Errorf("#pv-access = %q", a)
		}
		if n := b.text("#pv-merchants"); n != strconv.Itoa(len(held)) {
			t.Errorf("#pv-merchants = %q, want %d", n, len(held))
		}
		takes := b.eval(`Array.from(document.querySelectorAll(".pv-receiver .pv-takes strong")).map(e => e.innerText).join(",")`)
		sum, rows := 0, strings.Split(takes, ",")
		for _, x := range rows {
			n, _ := strconv.Atoi(strings.TrimPrefix(x, "+"))
			sum += n
		}
		if sum != len(held) || len(rows) < 2 {
			t.Errorf("receivers take %q (sum %d), want the %d merchants spread over at least two", takes, sum, len(held))
		}
		if n := b.text("#pv-notices"); !regexp.MustCompile(`将通知 \d+ 家商户`).MatchString(n) || !strings.Contains(n, "短信") {
			t.Errorf("#pv-notices = %q", n)
		}
		if !strings.Contains(b.text("#pv-notices"), "未配置发送渠道") {
			t.Errorf("the preview does not say that no channel is configured: %q", b.text("#pv-notices"))
		}
		if n := b.text("#pv-no-contact"); !strings.Contains(n, "没有可用联系方式的商户：") {
			t.Errorf("#pv-no-contact = %q", n)
		}
		if c := b.text("#confirm-playbook"); c != "确认启动应急预案" {
			t.Errorf("confirm button says %q", c)
		}
		if bg := b.eval(`getComputedStyle(document.querySelector("#confirm-playbook")).backgroundColor`); bg != "rgb(198, 40, 40)" {
			t.Errorf("confirm button is %s, not red", bg)
		}
		b.checkTranslated("preview")
		b.checkNoKeys("preview")
		b.checkNoSideScroll("preview")
		shots.take(b, "31-declare-preview")

		ph := newTab(t, browser, s.URL)
		ph.login("ops", demo.Password)
		ph.do("phone", phone)
		ph.open(declare)
		ph.submit("#lang-switch")
		ph.typeInto("#f-reason", "已提交离职申请，今日起不再到岗")
		ph.submit("#preview")
		ph.checkNoSideScroll("phone preview")
		if c := ph.text("#confirm-playbook"); c != "Start the emergency playbook" {
			t.Errorf("confirm button in English says %q", c)
		}
		if h := ph.text("#pv-receivers h2"); h != "Who takes the merchants" {
			t.Errorf("receivers heading in English: %q", h)
		}
		ph.checkNoKeys("phone preview in English")
		if h, _ := strconv.ParseFloat(ph.eval(`String(document.querySelector("#confirm-playbook").getBoundingClientRect().height)`), 64); h < 44 {
			t.Errorf("confirm button is %.0f px tall on a phone", h)
		}
		shots.take(ph, "32-declare-preview-phone-en")
		ph.submit("#lang-switch") // the language is the user's: back to Chinese
	})

	t.Run("ConfirmRunsItAndTheIncidentListsWhoReceivedWhat", func(t *testing.T) {
		if st := b.submit("#confirm-playbook"); st != http.StatusOK {
			t.Fatalf("confirm: %d: %s", st, b.body())
		}
		incidentPath = b.path()
		if !regexp.MustCompile(`^/incidents/\d+$`).MatchString(incidentPath) {
			t.Fatalf("after confirming: at %s: %s", incidentPath, b.body())
		}
		if n := b.text("#incident-notice"); !strings.Contains(n, fmt.Sprintf("已移交 %d 家商户", len(held))) {
			t.Errorf("#incident-notice = %q", n)
		}
		if b.has("#plan-changed") {
			t.Errorf("the plan changed between preview and confirm: %s", b.text("#plan-changed"))
		}
		took := map[int64]int{}
		for _, m := range held {
			got, _ := s.Store.GetMerchant(ctx, sys, m.ID)
			took[got.AccountManagerID]++
		}
		for id, n := range took {
			row := fmt.Sprintf(`#received tr[data-user="%d"]`, id)
			if got := b.text(row + " .r-merchants"); got != strconv.Itoa(n) {
				t.Errorf("receiver %d: %q merchants shown, took %d", id, got, n)
			}
		}
		if r := b.text("#received"); !strings.Contains(r, shop.LegalName) {
			t.Errorf("#received does not name %s: %q", shop.LegalName, r)
		}
		b.checkTranslated("incident")
		b.checkNoKeys("incident")
		b.checkNoSideScroll("incident")
		shots.take(b, "33-incident-received")
		b.submit("#lang-switch")
		if h := b.text("#received h2"); h != "Who received what" {
			t.Errorf("received heading in English: %q", h)
		}
		b.submit("#lang-switch")
	})
	t.Run("NoChannelWarnsAndOffersTheCallList", func(t *testing.T) {
		if incidentPath == "" {
			t.Skip("no incident")
		}
		b.open(incidentPath)
		if w := b.text("#no-channel"); !strings.Contains(w, "未配置短信、邮件或微信渠道") || !strings.Contains(w, "通话清单") {
			t.Fatalf("#no-channel = %q", w)
		}
		shots.take(b, "35-incident-no-channel")
		b.submit("#call-list")
		if p := b.path(); p != incidentPath+"/calls" {
			t.Fatalf("the call list link led to %s", p)
		}
		rows := b.eval(`String(document.querySelectorAll("#calls tr.call-row").length)`)
		if rows != strconv.Itoa(len(held)) {
			t.Errorf("the call list has %s merchants, want %d", rows, len(held))
		}
		bad := b.eval(`Array.from(document.querySelectorAll("#calls a.tel")).filter(a => a.getAttribute("href") !== "tel:" + a.innerText).map(a => a.outerHTML).join(" ")`)
		if bad != "" || !b.has(`#calls a.tel[href^="tel:"]`) {
			t.Errorf("phone links: %q (some: %v)", bad, b.has(`#calls a.tel`))
		}
		if r := b.text("#calls"); !strings.Contains(r, shop.LegalName) {
			t.Errorf("the call list does not name %s", shop.LegalName)
		}
		b.checkTranslated("call list")
		b.checkNoKeys("call list")
		b.checkNoSideScroll("call list")
		shots.take(b, "36-call-list")
		csv := b.evalAwait(fmt.Sprintf(`fetch(%q).then(r => r.arrayBuffer()).then(buf => { const u = new Uint8Array(buf); return u.slice(0, 3).join(",") + "|" + new TextDecoder().decode(u) })`, incidentPath+"/calls.csv"))
		bom, text, _ := strings.Cut(csv, "|")
		if bom != "239,187,191" {
			t.Errorf("the CSV starts with bytes %s, not the UTF-8 byte order mark", bom)
		}
		lines := strings.Split(strings.TrimSpace(text), "\n")
		if len(lines) != len(held)+1 || !strings.Contains(lines[0], "新的客户经理") || !strings.Contains(text, shop.LegalName) {
			t.Errorf("CSV has %d lines, header %q", len(lines), lines[0])
		}

		// Ticking "merchants informed" by hand while nothing was delivered asks first.
		b.open(incidentPath)
		form := `#checklist form:has(input[name=item][value="merchants_informed"])`
		b.typeInto(form+` input[name=notes]`, "已逐一电话告知")
		b.submit(form + ` button`)
		if !b.has("#confirm-informed") {
			t.Fatalf("no confirmation asked: %s", b.text("#checklist"))
		}
		if x, _ := s.Store.GetIncident(ctx, sys, incidentID(t, incidentPath)); doneItem(x, poscare.CheckMerchantsInformed) {
			t.Fatalf("merchants informed was ticked before it was confirmed")
		}
		if a := b.text("#confirm-informed"); !strings.Contains(a, "只有 0 家") {
			t.Errorf("#confirm-informed = %q", a)
		}
		shots.take(b, "37-confirm-informed")
		b.submit("#confirm-informed-yes")
		if x, _ := s.Store.GetIncident(ctx, sys, incidentID(t, incidentPath)); !doneItem(x, poscare.CheckMerchantsInformed) {
			t.Errorf("merchants informed is not ticked after confirming")
		}
		if cl := b.text("#checklist"); !strings.Contains(cl, "已逐一电话告知") {
			t.Errorf("the notes were lost: %q", cl)
		}

		ph := newTab(t, browser, s.URL)
		ph.login("ops", demo.Password)
		ph.do("phone", phone)
		ph.open(incidentPath + "/calls")
		ph.checkNoSideScroll("phone call list")
		shots.take(ph, "38-call-list-phone")
		ph.open(incidentPath)
		ph.checkNoSideScroll("phone incident")
		shots.take(ph, "39-incident-phone")
	})

	t.Run("NotOfferedForSomeoneAlreadyDeparted", func(t *testing.T) {
		b.open("/staff?q=" + person.Login)
		if !strings.Contains(b.body(), person.Name) {
			t.Fatalf("the staff list does not show %s", person.Login)
		}
		for _, link := range []string{declare, fmt.Sprintf("/staff/%d/status", person.ID)} {
			if b.has(fmt.Sprintf(`a[href=%q]`, link)) {
				t.Errorf("the staff list still offers %s for departed %s", link, person.Login)
			}
		}
		b.open("/staff")
		if !b.has(`a.danger-link[href$="/declare"]`) {
			t.Errorf("no declare link left for anyone: %s", b.text("table.list"))
		}
		for _, link := range []string{declare, fmt.Sprintf("/staff/%d/status", person.ID)} {
			if st := b.open(link); st != http.StatusConflict {
				t.Errorf("%s for departed %s: status %d", link, person.Login, st)
			}
			if e := b.text("#page-error"); !strings.Contains(e, person.Name) || !strings.Contains(e, "已是“离职”状态") {
				t.Errorf("%s says %q", link, e)
			}
			b.checkNoKeys(link)
		}
		if st := b.fetchStatus(declare, map[string]string{"csrf": b.eval(`document.querySelector("input[name=csrf]").value`), "kind": "departed", "reason": "再次提交离职", "step": "confirm"}); st != http.StatusConflict {
			t.Errorf("confirming a second declaration: status %d", st)
		}
		shots.take(b, "34-declare-refused")
	})
	t.Run("IncidentParity", func(t *testing.T) {
		if incidentPath == "" {
			t.Skip("no incident")
		}
		s.Store.BackupDir = t.TempDir()
		id := incidentID(t, incidentPath)
		// Had the portfolio changed between preview and confirm, the result says so.
		b.open(incidentPath + "?done=declared&expect=999")
		if w := b.text("#plan-changed"); !strings.Contains(w, "预览时为 999 家商户") || !strings.Contains(w, fmt.Sprintf("实际移交 %d 家", len(held))) {
			t.Errorf("#plan-changed = %q", w)
		}
		b.open(incidentPath)
		if ph := b.attr(`#checklist form:has(input[value="police_report"]) input[name=notes]`, "placeholder"); !strings.Contains(ph, "报案回执号") {
			t.Errorf("police report placeholder %q", ph)
		}
		if ph := b.attr(`#checklist form:has(input[value="data_backup"]) input[name=notes]`, "placeholder"); !strings.Contains(ph, "备份文件") {
			t.Errorf("data backup placeholder %q", ph)
		}
		b.submit("#backup-now button")
		if n := b.text("#incident-notice"); !strings.Contains(n, "已完成数据备份") {
			t.Errorf("after the backup: %q", n)
		}
		if b.has("#backup-now") {
			t.Errorf("the backup button is still offered once the backup is ticked")
		}
		before, _ := s.Store.GetIncident(ctx, sys, id)
		token := b.eval(`document.querySelector("input[name=csrf]").value`)
		if st := b.fetchStatus(incidentPath+"/backup", map[string]string{"csrf": token}); st != 0 {
			t.Errorf("second backup press: status %d", st)
		}
		after, _ := s.Store.GetIncident(ctx, sys, id)
		if len(after.Timeline) != len(before.Timeline) || len(after.Checklist) != len(before.Checklist) {
			t.Errorf("a second press added to the incident: timeline %d → %d, checklist %d → %d", len(before.Timeline), len(after.Timeline), len(before.Checklist), len(after.Checklist))
		}
		if files, _ := filepath.Glob(filepath.Join(s.Store.BackupDir, "*")); len(files) != 1 {
			t.Errorf("%d backup files after two presses", len(files))
		}

		// Give one chosen merchant back: the person comes back to work with it.
		b.open(incidentPath)
		b.do("open return", chromedp.Click(chromedp.CSS("#return summary")))
		b.do("tick", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#return-form input[value="%d"]`, shop.ID))))
		shots.take(b, "40-incident-return")
		b.submit("#return-chosen")
		if n := b.text("#incident-notice"); !strings.Contains(n, "已将 1 家商户归还给 "+person.Name) {
			t.Errorf("after giving one back: %q", n)
		}
		if m, _ := s.Store.GetMerchant(ctx, sys, shop.ID); m.AccountManagerID != person.ID {
			t.Errorf("%s went to %d, not back to %s", shop.LegalName, m.AccountManagerID, person.Login)
		}
		others := 0
		for _, m := range held {
			if got, _ := s.Store.GetMerchant(ctx, sys, m.ID); got.AccountManagerID == person.ID {
				others++
			}
		}
		if others != 1 {
			t.Errorf("%d merchants back with %s, want the one chosen", others, person.Login)
		}
		// Nothing ticked is not "all".
		if st := b.fetchStatus(incidentPath+"/return", map[string]string{"csrf": token, "which": "chosen"}); st != http.StatusUnprocessableEntity {
			t.Errorf("giving back none ticked: status %d", st)
		}
		b.do("open return", chromedp.Click(chromedp.CSS("#return summary")))
		b.submit("#return-all")
		if n := b.text("#incident-notice"); !strings.Contains(n, fmt.Sprintf("已将 %d 家商户归还给", len(held)-1)) {
			t.Errorf("after giving all back: %q", n)
		}

		b.submit("#close-incident")
		if n := b.text("#incident-notice"); n != "应急事件已关闭。" {
			t.Errorf("after closing: %q", n)
		}
		if x, _ := s.Store.GetIncident(ctx, sys, id); x.ClosedAt == nil {
			t.Errorf("the incident is still open")
		}
		if b.has("#close-form") || b.has("#checklist form") {
			t.Errorf("a closed incident still offers closing or ticking")
		}
		if st := b.text("#incident-state"); !strings.Contains(st, "关闭时间") {
			t.Errorf("#incident-state = %q", st)
		}
		b.checkNoKeys("closed incident")
		shots.take(b, "41-incident-closed")

		b.open("/incidents")
		link := b.attr(fmt.Sprintf(`#incidents a.incident-link[href=%q]`, incidentPath), "innerText")
		if link != person.Name {
			t.Errorf("the incidents list names the incident %q, want %s", link, person.Name)
		}
		b.checkNoSideScroll("incidents")
		shots.take(b, "42-incidents")
	})
	for _, f := range shots.files {
		if err := checkPNG(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// doneItem reports whether an incident's checklist item is ticked.
func doneItem(x *poscare.Incident, item string) bool {
	for _, c := range x.Checklist {
		if c.Item == item {
			return c.Done != nil
		}
	}
	return false
}

// evalAwait evaluates a promise and returns its text.
func (b *tab) evalAwait(expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}
