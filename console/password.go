package console

import (
	"errors"
	"net/http"

	"poscare"
	"poscare/sqlstore"
)

// passwordForm is a user's own password change: the current password, the
// new one twice. The store checks the current one as a login is checked
// (throttled, audited) and ends the user's other sessions; this one stays.
// The current password is never written back into the page.
func (c *Console) passwordForm(q *request) {
	p := q.page("", nil)
	p.Title = p.T("password.title")
	back := "/"
	if !q.sess.Actor.Role.IsStaff() {
		back = "/portal"
	}
	fields := []field{
		{Name: "current_password", Label: p.T("password.current"), Kind: "current-password", Required: true},
		{Name: "new_password", Label: p.T("password.new"), Kind: "password", Required: true, Hint: p.T("password.hint")},
		{Name: "repeat_password", Label: p.T("password.repeat"), Kind: "password", Required: true},
	}
	status := http.StatusOK
	if q.r.Method == http.MethodPost {
		current, next, repeat := q.r.PostForm.Get("current_password"), q.r.PostForm.Get("new_password"), q.r.PostForm.Get("repeat_password")
		fields[1].Value, fields[2].Value = next, repeat
		var err error
		if next != repeat {
			bad := poscare.Problems{}
			bad.Add("repeat_password", "两次输入的新密码不一致", "does not match the new password")
			err = bad.Err()
		} else {
			keep := ""
			if ck, cerr := q.r.Cookie(SessionCookie); cerr == nil {
				keep = ck.Value
			}
			err = c.Store.ChangeOwnPassword(q.r.Context(), q.sess.Actor, current, next, keep)
		}
		if err == nil {
			q.redirect("/me/password?saved=1")
			return
		}
		var e *poscare.Error
		var wait sqlstore.RetryAfter
		switch {
		case problems(p, fields, err):
			status = http.StatusUnprocessableEntity
		case poscare.ErrorCode(err) == poscare.ETooManyRequests && errors.As(err, &e):
			p.Error, status = e.Message.In(p.Lang), http.StatusTooManyRequests
			if errors.As(err, &wait) {
				q.w.Header().Set("Retry-After", wait.Seconds())
			}
		default:
			q.fail(err)
			return
		}
	}
	p.Data = &formData{Action: "/me/password", Back: back, Fields: fields}
	q.render(status, "form", p)
}
