package console

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"poscare"
)

// TestCallbackFromPortalToTasks: a merchant asks to be called back in the
// portal; the account manager finds it on their tasks page with the
// message, and completes it; the portal then offers the button again.
func TestCallbackFromPortalToTasks(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	shop := s.browser()
	s.login(shop, "shop1")
	code, body := s.get(shop, "/portal")
	if code != 200 || !strings.Contains(body, `id="callback-form"`) {
		t.Fatalf("portal without the callback form: %d", code)
	}
	post := func(c *http.Client, path string, v url.Values, page string) (int, string) {
		t.Helper()
		v.Set("csrf", csrfRe.FindStringSubmatch(page)[1])
		res, err := c.PostForm(s.srv.URL+path, v)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := post(shop, "/portal/callback", url.Values{"note": {"打印机卡纸，请回电"}}, body); code != http.StatusSeeOther {
		t.Fatalf("ask for a callback: %d", code)
	}
	_, body = s.get(shop, "/portal")
	if !strings.Contains(body, `id="callback-open"`) || strings.Contains(body, `id="callback-form"`) || !strings.Contains(body, "打印机卡纸") {
		t.Fatal("portal does not show the open callback request")
	}

	agent := s.browser()
	s.login(agent, "agenta")
	code, body = s.get(agent, "/tasks")
	if code != 200 || !strings.Contains(body, "商户请求回电") || !strings.Contains(body, "打印机卡纸，请回电") {
		t.Fatalf("tasks page: %d, no callback with its message", code)
	}
	x, err := s.s.OpenCallback(t.Context(), poscare.SystemActor("t"), s.w.Merchant.ID)
	if err != nil || x == nil {
		t.Fatalf("open callback: %v %v", x, err)
	}
	if code, _ := post(agent, "/tasks/"+itoa(x.ID)+"/done", url.Values{}, body); code != http.StatusSeeOther {
		t.Fatalf("complete: %d", code)
	}
	if _, body = s.get(agent, "/tasks"); strings.Contains(body, "打印机卡纸") {
		t.Fatal("completed callback still listed")
	}
	if _, body = s.get(shop, "/portal"); !strings.Contains(body, `id="callback-form"`) {
		t.Fatal("portal does not offer a new callback after the call")
	}
	// Another agent cannot complete it (not theirs): 404.
	other := s.browser()
	s.login(other, "agentb")
	_, page := s.get(other, "/tasks")
	if code, _ := post(other, "/tasks/"+itoa(x.ID)+"/done", url.Values{}, page); code != http.StatusNotFound {
		t.Fatalf("someone else's task: %d", code)
	}
}

// TestOwnContactDetails: bad details come back beside their fields with
// what was typed; good ones are saved and the check recorded.
func TestOwnContactDetails(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	c := s.browser()
	s.login(c, "agenta")
	_, page := s.get(c, "/tasks")
	v := url.Values{"csrf": {csrfRe.FindStringSubmatch(page)[1]}, "mobile": {"2380013800"}, "email": {"zhang@poscare.example"}, "wechat": {"zhang_sales"}}
	res, _ := c.PostForm(s.srv.URL+"/me/contact", v)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), `id="err-mobile"`) || !strings.Contains(string(b), `value="2380013800"`) {
		t.Fatalf("bad mobile: %d", res.StatusCode)
	}
	v.Set("mobile", "13912345678")
	res, _ = c.PostForm(s.srv.URL+"/me/contact", v)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	u, _ := s.s.GetUser(t.Context(), poscare.SystemActor("t"), s.w.Users[poscare.RoleAgent].ID)
	if u.Mobile != "13912345678" || u.ContactCheckedAt == nil {
		t.Fatalf("saved %+v", u)
	}
}
