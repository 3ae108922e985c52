package console

import (
	"fmt"
	"net/http"

	"poscare"
)

// incidentRow is an incident with the name of its person, for lists.
type incidentRow struct {
	X    *poscare.Incident
	Name string
	Done int
}

func doneCount(x *poscare.Incident) int {
	n := 0
	for _, c := range x.Checklist {
		if c.Done != nil {
			n++
		}
	}
	return n
}

func (c *Console) incidentList(q *request) {
	xs, err := c.Store.ListIncidents(q.r.Context(), q.sess.Actor, false, poscare.Page{Limit: 100})
	if err != nil {
		q.fail(err)
		return
	}
	name := c.names(q)
	rows := make([]incidentRow, len(xs))
	for i, x := range xs {
		rows[i] = incidentRow{X: x, Name: name("user_id", x.UserID), Done: doneCount(x)}
	}
	p := q.page("", rows)
	p.Title = p.T("incident.title")
	q.render(http.StatusOK, "incidents", p)
}

// incidentData is one incident's page.
type incidentData struct {
	X     *poscare.Incident
	Name  string
	Done  int
	Risk  []entry
	Names map[int64]string
}

func (c *Console) incidentDetail(q *request) {
	id, ok := q.id("id")
	if !ok {
		return
	}
	ctx, a := q.r.Context(), q.sess.Actor
	if q.r.Method == http.MethodPost {
		if _, err := c.Store.CheckIncident(ctx, a, id, q.r.PostForm.Get("item"), q.r.PostForm.Get("notes")); err != nil {
			q.fail(err)
			return
		}
		q.redirect(fmt.Sprintf("/incidents/%d?saved=1", id))
		return
	}
	x, err := c.Store.GetIncident(ctx, a, id)
	if err != nil {
		q.fail(err)
		return
	}
	name := c.names(q)
	p := q.page("", nil)
	d := &incidentData{X: x, Name: name("user_id", x.UserID), Done: doneCount(x), Names: map[int64]string{}}
	for _, e := range x.Timeline {
		d.Names[e.ByID] = name("user_id", e.ByID)
	}
	if x.Risk != nil {
		es := x.Risk.Entries
		if len(es) > 30 {
			es = es[:30]
		}
		d.Risk = readable(p, es, name)
	}
	p.Title = p.T("incident.title") + " · " + d.Name
	p.Data = d
	q.render(http.StatusOK, "incident", p)
}

// declareForm runs the emergency playbook from the console: one action.
func (c *Console) declareForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	id, ok := q.id("id")
	if !ok {
		return
	}
	u, err := c.Store.GetUser(ctx, a, id)
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", nil)
	p.Title = p.T("incident.declare") + " · " + u.Name
	d := poscare.Declaration{Kind: poscare.IncidentMissing, Strategy: poscare.StrategyBackup}
	fields := func() []field {
		return []field{
			{Name: "kind", Label: p.Field("kind"), Kind: "select", Value: string(d.Kind), Options: enumOptions(p, "incident", "missing", "departed")},
			{Name: "strategy", Label: p.Field("strategy"), Kind: "select", Value: string(d.Strategy), Options: enumOptions(p, "strategy", "backup", "spread")},
			{Name: "reason", Label: p.Field("reason"), Kind: "text", Value: d.Reason, Required: true},
		}
	}
	action := fmt.Sprintf("/staff/%d/declare", id)
	if q.r.Method == http.MethodPost {
		f := q.r.PostForm
		d = poscare.Declaration{Kind: poscare.IncidentKind(f.Get("kind")), Strategy: poscare.Strategy(f.Get("strategy")), Reason: f.Get("reason")}
		x, err := c.Store.DeclareIncident(ctx, a, id, d)
		if err == nil {
			q.redirect(fmt.Sprintf("/incidents/%d?saved=1", x.ID))
			return
		}
		if fs := fields(); problems(p, fs, err) {
			q.formPage(p, action, "/staff", fs)
			return
		}
		q.fail(err)
		return
	}
	q.formPage(p, action, "/staff", fields())
}

// continuity is the continuity dashboard: the gaps through which a
// merchant could be left alone.
func (c *Console) continuity(q *request) {
	st, err := c.Store.ContinuityStatus(q.r.Context(), q.sess.Actor)
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", st)
	p.Title = p.T("continuity.title")
	q.render(http.StatusOK, "continuity", p)
}
