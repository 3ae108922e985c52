package console

import (
	"net/http"
	"strings"

	"poscare"
)

// loginData is the login form: what the user typed (never the password)
// and where to go afterwards.
type loginData struct {
	Login, Next string
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
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

// loginSubmit checks the password through the store, which throttles and
// audits every attempt, and starts a session.
func (c *Console) loginSubmit(w http.ResponseWriter, r *http.Request) {
	q := &request{w: w, r: r, c: c}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	r.ParseForm()
	login := strings.TrimSpace(r.PostForm.Get("login"))
	next := safeNext(r.PostForm.Get("next"))
	u, err := c.Store.Authenticate(r.Context(), login, r.PostForm.Get("password"), clientIP(r))
	if err != nil {
		p := q.page("", loginData{Login: login, Next: next})
		p.Title = p.T("login.title")
		p.Error = p.T("login.failed")
		status := http.StatusUnauthorized
		if poscare.ErrorCode(err) == poscare.ETooManyRequests {
			p.Error, status = p.T("login.locked"), http.StatusTooManyRequests
		} else if poscare.ErrorCode(err) != poscare.EUnauthenticated {
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
