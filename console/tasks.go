package console

import (
	"net/http"
	"time"

	"poscare"
	"poscare/sqlstore"
)

// tasksData is the "my tasks" page: what the person owes merchants and
// colleagues, and their own contact details to keep current.
type tasksData struct {
	Items   []*sqlstore.Task
	Now     time.Time
	Contact *formData
	Checked *time.Time
}

// tasks lists the staff member's open tasks, soonest due first, beside
// the form for their own contact details.
func (c *Console) tasks(q *request) {
	c.renderTasks(q, nil, nil)
}

// renderTasks shows the page; own and cause are the typed contact details
// and why they were refused, when a save failed.
func (c *Console) renderTasks(q *request, own *poscare.OwnContact, cause error) {
	ctx, a := q.r.Context(), q.sess.Actor
	items, err := c.Store.MyTasks(ctx, a)
	if err != nil {
		q.fail(err)
		return
	}
	me, err := c.Store.GetUser(ctx, a, a.UserID)
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", nil)
	p.Title = p.T("tasks.title")
	if own == nil {
		own = &poscare.OwnContact{Mobile: me.Mobile, Email: me.Email, WeChat: me.WeChat}
	}
	fields := []field{
		{Name: "mobile", Label: p.Field("mobile"), Kind: "text", Value: own.Mobile, Required: true},
		{Name: "email", Label: p.Field("email"), Kind: "text", Value: own.Email},
		{Name: "wechat", Label: p.Field("wechat"), Kind: "text", Value: own.WeChat},
	}
	status := http.StatusOK
	if cause != nil {
		problems(p, fields, cause)
		status = http.StatusUnprocessableEntity
	}
	p.Data = &tasksData{Items: items, Now: time.Now(), Contact: &formData{Action: "/me/contact", Back: "/tasks", Fields: fields}, Checked: me.ContactCheckedAt}
	q.render(status, "tasks", p)
}

// taskDone completes one of the person's own tasks.
func (c *Console) taskDone(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	if err := c.Store.CompleteTask(q.r.Context(), q.sess.Actor, id); err != nil {
		q.fail(err)
		return
	}
	q.redirect("/tasks?saved=1")
}

// ownContact saves the person's own mobile, email and WeChat as checked
// now; bad input comes back beside its field with what was typed.
func (c *Console) ownContact(q *request) {
	f := q.r.PostForm
	own := poscare.OwnContact{Mobile: f.Get("mobile"), Email: f.Get("email"), WeChat: f.Get("wechat")}
	_, err := c.Store.ConfirmOwnContact(q.r.Context(), q.sess.Actor, own)
	switch {
	case err == nil:
		q.redirect("/tasks?saved=1")
	case poscare.ErrorCode(err) == poscare.EInvalid:
		c.renderTasks(q, &own, err)
	default:
		q.fail(err)
	}
}
