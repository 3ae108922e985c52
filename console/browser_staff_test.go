package console_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"poscare"
	"poscare/demo"
	"poscare/sqlstore"
)

// A lead fixes an agent without a backup from the continuity page, logs a
// failed call from the staff list and restores chosen removals, then all
// of them through the confirm step; in English no reason is in Chinese.
func TestBrowserStaff(t *testing.T) {
	browser := newBrowser(t)
	s := newSite(t)
	ctx := context.Background()
	sys := poscare.SystemActor("t")
	shots := newScreenshots(t)

	leads, err := s.Store.ListUsers(ctx, sys, sqlstore.UserFilter{Role: poscare.RoleLead, Page: poscare.Page{Limit: 10}})
	if err != nil || len(leads) == 0 || leads[0].TeamID == nil {
		t.Fatalf("demo leads %v: %v", leads, err)
	}
	lead := leads[0]
	agents, _ := s.Store.ListUsers(ctx, sys, sqlstore.UserFilter{TeamID: lead.TeamID, Role: poscare.RoleAgent, Page: poscare.Page{Limit: 100}})
	var colleague, remover *poscare.User
	for _, u := range agents {
		if u.Available() {
			if colleague == nil {
				colleague = u
			} else if remover == nil {
				remover = u
			}
		}
	}
	if remover == nil {
		t.Fatal("demo data: fewer than two agents at work in the lead's team")
	}
	fresh := &poscare.User{Login: "sfnew", Name: "周新人", Role: poscare.RoleAgent, Status: poscare.UserActive, TeamID: lead.TeamID, Mobile: "13912340001"}
	if err := s.Store.CreateUser(ctx, sys, fresh, "a-long-fresh-password-7"); err != nil {
		t.Fatal(err)
	}

	b := newTab(t, browser, s.URL)
	b.do("desktop", chromedp.EmulateViewport(1366, 900))
	b.login(lead.Login, demo.Password)

	// 1. The backup, from the continuity page.
	b.open("/continuity")
	row := fmt.Sprintf(`.nobackup-row[data-user="%d"]`, fresh.ID)
	if !b.has(row + " .sf-set-backup") {
		t.Fatalf("continuity page offers no backup form for %s:\n%s", fresh.Name, b.text("#nobackup"))
	}
	b.checkNoSideScroll("continuity")
	shots.take(b, "staff-continuity-desktop")
	b.submit(row + " .sf-set-backup")
	b.eval(fmt.Sprintf(`document.querySelector("#f-backup_id").value = "%d"`, colleague.ID))
	shots.take(b, "staff-backup-form-desktop")
	b.submit("#save")
	if b.path() != "/continuity" || !b.has("#staff-notice") {
		t.Fatalf("after the backup form: %s %q", b.path(), b.body())
	}
	if u, _ := s.Store.GetUser(ctx, sys, fresh.ID); u.BackupID == nil || *u.BackupID != colleague.ID {
		t.Fatalf("backup not set: %+v", u.BackupID)
	}

	// 2. A failed call, from the staff list; an unknown outcome is named.
	b.open("/staff")
	b.checkNoSideScroll("staff")
	shots.take(b, "staff-list-desktop")
	b.submit(fmt.Sprintf(`.staff-row[data-user="%d"] .sf-attempt`, fresh.ID))
	b.eval(`document.querySelector("#f-outcome").add(new Option("x", "bogus")), "ok"`)
	b.eval(`document.querySelector("#f-outcome").value = "bogus"`)
	b.submit("#save")
	if e := b.text("#err-outcome"); !strings.Contains(e, "联系结果") {
		t.Fatalf("bad outcome error %q", e)
	}
	b.eval(`document.querySelector("#f-outcome").value = "no_answer"`)
	b.typeInto("#f-notes", "上午打了两次无人接听")
	b.submit("#save")
	if b.path() != "/staff" || !strings.Contains(b.text("#staff-notice"), "联系未果") {
		t.Fatalf("after the failed call: %s %q", b.path(), b.body())
	}

	// 3. Removals: chosen rows, then all through the confirm step.
	ms, _ := s.Store.ListMerchants(ctx, actor(remover), poscare.MerchantFilter{Page: poscare.Page{Limit: 3}})
	if len(ms) < 3 {
		t.Fatalf("the remover manages %d merchants", len(ms))
	}
	for _, m := range ms[:3] {
		if err := s.Store.Archive(ctx, actor(remover), poscare.EntityMerchant, m.ID, "客户不做了"); err != nil {
			t.Fatal(err)
		}
	}
	b.open(fmt.Sprintf("/staff/%d/removals", remover.ID))
	b.eval(`document.querySelector(".removal-pick").click(), "ok"`)
	b.submit("#restore-chosen")
	if got := b.text("#restored"); !strings.Contains(got, "1") {
		t.Fatalf("chosen restore: %q", got)
	}
	b.submit("#restore-all")
	if !b.has("#confirm-all") {
		t.Fatalf("restore-all ran without a confirm step: %q", b.body())
	}
	b.checkNoSideScroll("removals confirm")
	shots.take(b, "staff-removals-confirm-desktop")
	b.submit("#confirm-restore-all")
	if got := b.text("#restored"); !strings.Contains(got, "2") {
		t.Fatalf("restore all: %q", got)
	}
	for _, m := range ms[:3] {
		if x, _ := s.Store.GetMerchant(ctx, sys, m.ID); x.Archived != nil {
			t.Errorf("merchant %d still archived", m.ID)
		}
	}

	// 4. On a phone, and in English: no reason in Chinese.
	phone := newTab(t, browser, s.URL)
	phone.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	phone.login(lead.Login, demo.Password)
	for _, page := range []string{"/staff", "/continuity"} {
		phone.open(page)
		phone.checkNoSideScroll(page)
		shots.take(phone, "staff-"+strings.Trim(page, "/")+"-phone")
	}
	if err := s.Store.SetLanguage(ctx, actor(lead), "en"); err != nil {
		t.Fatal(err)
	}
	han := regexp.MustCompile(`\p{Han}`)
	en := newTab(t, browser, s.URL)
	en.do("desktop", chromedp.EmulateViewport(1366, 900))
	en.login(lead.Login, demo.Password)
	for _, page := range []string{"/staff", "/continuity", "/incidents"} {
		en.open(page)
		reasons := en.eval(`Array.from(document.querySelectorAll(".sf-reason")).map(e => e.innerText).join("\n")`)
		for _, line := range strings.Split(reasons, "\n") {
			if han.MatchString(line) && strings.HasPrefix(line, "detected") {
				t.Errorf("%s: a system reason in Chinese: %q", page, line)
			}
		}
		if strings.Contains(en.body(), "系统检测") {
			t.Errorf("%s in English shows the silence detector's Chinese reason", page)
		}
	}
	shots.take(en, "staff-list-english")
}
