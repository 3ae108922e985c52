package console

import (
	"net/http"
	"net/url"
	"testing"

	"poscare/internal/fixture"
)

func TestSafeNextKeepsOnlyPlainSameOriginPaths(t *testing.T) {
	for next, want := range map[string]string{
		"/merchants/7":           "/merchants/7",
		"/merchants?q=火锅&page=2": "/merchants?q=火锅&page=2",
		"/\t/evil.example":       "/",
		"/%09/evil.example":      "/",
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
