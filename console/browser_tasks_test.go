package console_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"poscare"
	"poscare/demo"
)

// TestBrowserCallbackAndTasks drives a merchant's "call me back" through
// a real headless chromium: the merchant asks in the portal, the request
// lands on its service contact's task list with the message, the
// salesperson marks it done and the portal offers the button again; the
// salesperson's own contact details are refused with the field named in
// Chinese, kept as typed, then saved.
func TestBrowserCallbackAndTasks(t *testing.T) {
	browser := newBrowser(t)
	s := newSite(t)
	ctx := context.Background()
	shots := newScreenshots(t)
	// merchant3 has no request open in the demo (merchant1 and 2 have).
	mu := s.user(t, "merchant3")
	sc, err := s.Store.ServiceContact(ctx, actor(mu), *mu.MerchantID)
	if err != nil || sc.UserID == nil {
		t.Fatalf("merchant3's service contact: %+v %v", sc, err)
	}
	contact, err := s.Store.GetUser(ctx, poscare.SystemActor("t"), *sc.UserID)
	if err != nil {
		t.Fatal(err)
	}

	shop := newTab(t, browser, s.URL)
	if p := shop.login("merchant3", demo.Password); p != "/portal" {
		t.Fatalf("merchant lands on %s", p)
	}
	if !shop.has("#callback-form") {
		t.Fatal("the portal offers no callback button")
	}
	// An empty textarea has nothing to clear: typed into directly.
	shop.do("type the message", chromedp.SendKeys(chromedp.CSS("#f-note"), "刷卡时提示“请联系收单机构”，请回电"))
	if st := shop.submit("#callback-ask"); st != http.StatusOK {
		t.Fatalf("ask for a callback: %d", st)
	}
	if !shop.has("#callback-open") || shop.has("#callback-form") {
		t.Fatalf("after asking, the portal shows: %s", shop.text("#callback"))
	}
	shots.take(shop, "portal-callback")

	staff := newTab(t, browser, s.URL)
	staff.login(contact.Login, demo.Password)
	if st := staff.open("/tasks"); st != http.StatusOK {
		t.Fatalf("tasks page: %d", st)
	}
	list := staff.text("#my-tasks")
	if !strings.Contains(list, "商户请求回电") || !strings.Contains(list, "请联系收单机构") {
		t.Fatalf("%s's tasks do not show the request: %s", contact.Login, list)
	}
	shots.take(staff, "tasks")
	staff.checkNoSideScroll("tasks")
	x, err := s.Store.OpenCallback(ctx, actor(mu), *mu.MerchantID)
	if err != nil || x == nil {
		t.Fatalf("open callback: %v %v", x, err)
	}
	if st := staff.submit(`form[action="/tasks/` + strconv.FormatInt(x.ID, 10) + `/done"] button`); st != http.StatusOK {
		t.Fatalf("done: %d", st)
	}
	if strings.Contains(staff.text("#my-tasks"), "请联系收单机构") {
		t.Fatal("the completed request is still listed")
	}
	shop.open("/portal")
	if !shop.has("#callback-form") {
		t.Fatal("after the call the portal does not offer the button again")
	}

	// Own contact details: a wrong mobile is named, in Chinese, and kept.
	staff.typeInto("#f-mobile", "1391234567")
	if st := staff.submit("#own-save"); st != http.StatusUnprocessableEntity {
		t.Fatalf("bad mobile: %d", st)
	}
	if msg := staff.text("#err-mobile"); !strings.Contains(msg, "11位") || staff.value("#f-mobile") != "1391234567" {
		t.Fatalf("error %q, field %q", msg, staff.value("#f-mobile"))
	}
	staff.typeInto("#f-mobile", "13912345670")
	if st := staff.submit("#own-save"); st != http.StatusOK || staff.path() != "/tasks" {
		t.Fatalf("save: %d at %s", st, staff.path())
	}
	u, _ := s.Store.GetUser(ctx, poscare.SystemActor("t"), contact.ID)
	if u.Mobile != "13912345670" || u.ContactCheckedAt == nil {
		t.Fatalf("saved %s, checked %v", u.Mobile, u.ContactCheckedAt)
	}
}
