package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"poscare"
	"poscare/sqlstore"
)

// loginData is the login form: what the user typed (never the password)
// and where to go afterwards.
type loginData struct {
	Login, Next string
}

// safeNext keeps a post-login redirect on this site: only a plain path of
// this origin is taken. Browsers drop tabs and newlines from a URL and read
// a backslash as a slash, so "/\t/evil.example" or "/\\evil.example" would
// become "//evil.example", another origin; any control character, any
// backslash and any "//" is therefore refused, in the value and in its
// percent-decoded form.
func safeNext(next string) string {
	if !plainPath(next) {
		return "/"
	}
	if decoded, err := url.PathUnescape(next); err != nil || !plainPath(decoded) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// plainPath reports whether s is an absolute path with no control
// character, backslash or empty segment ("//").
func plainPath(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.Contains(s, "//") || strings.Contains(s, "\\") {
		return false
	}
	path, _, _ := strings.Cut(s, "?")
	for i, r := range s {
		// No space at all in the path (a query may carry a searched one).
		if r < 0x20 || r == 0x7f || unicode.IsControl(r) || unicode.Is(unicode.Zs, r) && (r != ' ' || i < len(path)) {
			return false
		}
	}
	return true
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	q := &request{w: w, r: r, c: c}
	p := q.page("", loginData{Next: safeNext(r.URL.Query().Get("next"))})
	p.Title = p.T("login.title")
	if r.URL.Query().Get("expired") == "1" {
		p.Error = p.T("login.expired")
	}
	if r.URL.Query().Get("lang") == "en" || r.URL.Query().Get("lang") == "zh" {
		http.SetCookie(w, &http.Cookie{Name: "poscare_lang", Value: r.URL.Query().Get("lang"), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		p.Lang = r.URL.Query().Get("lang")
		p.Title = p.T("login.title")
	}
	q.render(http.StatusOK, "login", p)
}

// sameOrigin reports whether a form post comes from a page of this site.
// Browsers say so in Sec-Fetch-Site, and older ones in Origin; a request
// with neither header is not from a browser, which cannot be made to post
// against its user's will, and is let through.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// loginSubmit checks the password through the store, which throttles and
// audits every attempt, and starts a session.
func (c *Console) loginSubmit(w http.ResponseWriter, r *http.Request) {
	q := &request{w: w, r: r, c: c}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	r.ParseForm()
	login := strings.TrimSpace(r.PostForm.Get("login"))
	next := safeNext(r.PostForm.Get("next"))
	if !sameOrigin(r) {
		// Login CSRF: a page elsewhere must not log this browser in as
		// someone else, so a form posted from another site is refused.
		p := q.page("", loginData{Next: next})
		p.Title, p.Error = p.T("login.title"), p.T("login.cross_site")
		q.render(http.StatusForbidden, "login", p)
		return
	}
	u, err := c.Store.Authenticate(r.Context(), login, r.PostForm.Get("password"), c.clientIP(r))
	if err != nil {
		p := q.page("", loginData{Login: login, Next: next})
		p.Title = p.T("login.title")
		p.Error = p.T("login.failed")
		status := http.StatusUnauthorized
		var e *poscare.Error
		var wait sqlstore.RetryAfter
		switch {
		case poscare.ErrorCode(err) == poscare.ETooManyRequests && errors.As(err, &e):
			// Throttled or busy: the same answer whatever the login.
			p.Error, status = e.Message.In(p.Lang), http.StatusTooManyRequests
			if errors.As(err, &wait) {
				w.Header().Set("Retry-After", wait.Seconds())
			}
		case poscare.ErrorCode(err) != poscare.EUnauthenticated:
			q.fail(err)
			return
		}
		q.render(status, "login", p)
		return
	}
	token, err := c.Store.CreateSession(r.Context(), u.ID)
	if err != nil {
		q.fail(err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode})
	if u.Role == poscare.RoleMerchant && next == "/" {
		next = "/portal"
	}
	q.redirect(next)
}

func (c *Console) logout(q *request) {
	if ck, err := q.r.Cookie(SessionCookie); err == nil {
		c.Store.EndSession(q.r.Context(), ck.Value)
	}
	http.SetCookie(q.w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	q.redirect("/login")
}

// switchLang flips the user's language and remembers it on their record.
func (c *Console) switchLang(q *request) {
	lang := "en"
	if q.sess.Lang == "en" {
		lang = "zh"
	}
	if err := c.Store.SetLanguage(q.r.Context(), q.sess.Actor, lang); err != nil {
		q.fail(err)
		return
	}
	q.redirect(safeNext(q.r.PostForm.Get("back")))
}
