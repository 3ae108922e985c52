package console_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"poscare"
	"poscare/demo"
)

// phoneSize is the phone the console is checked on: 390×844 at 2×.
var phoneSize = chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))

// num evaluates a JavaScript expression that yields a number.
func (b *tab) num(expr string) float64 {
	b.t.Helper()
	f, err := strconv.ParseFloat(b.eval("String("+expr+")"), 64)
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return f
}

// smallTargets lists the visible elements matching sel shorter than 44 px.
func (b *tab) smallTargets(sel string) string {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`(() => [...document.querySelectorAll(%q)].filter(e => {
		const r = e.getBoundingClientRect(); return e.checkVisibility() && r.width > 0 && r.height > 0 && r.height < 44;
	}).map(e => (e.innerText || e.value || e.name || e.tagName).trim() + " " + Math.round(e.getBoundingClientRect().height) + "px").join(" | "))()`, sel))
}

// TestBrowserPhone checks the staff console and the portal on a phone: a
// compact header whose menu opens the nav, tap targets of 44 px, no
// sideways scroll, legible charts; and the same header on one row on a desk.
func TestBrowserPhone(t *testing.T) {
	browser := newBrowser(t)
	s := newSite(t)
	shots := newScreenshots(t)

	t.Run("StaffHeaderAndPages", func(t *testing.T) {
		b := newTab(t, browser, s.URL)
		b.login("ops", demo.Password)
		b.do("desktop", chromedp.EmulateViewport(1366, 900))
		b.open("/")
		if h := b.num(`document.querySelector("header.top").getBoundingClientRect().height`); h > 70 {
			t.Errorf("desktop header is %.0f px tall, want one row", h)
		}
		if b.eval(`String(document.querySelector("nav.main").checkVisibility({contentVisibilityAuto: true}))`) != "true" {
			t.Error("desktop nav is not shown")
		}
		if b.num(`document.querySelector("#menu-button").getBoundingClientRect().height`) != 0 {
			t.Error("desktop shows the menu button")
		}
		for _, p := range []string{"/", "/merchants", "/staff"} {
			b.open(p)
			shots.take(b, "ph-desktop"+strings.ReplaceAll(p, "/", "-"))
		}

		b.do("phone", phoneSize)
		b.open("/")
		if h := b.num(`document.querySelector("header.top").getBoundingClientRect().height`); h >= 120 {
			t.Errorf("phone header is %.0f px tall with the menu closed", h)
		}
		if b.eval(`String(document.querySelector("nav.main").checkVisibility({contentVisibilityAuto: true}))`) != "false" {
			t.Error("phone nav is shown before the menu is opened")
		}
		b.do("open menu", chromedp.Click(chromedp.CSS("#menu-button")))
		if b.eval(`String(document.querySelector("nav.main").checkVisibility())`) != "true" {
			t.Error("phone nav is not shown once the menu is opened")
		}
		nav := b.text("nav.main")
		for _, want := range []string{"首页", "商户", "员工与团队"} {
			if !strings.Contains(nav, want) {
				t.Errorf("opened menu lacks %q: %q", want, nav)
			}
		}
		if !strings.Contains(b.text("#menu .me"), "退出") {
			t.Errorf("opened menu lacks logout: %q", b.text("#menu .me"))
		}
		if small := b.smallTargets("nav.main a, #menu .me a, #menu .me button, #menu-button, #lang-switch"); small != "" {
			t.Errorf("header tap targets under 44 px: %s", small)
		}
		shots.take(b, "ph-phone-menu")
		b.do("close menu", chromedp.Click(chromedp.CSS("#menu-button")))

		for _, p := range []string{"/", "/merchants", "/staff", "/board", "/tasks", "/terminals", "/continuity", "/incidents"} {
			b.open(p)
			b.checkNoSideScroll("phone " + p)
			if small := b.smallTargets("main button, main .button, main table.list td a, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select"); small != "" {
				t.Errorf("phone %s: tap targets under 44 px: %s", p, small)
			}
			// An action link is one line: none is taller than one 44 px target.
			if tall := b.eval(`[...document.querySelectorAll("main table.list td a")].filter(e => e.getClientRects().length > 1).map(e => e.innerText).join(" | ")`); tall != "" {
				t.Errorf("phone %s: links broken over lines: %s", p, tall)
			}
			if p == "/" {
				if small := b.eval(`String([...document.querySelectorAll("svg.chart text")].filter(e => e.getBoundingClientRect().height > 0 && parseFloat(getComputedStyle(e).fontSize) * document.querySelector("svg.chart").getBoundingClientRect().width / 360 < 12).length)`); small != "0" {
					t.Errorf("phone home: %s chart labels smaller than 12 px", small)
				}
			}
			if p != "/board" && p != "/tasks" && p != "/terminals" && p != "/continuity" && p != "/incidents" {
				shots.take(b, "ph-phone"+strings.ReplaceAll(p, "/", "-"))
			}
		}
	})

	t.Run("PortalOverdueCallback", func(t *testing.T) {
		ctx := context.Background()
		// merchant3 asked for a callback two days ago: its deadline has passed.
		u := s.user(t, "merchant3")
		real := s.Store.Now
		s.Store.Now = func() time.Time { return real().Add(-48 * time.Hour) }
		cb, err := s.Store.RequestCallback(ctx, actor(u), *u.MerchantID, "屏幕不亮")
		s.Store.Now = real
		if err != nil || cb.Existing {
			t.Fatalf("RequestCallback: %v (existing %v)", err, cb != nil && cb.Existing)
		}
		b := newTab(t, browser, s.URL)
		b.do("phone", phoneSize)
		if p := b.login("merchant3", demo.Password); p != "/portal" {
			t.Fatalf("merchant lands on %s", p)
		}
		b.checkNoSideScroll("portal overdue")
		over := b.text("#callback-overdue")
		if !strings.Contains(over, "已超过约定的回电时间") || !strings.Contains(b.text("#callback-escalated"), "已标为逾期") {
			t.Errorf("overdue callback says %q", over)
		}
		if b.has("#callback-open") {
			t.Error("overdue callback still shown as received")
		}
		if b.eval(`document.querySelector("#overdue-call").getAttribute("href")`) != "tel:"+s.Store.ServiceCentre.Phone {
			t.Errorf("overdue call button: %q", b.eval(`document.querySelector("#overdue-call").outerHTML`))
		}
		for _, sel := range []string{"#overdue-call", "#service-call"} {
			if h := b.num(fmt.Sprintf(`document.querySelector(%q).getBoundingClientRect().height`, sel)); h < 44 {
				t.Errorf("%s is %.0f px tall", sel, h)
			}
		}
		// The service line is at the top of the page.
		if y := b.num(`document.querySelector("#service-call").getBoundingClientRect().top`); y > 300 {
			t.Errorf("service call button is %.0f px down the page", y)
		}
		shots.take(b, "ph-phone-portal-overdue")
		b.submit("#lang-switch")
		if en := b.text("#callback-overdue"); !strings.Contains(en, "We promised to call you by") || !strings.Contains(en, "marked overdue") {
			t.Errorf("overdue callback in English says %q", en)
		}
		b.checkTranslated("portal overdue en")
		b.submit("#lang-switch")
	})

	t.Run("PortalReceivedCallback", func(t *testing.T) {
		// The merchant user whose callback is not yet due sees it received.
		var login string
		for _, l := range s.Logins {
			if l.Role != poscare.RoleMerchant || l.Login == "merchant3" {
				continue
			}
			u := s.user(t, l.Login)
			if cb, err := s.Store.OpenCallback(context.Background(), actor(u), *u.MerchantID); err == nil && cb != nil && cb.DueAt.After(time.Now().Add(10*time.Minute)) {
				login = l.Login
			}
		}
		if login == "" {
			t.Fatal("no demo merchant with a callback not yet due")
		}
		for _, w := range []struct {
			name string
			set  chromedp.Action[chromedp.Void]
		}{{"desktop", chromedp.EmulateViewport(1366, 900)}, {"phone", phoneSize}} {
			b := newTab(t, browser, s.URL)
			b.do(w.name, w.set)
			b.login(login, demo.Password)
			if !b.has("#callback-open.flash") || b.has("#callback-overdue") {
				t.Errorf("%s: callback not yet due is not shown as received: %q", w.name, b.text("#callback"))
			}
			if b.eval(`document.querySelector("#service-call").getAttribute("href")`) != "tel:"+s.Store.ServiceCentre.Phone {
				t.Errorf("%s: no service call button", w.name)
			}
			b.checkNoSideScroll("portal " + w.name)
			if w.name == "phone" {
				if small := b.smallTargets("main button, main .button, main textarea"); small != "" {
					t.Errorf("portal tap targets under 44 px: %s", small)
				}
			}
			shots.take(b, "ph-"+w.name+"-portal")
		}
	})
}
