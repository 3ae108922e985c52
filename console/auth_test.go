package console

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"poscare/internal/fixture"
)

func TestSafeNextKeepsOnlyPlainSameOriginPaths(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/merchants/7":           "/merchants/7",
		"/merchants?q=火锅&page=2": "/merchants?q=火锅&page=2",
		"/\t/evil.example":       "/",
		"/%09/evil.example":      "/",
		"/ /evil.example":        "/",
		"/%20/evil.example":      "/",
		"/merchants?q=老 王":       "/merchants?q=老 王",
		"/\n/evil.example":       "/",
		"/\r\n/evil.example":     "/",
		"//evil.example":         "/",
		"/\\evil.example":        "/",
		"/%5Cevil.example":       "/",
		"/%2F/evil.example":      "/",
		"/a//b":                  "/",
		"https://evil.example/":  "/",
		"evil.example":           "/",
		"":                       "/",
		"/\u00a0/evil.example":   "/",
		"/\x7f/evil.example":     "/",
		"javascript:alert(1)":    "/",
		"/%zz":                   "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// TestLoginRedirectStaysOnSite logs in with the redirect a phishing link
// would carry: the browser must land on this site.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	for _, next := range []string{"/\t/evil.example", "/%09/evil.example", "/\\evil.example"} {
		res, err := s.browser().PostForm(s.srv.URL+"/login", url.Values{"login": {"ops"}, "password": {fixture.Password}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Errorf("next=%q: %d to %q, want 303 to /", next, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// TestLoginFromAnotherSiteIsRefused is login CSRF: a page elsewhere posts
// the login form with the attacker's credentials. The browser says where
// the form came from; only this site's own pages may log it in.
func TestLoginFromAnotherSiteIsRefused(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	post := func(headers ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", s.srv.URL+"/login", strings.NewReader(url.Values{"login": {"ops"}, "password": {fixture.Password}, "next": {"/"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := s.browser().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"}, {"Origin", "https://evil.example"},
		{"Origin", "null"}, {"Sec-Fetch-Site", "cross-site", "Origin", s.srv.URL}} {
		res := post(h...)
		if res.StatusCode != http.StatusForbidden || len(res.Cookies()) > 0 && res.Cookies()[0].Name == SessionCookie {
			t.Errorf("login posted with %v: %d, cookies %v", h, res.StatusCode, res.Cookies())
		}
	}
	for _, h := range [][]string{{"Sec-Fetch-Site", "same-origin", "Origin", s.srv.URL}, {"Origin", s.srv.URL}, nil} {
		if res := post(h...); res.StatusCode != http.StatusSeeOther {
			t.Errorf("login posted from this site with %v: %d", h, res.StatusCode)
		}
	}
}

// TestConsoleLoginIsThrottledLikeTheAPI guesses through the console: past
// the free slips, the next try at once is throttled (with Retry-After), and an unknown
// login answers exactly as an existing one does.
func TestConsoleLoginIsThrottledLikeTheAPI(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	try := func(login, pw string) (int, string, string) {
		t.Helper()
		res, err := s.browser().PostForm(s.srv.URL+"/login", url.Values{"login": {login}, "password": {pw}, "next": {"/"}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		msg := regexp.MustCompile(`class="error"[^>]*>([^<]*)<`).FindStringSubmatch(string(b))
		if msg == nil {
			return res.StatusCode, res.Header.Get("Retry-After"), ""
		}
		return res.StatusCode, res.Header.Get("Retry-After"), msg[1]
	}
	var first []string
	for _, login := range []string{"ops", "no.such.login"} {
		var got []string
		for _, pw := range []string{"wrong-password-1", "wrong-password-2", "wrong-password-3", fixture.Password} {
			code, wait, msg := try(login, pw)
			got = append(got, fmt.Sprint(code, "|", wait, "|", msg))
		}
		if got[3] != "429|1|尝试过于频繁，请稍后再试" {
			t.Fatalf("%s: the right password at once after a wrong one: %v", login, got)
		}
		if first == nil {
			first = got
		} else if fmt.Sprint(first) != fmt.Sprint(got) {
			t.Fatalf("unknown login answers %v, existing %v", got, first)
		}
	}
}

// TestOwnPasswordChangePage changes one's password in the console: the
// header links the page, each problem sits beside its field with the new
// password kept (the current one never written back), and a change ends
// the user's other sessions but not this one.
func TestOwnPasswordChangePage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	c, elsewhere := s.browser(), s.browser()
	s.login(c, "agenta")
	s.login(elsewhere, "agenta")
	if _, home := s.get(c, "/"); !strings.Contains(home, `href="/me/password"`) {
		t.Fatal("the header does not link the password page")
	}
	code, page := s.get(c, "/me/password")
	if code != 200 {
		t.Fatalf("password page: %d", code)
	}
	token := csrfRe.FindStringSubmatch(page)[1]
	post := func(current, next, repeat string) (int, string) {
		t.Helper()
		res, err := c.PostForm(s.srv.URL+"/me/password", url.Values{"csrf": {token}, "current_password": {current}, "new_password": {next}, "repeat_password": {repeat}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, tc := range []struct{ current, next, repeat, field string }{
		{fixture.Password, "my-own-fresh-secret-9", "my-own-fresh-secret-8", "repeat_password"},
		{fixture.Password, "aaaaaaaaaa", "aaaaaaaaaa", "new_password"},
		{fixture.Password, "agenta-2026-x", "agenta-2026-x", "new_password"},
		{"not-my-password-1", "my-own-fresh-secret-9", "my-own-fresh-secret-9", "current_password"},
	} {
		code, body := post(tc.current, tc.next, tc.repeat)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-`+tc.field+`"`) {
			t.Fatalf("%+v: %d, no error beside %s", tc, code, tc.field)
		}
		if !strings.Contains(body, `value="`+tc.next+`"`) || strings.Contains(body, `value="`+tc.current+`"`) {
			t.Fatalf("%+v: the new password is not kept, or the current one is written back", tc)
		}
	}
	if code, body := post(fixture.Password, "my-own-fresh-secret-9", "my-own-fresh-secret-9"); code != http.StatusSeeOther {
		t.Fatalf("change: %d %s", code, body)
	}
	if code, _ := s.get(c, "/"); code != 200 {
		t.Fatalf("this session ended with the change: %d", code)
	}
	if code, _ := s.get(elsewhere, "/"); code != http.StatusSeeOther {
		t.Fatalf("the session elsewhere survived the change: %d", code)
	}
	res, err := s.browser().PostForm(s.srv.URL+"/login", url.Values{"login": {"agenta"}, "password": {"my-own-fresh-secret-9"}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", res.StatusCode)
	}
}
