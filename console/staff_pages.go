package console

import (
	"fmt"
	"net/http"
	"strings"

	"poscare"
	"poscare/continuity"
	"poscare/sqlstore"
)

// The staff pages a lead or ops works with beside the admin's user form:
// naming a colleague's backup and logging a failed call to a colleague.
var _ = registerPages("staff", func(c *Console, m *http.ServeMux) {
	m.Handle("GET /staff/{id}/backup", c.handler(true, c.backupForm))
	m.Handle("POST /staff/{id}/backup", c.handler(true, c.backupForm))
	m.Handle("GET /staff/{id}/attempt", c.handler(true, c.attemptForm))
	m.Handle("POST /staff/{id}/attempt", c.handler(true, c.attemptForm))
})

// staffBack is where a staff form returns to: the continuity page when it
// was opened from there (from=continuity), else the staff list.
func staffBack(q *request) string {
	// The form's own address carries it, so a POST finds it there too.
	if q.r.URL.Query().Get("from") == "continuity" {
		return "/continuity"
	}
	return "/staff"
}

// staffFormAction is a staff form's own address, keeping where it came
// from.
func staffFormAction(q *request, path string) string {
	if staffBack(q) == "/continuity" {
		return path + "?from=continuity"
	}
	return path
}

// backupForm names a staff member's backup (备岗人员): a lead for the own
// team, ops for anyone, as continuity.CanSetBackup decides; the choices
// are the active staff the actor sees.
func (c *Console) backupForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	u, ok := c.staffMember(q)
	if !ok {
		return
	}
	if !continuity.CanSetBackup(a, u) {
		q.fail(poscare.Forbidden())
		return
	}
	p := q.page("", nil)
	p.Title = p.T("sf.backup.title") + " · " + u.Name
	users, err := c.Store.ListUsers(ctx, a, sqlstore.UserFilter{Page: poscare.Page{Limit: 500}})
	if err != nil {
		q.fail(err)
		return
	}
	chosen := ptrStr(u.BackupID)
	fields := func() []field {
		opts := []option{{"", p.T("common.none")}}
		for _, x := range users {
			if x.Available() && x.Role.IsStaff() && x.ID != u.ID {
				opts = append(opts, option{idStr(x.ID), x.Name + "（" + p.Enum("role", x.Role) + "）"})
			}
		}
		return []field{{Name: "backup_id", Label: p.Field("backup_id"), Kind: "select", Value: chosen, Options: opts, Required: u.Role == poscare.RoleAgent,
			Hint: p.T("sf.backup.hint")}}
	}
	back, action := staffBack(q), staffFormAction(q, fmt.Sprintf("/staff/%d/backup", u.ID))
	if q.r.Method == http.MethodPost {
		chosen = q.r.PostForm.Get("backup_id")
		if _, err := c.Store.SetBackup(ctx, a, u.ID, parseIDPtr(chosen)); err != nil {
			fs := fields()
			if !problems(p, fs, err) {
				q.fail(err)
				return
			}
			q.formPage(p, action, back, fs)
			return
		}
		q.redirect(back + "?saved=backup")
		return
	}
	q.formPage(p, action, back, fields())
}

// attemptOutcomes are the outcomes of a failed call to a colleague, with
// the catalog keys of their names.
var attemptOutcomes = []struct{ Value, Key string }{
	{"no_answer", "sf.outcome.no_answer"},
	{"disconnected", "sf.outcome.disconnected"},
	{"blocked", "sf.outcome.blocked"},
}

// attemptForm logs a failed attempt to reach a colleague: a signal for
// silence detection, which counts distinct colleagues.
func (c *Console) attemptForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	u, ok := c.staffMember(q)
	if !ok {
		return
	}
	if !a.Can(poscare.EntityContactAttempt, poscare.ActCreate) || !u.Role.IsStaff() || u.ID == a.UserID {
		q.fail(poscare.Forbidden())
		return
	}
	p := q.page("", nil)
	p.Title = p.T("sf.attempt.title") + " · " + u.Name
	outcome, notes := "no_answer", ""
	fields := func() []field {
		var opts []option
		for _, o := range attemptOutcomes {
			opts = append(opts, option{o.Value, p.T(o.Key)})
		}
		return []field{
			{Name: "outcome", Label: p.Field("outcome"), Kind: "select", Value: outcome, Options: opts, Required: true},
			{Name: "notes", Label: p.Field("notes"), Kind: "text", Value: notes, Hint: p.T("sf.attempt.hint")},
		}
	}
	back, action := staffBack(q), staffFormAction(q, fmt.Sprintf("/staff/%d/attempt", u.ID))
	if q.r.Method == http.MethodPost {
		outcome, notes = q.r.PostForm.Get("outcome"), strings.TrimSpace(q.r.PostForm.Get("notes"))
		if err := c.Store.RecordContactAttempt(ctx, a, u.ID, outcome, notes); err != nil {
			fs := fields()
			if !problems(p, fs, err) {
				q.fail(err)
				return
			}
			q.formPage(p, action, back, fs)
			return
		}
		q.redirect(back + "?saved=logged")
		return
	}
	q.formPage(p, action, back, fields())
}

// staffNotice is what the action that led back to the staff list or the
// continuity page did (?saved=backup, logged), said in place of the
// layout's plain "saved".
func staffNotice(p *Page) string {
	switch p.Flash {
	case "backup":
		p.Flash = ""
		return p.T("sf.done.backup")
	case "logged":
		p.Flash = ""
		return p.T("sf.done.logged")
	}
	return ""
}

// StatusReason is a person's status reason in the page's language: the
// system's reasons (silence detection, a return through an incident) from
// their message, a person's words as written.
func (p *Page) StatusReason(u *poscare.User) string {
	if u.StatusReasonMsg != nil {
		return u.StatusReasonMsg.In(p.Lang)
	}
	return u.StatusReason
}

// CanSetBackup reports whether the user may name u's backup.
func (p *Page) CanSetBackup(u *poscare.User) bool { return continuity.CanSetBackup(p.Actor, u) }

// CanLogAttempt reports whether the user may log a failed call to u.
func (p *Page) CanLogAttempt(u *poscare.User) bool {
	return p.Actor.Can(poscare.EntityContactAttempt, poscare.ActCreate) && u.Role.IsStaff() && u.ID != p.Actor.UserID && u.Archived == nil
}
