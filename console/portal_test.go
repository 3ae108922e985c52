package console

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestFlashText: ?saved=KEY says what happened; an unknown value, or one
// that tries to reach another catalog key, says only "saved", and the raw
// value is never shown.
func TestFlashText(t *testing.T) {
	for _, c := range []struct{ lang, v, want string }{
		{"zh", "", ""},
		{"zh", "1", "已保存"},
		{"zh", "saved", "已保存"},
		{"zh", "archived", "已归档"},
		{"en", "archived", "Archived"},
		{"zh", "declared", "应急预案已启动"},
		{"zh", "restored", "已恢复"},
		{"zh", "no_such_thing", "已保存"},
		{"en", "<script>alert(1)</script>", "Saved"},
		{"zh", "../nav.home", "已保存"},
		{"zh", "Archived", "已保存"},
	} {
		got := flashText(c.lang, c.v)
		if got != c.want {
			t.Errorf("flashText(%s, %q) = %q, want %q", c.lang, c.v, got, c.want)
		}
		if c.v != "" && c.v != "1" && strings.Contains(got, c.v) {
			t.Errorf("flashText(%q) shows the raw value: %q", c.v, got)
		}
	}
	for _, k := range []string{"saved", "archived", "restored", "declared", "closed", "returned", "done", "stage", "undone", "requested", "logged", "backup", "exported", "revealed", "sent"} {
		if flashText("en", k) == "Saved" && k != "saved" || flashText("zh", k) == "已保存" && k != "saved" {
			t.Errorf("flash.%s is not registered", k)
		}
	}
}

var langLinkRe = regexp.MustCompile(`href="(/login\?lang=[^"]*)" id="lang-switch"`)

// TestLoginKeepsNextThroughLanguageAndFailure: the login page's language
// switch and a failed login keep where the user was going, when that is a
// path of this site, and drop anything else. The page reads as the staff
// console's login and tells merchants they log in here too.
func TestLoginKeepsNextThroughLanguageAndFailure(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	c := s.browser()
	next := "/merchants?q=" + url.QueryEscape("茶")
	st, body := s.get(c, "/login?next="+url.QueryEscape(next))
	m := langLinkRe.FindStringSubmatch(body)
	if st != http.StatusOK || m == nil {
		t.Fatalf("login page %d without a language link: %s", st, body)
	}
	if !strings.Contains(body, "POS服务运营平台") || strings.Contains(body, "商户自助服务</small>") || !strings.Contains(body, "商户用户也从这里登录") {
		t.Errorf("login page is not the staff console's: %s", body)
	}
	link := html.UnescapeString(m[1])
	u, _ := url.Parse(link)
	if u.Query().Get("next") != next || u.Query().Get("lang") != "en" {
		t.Fatalf("language switch %q drops next %q", link, next)
	}
	_, body = s.get(c, link)
	if !strings.Contains(body, `name="next" value="`+html.EscapeString(next)+`"`) && !strings.Contains(body, `name="next" value="/merchants?q=%e8%8c%b6"`) {
		t.Errorf("after the language switch the form lost next: %s", body)
	}
	if !strings.Contains(body, "Merchant users log in here too") {
		t.Errorf("English login page: %s", body)
	}
	// A failed login keeps next in the form and in its language link.
	res, err := c.PostForm(s.srv.URL+"/login", url.Values{"login": {"ops"}, "password": {"wrong-password-1"}, "next": {"/tasks"}})
	if err != nil {
		t.Fatal(err)
	}
	b := new(strings.Builder)
	buf := make([]byte, 1<<16)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	res.Body.Close()
	if !strings.Contains(b.String(), `name="next" value="/tasks"`) || !strings.Contains(b.String(), "next=%2ftasks") {
		t.Errorf("failed login lost next: %s", b.String())
	}
	// Not a path of this site: neither the form nor the link carries it.
	for _, bad := range []string{"https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"} {
		_, body := s.get(c, "/login?lang=zh&next="+url.QueryEscape(bad))
		if strings.Contains(body, "evil") || strings.Contains(body, "javascript") || strings.Contains(body, "next=") {
			t.Errorf("next=%q is kept: %s", bad, body)
		}
	}
}
