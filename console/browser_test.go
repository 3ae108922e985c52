package console_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"poscare"
	"poscare/demo"
	"poscare/sqlstore"
)

// TestBrowserConsole drives the console and the portal in a real headless
// chromium against a real server on 127.0.0.1: the forms, the language
// switch, the scope of an agent and of a merchant user, the CSRF check,
// and full-page screenshots of the main pages.
func TestBrowserConsole(t *testing.T) {
	browser := newBrowser(t)
	s := newSite(t)
	start := time.Now()
	t.Cleanup(func() { t.Logf("browser scenarios took %s", time.Since(start).Round(time.Millisecond)) })

	t.Run("StaffEditsContactWithBadFieldThenFixes", func(t *testing.T) {
		ctx := context.Background()
		ops := actor(s.user(t, "ops"))
		// A merchant whose first contact's first channel is a mobile: that
		// is the first .edit-contact and the first .channel-value.
		all, err := s.Store.ListContacts(ctx, ops, sqlstore.ContactFilter{Page: poscare.Page{Limit: 300}})
		if err != nil {
			t.Fatal(err)
		}
		var ct *poscare.Contact
		for _, c := range all {
			mid := c.MerchantID
			own, err := s.Store.ListContacts(ctx, ops, sqlstore.ContactFilter{MerchantID: &mid, Page: poscare.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			if len(own) > 0 && len(own[0].Channels) > 0 && own[0].Channels[0].Kind == poscare.ChannelPhone && poscare.ValidMobile(own[0].Channels[0].Value) {
				ct = own[0]
				break
			}
		}
		if ct == nil {
			t.Fatal("no merchant in the demo data has a contact whose first channel is a mobile")
		}
		oldPhone := ct.Channels[0].Value
		newPhone := "13912345678"
		if oldPhone == newPhone {
			newPhone = "13912345679"
		}
		m, err := s.Store.GetMerchant(ctx, ops, ct.MerchantID)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("merchant %d %s, contact %d %s, phone %s", m.ID, m.LegalName, ct.ID, ct.Name, oldPhone)

		b := newTab(t, browser, s.URL)
		if p := b.login("ops", demo.Password); p != "/" {
			t.Fatalf("ops landed on %s, want /", p)
		}
		b.open("/merchants")
		b.typeInto("#q", oldPhone)
		if st := b.submit("#search-submit"); st != http.StatusOK {
			t.Fatalf("search: status %d", st)
		}
		link := fmt.Sprintf(`#merchant-list a[href="/merchants/%d"]`, m.ID)
		if !b.has(link) {
			t.Fatalf("searching %s does not list merchant %d %s; list: %s", oldPhone, m.ID, m.LegalName, b.text("#merchant-list"))
		}
		b.submit(link)
		if p := b.path(); p != fmt.Sprintf("/merchants/%d", m.ID) {
			t.Fatalf("after clicking the merchant: at %s", p)
		}
		if !strings.Contains(b.text("#contacts"), oldPhone) {
			t.Fatalf("merchant page does not show %s: %s", oldPhone, b.text("#contacts"))
		}
		b.submit(".edit-contact")
		if p := b.path(); p != fmt.Sprintf("/contacts/%d/edit", ct.ID) {
			t.Fatalf("first .edit-contact led to %s, want /contacts/%d/edit", p, ct.ID)
		}
		if v := b.value(".channel-value"); v != oldPhone {
			t.Fatalf("first channel input holds %q, want %q", v, oldPhone)
		}

		// A seven-digit number is neither a mobile nor a landline.
		b.typeInto(".channel-value", "1381234")
		if st := b.submit("#save"); st != http.StatusUnprocessableEntity {
			t.Errorf("bad phone: status %d, want 422", st)
		}
		if p := b.path(); p != fmt.Sprintf("/contacts/%d/edit", ct.ID) {
			t.Fatalf("bad phone: at %s, want the form again", p)
		}
		if !b.has("#err-channels") {
			t.Fatalf("bad phone: no #err-channels; page: %s", b.body())
		}
		if e := b.text("#err-channels"); !strings.Contains(e, "电话应为11位手机号") {
			t.Errorf("#err-channels = %q, want it to say 电话应为11位手机号", e)
		}
		if v := b.value(".channel-value"); v != "1381234" {
			t.Errorf("after the error the input holds %q, want what was typed, 1381234", v)
		}
		if got, err := s.Store.GetContact(ctx, ops, ct.ID); err != nil || got.Channels[0].Value != oldPhone {
			t.Errorf("the rejected edit changed the contact: %+v, %v", got, err)
		}

		// The new number replaces the old one, so the old one is removed:
		// that needs a reason, asked for in place, with the input kept.
		b.typeInto(".channel-value", newPhone)
		if st := b.submit("#save"); st != http.StatusUnprocessableEntity {
			t.Fatalf("removal without a reason: status %d, want 422", st)
		}
		if e := b.text("#err-reason"); !strings.Contains(e, "原因") || !strings.Contains(e, oldPhone) {
			t.Errorf("#err-reason = %q, want it to ask why %s is removed", e, oldPhone)
		}
		if v := b.value(".channel-value"); v != newPhone {
			t.Errorf("after the reason error the input holds %q, want %q", v, newPhone)
		}
		b.typeInto("#f-reason", "客户换了手机号")
		if st := b.submit("#save"); st != http.StatusOK {
			t.Fatalf("good phone: status %d; page: %s", st, b.body())
		}
		if p := b.path(); p != fmt.Sprintf("/merchants/%d", m.ID) {
			t.Fatalf("good phone: at %s, want the merchant page; page: %s", p, b.body())
		}
		contacts := b.text("#contacts")
		if !strings.Contains(contacts, newPhone) {
			t.Errorf("merchant page does not show the new number %s: %s", newPhone, contacts)
		}
		if strings.Contains(contacts, oldPhone) {
			t.Errorf("merchant page still shows the old number %s: %s", oldPhone, contacts)
		}
		if !b.has(".flash") {
			t.Errorf("no saved notice after the edit")
		}

		if st := b.open(fmt.Sprintf("/history/contact/%d", ct.ID)); st != http.StatusOK {
			t.Fatalf("contact history: status %d", st)
		}
		h := b.text("#history")
		if !strings.Contains(h, oldPhone) || !strings.Contains(h, newPhone) || !strings.Contains(h, "客户换了手机号") {
			t.Errorf("contact history should show %s, %s and why the old one went:\n%s", oldPhone, newPhone, h)
		}
		b.checkTranslated("contact history")
	})

	t.Run("LanguageSwitchShowsEnglish", func(t *testing.T) {
		b := newTab(t, browser, s.URL)
		b.login("ops", demo.Password)
		b.open("/merchants")
		if nav := b.text("nav.main"); !strings.Contains(nav, "商户") || b.htmlLang() != "zh-CN" {
			t.Fatalf("before the switch: nav %q, lang %q; want Chinese", nav, b.htmlLang())
		}
		b.submit("#lang-switch")
		if p := b.path(); p != "/merchants" {
			t.Errorf("the switch went to %s, want back to /merchants", p)
		}
		if nav := b.text("nav.main"); !strings.Contains(nav, "Merchants") || strings.Contains(nav, "商户") {
			t.Errorf("after the switch nav = %q, want English", nav)
		}
		if l := b.htmlLang(); l != "en" {
			t.Errorf(`after the switch <html lang=%q>, want "en"`, l)
		}
		b.checkTranslated("merchant list in English")

		// Remembered on the user: still English after logging in again.
		b.logout()
		b.login("ops", demo.Password)
		if nav := b.text("nav.main"); !strings.Contains(nav, "Merchants") || b.htmlLang() != "en" {
			t.Errorf("after logging in again: nav %q, lang %q; want English remembered", nav, b.htmlLang())
		}

		b.submit("#lang-switch")
		if nav := b.text("nav.main"); !strings.Contains(nav, "商户") || b.htmlLang() != "zh-CN" {
			t.Errorf("after switching back: nav %q, lang %q; want Chinese", nav, b.htmlLang())
		}
		b.logout()
		b.login("ops", demo.Password)
		if nav := b.text("nav.main"); !strings.Contains(nav, "商户") || b.htmlLang() != "zh-CN" {
			t.Errorf("after logging in again: nav %q, lang %q; want Chinese remembered", nav, b.htmlLang())
		}
	})

	t.Run("LangPostWithoutCSRFIsRefused", func(t *testing.T) {
		b := newTab(t, browser, s.URL)
		b.login("agent2", demo.Password)
		csrf := b.eval(`document.querySelector('form[action="/lang"] input[name=csrf]').value`)
		if csrf == "" {
			t.Fatal("no csrf field in the language form")
		}
		if st := b.fetchStatus("/lang", map[string]string{"back": "/"}); st != http.StatusForbidden {
			t.Errorf("POST /lang without csrf: status %d, want 403", st)
		}
		if st := b.fetchStatus("/lang", map[string]string{"back": "/", "csrf": "x" + csrf}); st != http.StatusForbidden {
			t.Errorf("POST /lang with a wrong csrf: status %d, want 403", st)
		}
		b.open("/")
		if l := b.htmlLang(); l != "zh-CN" {
			t.Errorf("a refused POST changed the language to %q", l)
		}
		// The same request with the token is accepted (a redirect, which
		// fetch sees as an opaque 0): the 403 was the token's doing.
		if st := b.fetchStatus("/lang", map[string]string{"back": "/", "csrf": csrf}); st != 0 && st != http.StatusSeeOther {
			t.Errorf("POST /lang with the csrf: status %d, want a redirect", st)
		}
		b.open("/")
		if l := b.htmlLang(); l != "en" {
			t.Errorf("POST /lang with the csrf did not switch: lang %q", l)
		}
	})

	t.Run("AgentCannotOpenOthersMerchantByURL", func(t *testing.T) {
		ctx := context.Background()
		agent := s.user(t, "agent1")
		ms, err := s.Store.ListMerchants(ctx, poscare.SystemActor("t"), poscare.MerchantFilter{Page: poscare.Page{Limit: 300}})
		if err != nil {
			t.Fatal(err)
		}
		var other, own *poscare.Merchant
		for _, m := range ms {
			mine := m.AccountManagerID == agent.ID || (m.BackupManagerID != nil && *m.BackupManagerID == agent.ID)
			if !mine && other == nil {
				other = m
			}
			if m.AccountManagerID == agent.ID && own == nil {
				own = m
			}
		}
		if other == nil || own == nil {
			t.Fatalf("demo data: need a merchant of agent1 and one of someone else (own %v, other %v)", own, other)
		}
		b := newTab(t, browser, s.URL)
		if p := b.login("agent1", demo.Password); p != "/" {
			t.Fatalf("agent1 landed on %s", p)
		}
		// Control: the agent's own merchant opens.
		if st := b.open(fmt.Sprintf("/merchants/%d", own.ID)); st != http.StatusOK || !strings.Contains(b.body(), own.LegalName) {
			t.Fatalf("agent1's own merchant %d: status %d, name shown %v", own.ID, st, strings.Contains(b.body(), own.LegalName))
		}
		for _, path := range []string{"/merchants/%d", "/merchants/%d/edit", "/history/merchant/%d", "/merchants/%d/contacts/new"} {
			path = fmt.Sprintf(path, other.ID)
			st := b.open(path)
			body := b.body()
			if st != http.StatusNotFound {
				t.Errorf("agent1 GET %s: status %d, want 404", path, st)
			}
			if !strings.Contains(body, "未找到该记录，或您无权查看") {
				t.Errorf("agent1 GET %s: no not-found text; page: %s", path, body)
			}
			if strings.Contains(body, other.LegalName) || strings.Contains(body, other.PrincipalName) {
				t.Errorf("agent1 GET %s shows merchant %d (%s)", path, other.ID, other.LegalName)
			}
		}
	})

	t.Run("MerchantUserSeesOwnTerminalsAndServiceContact", func(t *testing.T) {
		ctx := context.Background()
		sys := poscare.SystemActor("t")
		mu := s.user(t, "merchant1")
		if mu.MerchantID == nil {
			t.Fatal("merchant1 has no merchant")
		}
		m, err := s.Store.GetMerchant(ctx, sys, *mu.MerchantID)
		if err != nil {
			t.Fatal(err)
		}
		terms, err := s.Store.ListTerminals(ctx, sys, poscare.TerminalFilter{MerchantID: &m.ID, Page: poscare.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		if len(terms) == 0 {
			t.Fatalf("demo data: merchant1's merchant %d has no terminals", m.ID)
		}
		contact, err := s.Store.GetUser(ctx, sys, m.AccountManagerID)
		if err != nil {
			t.Fatal(err)
		}
		if (contact.Status != poscare.UserActive || contact.Archived != nil) && m.BackupManagerID != nil {
			if contact, err = s.Store.GetUser(ctx, sys, *m.BackupManagerID); err != nil {
				t.Fatal(err)
			}
		}
		ms, err := s.Store.ListMerchants(ctx, sys, poscare.MerchantFilter{Page: poscare.Page{Limit: 50}})
		if err != nil {
			t.Fatal(err)
		}
		var other *poscare.Merchant
		for _, x := range ms {
			if x.ID != m.ID {
				other = x
				break
			}
		}

		b := newTab(t, browser, s.URL)
		if p := b.login("merchant1", demo.Password); p != "/portal" {
			t.Fatalf("merchant1 landed on %s, want /portal", p)
		}
		if !strings.Contains(b.body(), m.LegalName) {
			t.Errorf("the portal does not name the merchant %s", m.LegalName)
		}
		shown := b.eval(`Array.from(document.querySelectorAll("#my-terminals .serial")).map(e => e.innerText.trim()).join("\n")`)
		var want []string
		for _, x := range terms {
			want = append(want, x.Serial)
		}
		if got := strings.Split(shown, "\n"); !sameSet(got, want) {
			t.Errorf("#my-terminals lists %v, want the merchant's terminals %v", got, want)
		}
		sc := b.text("#service-contact")
		if !strings.Contains(sc, contact.Name) || !strings.Contains(sc, contact.Mobile) {
			t.Errorf("#service-contact = %q, want %s and %s", sc, contact.Name, contact.Mobile)
		}
		if c := b.text("#my-contract"); !strings.Contains(c, "每刷1万元") {
			t.Errorf("#my-contract = %q, want fees per 10,000 yuan (每刷1万元)", c)
		}
		b.checkTranslated("portal")

		// Another merchant's page, by URL: back to the portal, never the name.
		for _, path := range []string{fmt.Sprintf("/merchants/%d", other.ID), fmt.Sprintf("/history/merchant/%d", other.ID), "/merchants", "/"} {
			st := b.open(path)
			if p := b.path(); p != "/portal" && st != http.StatusNotFound && st != http.StatusForbidden {
				t.Errorf("merchant1 GET %s: at %s with status %d, want the portal or a refusal", path, p, st)
			}
			if strings.Contains(b.body(), other.LegalName) {
				t.Errorf("merchant1 GET %s shows another merchant, %s", path, other.LegalName)
			}
		}
	})

	t.Run("StaffChangesOwnPasswordFromTheHeader", func(t *testing.T) {
		b := newTab(t, browser, s.URL)
		b.login("agent3", demo.Password)
		if st := b.submit("#password-link"); st != http.StatusOK || b.path() != "/me/password" {
			t.Fatalf("header link: status %d at %s", st, b.path())
		}
		b.typeInto("#f-current_password", demo.Password)
		b.typeInto("#f-new_password", "1234567890")
		b.typeInto("#f-repeat_password", "1234567890")
		if st := b.submit("#save"); st != http.StatusUnprocessableEntity || b.text("#err-new_password") == "" {
			t.Fatalf("a trivial new password: status %d, error beside the field %q", st, b.text("#err-new_password"))
		}
		if b.value("#f-current_password") != "" || b.value("#f-new_password") != "1234567890" {
			t.Fatal("the current password is written back, or the new one is not kept")
		}
		b.typeInto("#f-current_password", demo.Password)
		b.typeInto("#f-new_password", "my-new-desk-secret-26")
		b.typeInto("#f-repeat_password", "my-new-desk-secret-26")
		if st := b.submit("#save"); st != http.StatusOK || b.path() != "/me/password" || b.text(".flash") == "" {
			t.Fatalf("the change: status %d at %s, page: %s", st, b.path(), b.body())
		}
		b.logout()
		if p := b.login("agent3", "my-new-desk-secret-26"); p != "/" {
			t.Fatalf("login with the new password landed on %s", p)
		}
	})

	t.Run("Screenshots", func(t *testing.T) {
		ctx := context.Background()
		shots := newScreenshots(t)
		t.Logf("screenshots in %s", shots.dir)
		ops := actor(s.user(t, "ops"))
		ms, err := s.Store.ListMerchants(ctx, ops, poscare.MerchantFilter{Status: poscare.MerchantActive, Page: poscare.Page{Limit: 1}})
		if err != nil || len(ms) == 0 {
			t.Fatalf("no active merchant: %v", err)
		}
		m := ms[0]
		cs, err := s.Store.ListContacts(ctx, ops, sqlstore.ContactFilter{MerchantID: &m.ID, Page: poscare.Page{Limit: 1}})
		if err != nil || len(cs) == 0 {
			t.Fatalf("merchant %d has no contact: %v", m.ID, err)
		}

		b := newTab(t, browser, s.URL)
		b.open("/login")
		shots.take(b, "01-login")
		b.login("ops", demo.Password)
		b.open("/")
		b.checkTranslated("home")
		shots.take(b, "02-home")
		b.open("/merchants")
		b.checkTranslated("merchants")
		shots.take(b, "03-merchants")
		b.open(fmt.Sprintf("/merchants/%d", m.ID))
		b.checkTranslated("merchant")
		shots.take(b, "04-merchant")
		b.open(fmt.Sprintf("/contacts/%d/edit", cs[0].ID))
		b.typeInto(".channel-value", "1381234")
		b.submit("#save")
		if !b.has("#err-channels") {
			t.Errorf("the contact form shows no channel error")
		}
		shots.take(b, "05-contact-form-error")
		b.open("/board")
		b.checkTranslated("board")
		shots.take(b, "06-board")
		b.open("/terminals")
		b.checkTranslated("terminals")
		shots.take(b, "07-terminals")
		b.open(fmt.Sprintf("/history/merchant/%d", m.ID))
		b.checkTranslated("history")
		shots.take(b, "08-history")

		// The field agent's phone.
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		b.open("/merchants")
		shots.take(b, "10-merchants-phone")
		b.checkNoSideScroll("phone merchant list")
		b.open(fmt.Sprintf("/merchants/%d", m.ID))
		shots.take(b, "11-merchant-phone")
		b.checkNoSideScroll("phone merchant page")
		b.open("/board")
		shots.take(b, "12-board-phone")
		b.checkNoSideScroll("phone board")
		// chromedp.ResetViewport (an override of 0×0) leaves this Chromium
		// at 390 px wide after a mobile emulation, so clear the override.
		b.do("desktop viewport", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
			return err
		}))
		if w := b.eval(`String(window.innerWidth)`); w == "390" {
			t.Errorf("the viewport is still %s px wide after clearing the phone emulation", w)
		}

		// The dashboard in English, then back to Chinese for the next run.
		b.open("/")
		b.submit("#lang-switch")
		if b.htmlLang() != "en" {
			t.Errorf("the language switch did not switch to English")
		}
		b.checkTranslated("home in English")
		shots.take(b, "13-home-en")
		b.open(fmt.Sprintf("/merchants/%d", m.ID))
		b.checkTranslated("merchant in English")
		shots.take(b, "14-merchant-en")
		b.submit("#lang-switch")

		p := newTab(t, browser, s.URL)
		p.login("merchant1", demo.Password)
		shots.take(p, "09-portal")

		for _, f := range shots.files {
			if err := checkPNG(f); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
		if len(shots.files) < 10 {
			t.Errorf("%d screenshots, want at least 10", len(shots.files))
		}
	})
}

// sameSet reports whether two lists hold the same strings, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	n := map[string]int{}
	for _, s := range a {
		n[s]++
	}
	for _, s := range b {
		n[s]--
	}
	for _, v := range n {
		if v != 0 {
			return false
		}
	}
	return true
}
