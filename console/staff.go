package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"poscare"
	"poscare/sqlstore"
)

func roleOptions(p *Page) []option {
	var out []option
	for _, r := range poscare.Roles {
		out = append(out, option{string(r), p.Enum("role", r)})
	}
	return out
}

func userFields(p *Page, u *poscare.User, users []*poscare.User, teams []*poscare.Team, withPassword bool) []field {
	all := []option{{"", p.T("common.none")}}
	for _, x := range users {
		if x.Role.IsStaff() && x.ID != u.ID {
			all = append(all, option{idStr(x.ID), x.Name + "（" + p.Enum("role", x.Role) + "）"})
		}
	}
	fs := []field{
		{Name: "login", Label: p.Field("login"), Kind: "text", Value: u.Login, Required: true},
		{Name: "name", Label: p.Field("name"), Kind: "text", Value: u.Name, Required: true},
		{Name: "role", Label: p.Field("role"), Kind: "select", Value: string(u.Role), Options: roleOptions(p)},
		{Name: "status", Label: p.Field("status"), Kind: "select", Value: string(u.Status), Options: enumOptions(p, "ustatus", "active", "disabled")},
		{Name: "team_id", Label: p.Field("team_id"), Kind: "select", Value: ptrStr(u.TeamID), Options: append([]option{{"", p.T("common.none")}}, teamOptions(teams)...)},
		{Name: "manager_id", Label: p.Field("manager_id"), Kind: "select", Value: ptrStr(u.ManagerID), Options: all},
		{Name: "backup_id", Label: p.Field("backup_id"), Kind: "select", Value: ptrStr(u.BackupID), Options: all},
		{Name: "merchant_id", Label: p.Field("merchant_id") + " ID", Kind: "number", Value: ptrStr(u.MerchantID)},
		{Name: "mobile", Label: p.Field("mobile"), Kind: "text", Value: u.Mobile},
		{Name: "email", Label: p.Field("email"), Kind: "text", Value: u.Email},
		{Name: "wechat", Label: p.Field("wechat"), Kind: "text", Value: u.WeChat},
	}
	if withPassword {
		fs = append(fs, field{Name: "password", Label: p.Field("password"), Kind: "password", Required: true})
	}
	return fs
}

func bindUser(f url.Values, u *poscare.User) {
	u.Login, u.Name = f.Get("login"), f.Get("name")
	u.Role, u.Status = poscare.Role(f.Get("role")), poscare.UserStatus(f.Get("status"))
	u.TeamID, u.ManagerID, u.BackupID, u.MerchantID = parseIDPtr(f.Get("team_id")), parseIDPtr(f.Get("manager_id")), parseIDPtr(f.Get("backup_id")), parseIDPtr(f.Get("merchant_id"))
	u.Mobile, u.Email, u.WeChat = strings.TrimSpace(f.Get("mobile")), strings.TrimSpace(f.Get("email")), strings.TrimSpace(f.Get("wechat"))
}

// userForm creates (with a first password) or edits a user; admins only,
// as the store decides.
func (c *Console) userForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	u := &poscare.User{Role: poscare.RoleAgent, Status: poscare.UserActive}
	action := "/staff/new"
	if q.r.PathValue("id") != "" {
		id, ok := q.id("id")
		if !ok {
			return
		}
		var err error
		if u, err = c.Store.GetUser(ctx, a, id); err != nil {
			q.fail(err)
			return
		}
		action = fmt.Sprintf("/staff/%d/edit", id)
	}
	if !a.Can(poscare.EntityUser, poscare.ActUpdate) {
		q.fail(poscare.Forbidden())
		return
	}
	p := q.page("", nil)
	p.Title = p.T("staff.new")
	if u.ID != 0 {
		p.Title = p.T("staff.edit") + " · " + u.Name
	}
	users, _ := c.Store.ListUsers(ctx, a, sqlstore.UserFilter{Page: poscare.Page{Limit: 500}})
	teams, _ := c.Store.ListTeams(ctx, a, false, poscare.Page{Limit: 500})
	if q.r.Method == http.MethodPost {
		bindUser(q.r.PostForm, u)
		var err error
		if u.ID == 0 {
			err = c.Store.CreateUser(ctx, a, u, q.r.PostForm.Get("password"))
		} else {
			err = c.Store.UpdateUser(ctx, a, u)
		}
		if err == nil {
			q.redirect("/staff?saved=1")
			return
		}
		fields := userFields(p, u, users, teams, u.ID == 0)
		if !problems(p, fields, err) {
			q.fail(err)
			return
		}
		q.formPage(p, action, "/staff", fields)
		return
	}
	q.formPage(p, action, "/staff", userFields(p, u, users, teams, u.ID == 0))
}

// teamForm creates or edits a sales team.
func (c *Console) teamForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	tm := &poscare.Team{}
	action := "/teams/new"
	if q.r.PathValue("id") != "" {
		id, ok := q.id("id")
		if !ok {
			return
		}
		var err error
		if tm, err = c.Store.GetTeam(ctx, a, id); err != nil {
			q.fail(err)
			return
		}
		action = fmt.Sprintf("/teams/%d/edit", id)
	}
	if !a.Can(poscare.EntityTeam, poscare.ActUpdate) {
		q.fail(poscare.Forbidden())
		return
	}
	p := q.page("", nil)
	p.Title = p.T("team.new")
	if tm.ID != 0 {
		p.Title = p.T("team.edit") + " · " + tm.Name
	}
	users, _ := c.Store.ListUsers(ctx, a, sqlstore.UserFilter{Role: poscare.RoleLead, Page: poscare.Page{Limit: 500}})
	fields := func() []field {
		leads := []option{{"", p.T("common.none")}}
		for _, u := range users {
			leads = append(leads, option{idStr(u.ID), u.Name})
		}
		return []field{
			{Name: "name", Label: p.Field("name"), Kind: "text", Value: tm.Name, Required: true},
			{Name: "lead_id", Label: p.Field("lead_id"), Kind: "select", Value: ptrStr(tm.LeadID), Options: leads},
		}
	}
	if q.r.Method == http.MethodPost {
		tm.Name, tm.LeadID = q.r.PostForm.Get("name"), parseIDPtr(q.r.PostForm.Get("lead_id"))
		var err error
		if tm.ID == 0 {
			err = c.Store.CreateTeam(ctx, a, tm)
		} else {
			err = c.Store.UpdateTeam(ctx, a, tm)
		}
		if err == nil {
			q.redirect("/staff?saved=1")
			return
		}
		fs := fields()
		if !problems(p, fs, err) {
			q.fail(err)
			return
		}
		q.formPage(p, action, "/staff", fs)
		return
	}
	q.formPage(p, action, "/staff", fields())
}

// statusForm changes a staff member's work status with a reason; leave
// needs a cover and a return date. Leads may do this for their team, ops
// and admins for anyone, as the store decides.
func (c *Console) statusForm(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	u, ok := c.staffMember(q)
	if !ok {
		return
	}
	if err := declaredAlready(u); err != nil {
		q.fail(err)
		return
	}
	id := u.ID
	p := q.page("", nil)
	p.Title = p.T("staff.status.change") + " · " + u.Name
	users, _ := c.Store.ListUsers(ctx, a, sqlstore.UserFilter{Page: poscare.Page{Limit: 500}})
	change := poscare.StatusChange{Status: u.Status, CoverID: u.CoverID, AwayUntil: u.AwayUntil}
	fields := func() []field {
		var statuses, covers []option
		for _, s := range poscare.UserStatuses {
			// Missing and departed come only from the playbook, which
			// hands everything over; the hint points there.
			if (s == poscare.UserMissing || s == poscare.UserDeparted) && s != u.Status {
				continue
			}
			statuses = append(statuses, option{string(s), p.Enum("ustatus", s)})
		}
		covers = append(covers, option{"", p.T("common.none")})
		for _, x := range users {
			if x.Available() && x.Role.IsStaff() && x.ID != u.ID {
				covers = append(covers, option{idStr(x.ID), x.Name})
			}
		}
		until := ""
		if change.AwayUntil != nil {
			until = string(*change.AwayUntil)
		}
		return []field{
			{Name: "status", Label: p.Field("status"), Kind: "select", Value: string(change.Status), Options: statuses, Hint: p.T("staff.status.playbook")},
			{Name: "reason", Label: p.Field("reason"), Kind: "text", Value: change.Reason, Required: true},
			{Name: "cover_id", Label: p.Field("cover_id"), Kind: "select", Value: ptrStr(change.CoverID), Options: covers},
			{Name: "away_until", Label: p.Field("away_until"), Kind: "date", Value: until},
		}
	}
	action := fmt.Sprintf("/staff/%d/status", id)
	if q.r.Method == http.MethodPost {
		f := q.r.PostForm
		change = poscare.StatusChange{Status: poscare.UserStatus(f.Get("status")), Reason: f.Get("reason"), CoverID: parseIDPtr(f.Get("cover_id"))}
		if d := strings.TrimSpace(f.Get("away_until")); d != "" {
			dd := poscare.Date(d)
			change.AwayUntil = &dd
		}
		if _, err := c.Store.SetUserStatus(ctx, a, id, change); err == nil {
			q.redirect("/staff?saved=1")
			return
		} else if fs := fields(); problems(p, fs, err) {
			q.formPage(p, action, "/staff", fs)
			return
		} else {
			q.fail(err)
			return
		}
	}
	q.formPage(p, action, "/staff", fields())
}

// removalsData is what a person archived or removed in the chosen days.
type removalsData struct {
	Person   *poscare.User
	Days     int
	DayList  []int
	Since    string // RFC 3339, for the undo form
	Items    []removalRow
	Restored string
	// ConfirmAll asks before every row is restored at once.
	ConfirmAll  bool
	ConfirmText string
	Error       string
}

// removalRow is one removal with the value of its checkbox.
type removalRow struct {
	sqlstore.Removal
	Ref string
}

// removalRef is the checkbox value naming a removal: "merchant:12",
// "contact:5", or "contact:5:7" for a contact's removed detail 7.
func removalRef(r sqlstore.Removal) string {
	if r.Channel != nil {
		return fmt.Sprintf("%s:%d:%d", r.Entity, r.ID, r.Channel.ID)
	}
	return fmt.Sprintf("%s:%d", r.Entity, r.ID)
}

// parseRemovalRef reads a checkbox value back; ok is false for anything
// removalRef does not write.
func parseRemovalRef(s string) (sqlstore.RemovalRef, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 || (parts[0] != poscare.EntityMerchant && parts[0] != poscare.EntityContact) {
		return sqlstore.RemovalRef{}, false
	}
	r := sqlstore.RemovalRef{Entity: parts[0], ID: parseID(parts[1])}
	if len(parts) == 3 {
		if parts[0] != poscare.EntityContact {
			return sqlstore.RemovalRef{}, false
		}
		r.ChannelID = parseID(parts[2])
		if r.ChannelID <= 0 {
			return sqlstore.RemovalRef{}, false
		}
	}
	return r, r.ID > 0
}

// removals shows a lead what a person archived or removed and is still
// out of use, with their reasons, and undoes the rows ticked or, after a
// confirm step, all of them.
func (c *Console) removals(q *request) {
	ctx, a := q.r.Context(), q.sess.Actor
	u, ok := c.staffMember(q)
	if !ok {
		return
	}
	id := u.ID
	d := &removalsData{Person: u, Days: 7, DayList: []int{1, 7, 30, 90}, Restored: q.r.URL.Query().Get("restored")}
	days := q.r.URL.Query().Get("days")
	if q.r.Method == http.MethodPost {
		days = q.r.PostForm.Get("days")
	}
	if n, err := strconv.Atoi(days); err == nil && slices.Contains(d.DayList, n) {
		d.Days = n
	}
	if q.r.Method == http.MethodPost {
		f := q.r.PostForm
		since, err := time.Parse(time.RFC3339, f.Get("since"))
		if err != nil {
			q.fail(poscare.Fail(poscare.EInvalid, "sf.removals.bad_since"))
			return
		}
		var n int
		switch f.Get("which") {
		case "all":
			if f.Get("confirm") != "1" {
				// Restoring everything is asked once more, on its own step.
				q.redirect(fmt.Sprintf("/staff/%d/removals?days=%d&confirm=all#confirm-all", id, d.Days))
				return
			}
			n, err = c.Store.RestoreRemovals(ctx, a, id, since)
		default:
			var chosen []sqlstore.RemovalRef
			for _, v := range f["row"] {
				if r, ok := parseRemovalRef(v); ok {
					chosen = append(chosen, r)
				}
			}
			n, err = c.Store.RestoreChosenRemovals(ctx, a, id, since, chosen)
			if poscare.ErrorCode(err) == poscare.EInvalid {
				d.Error = poscare.Say(q.sess.Lang, "sf.removals.none")
				err = nil
				n = -1
			}
		}
		if err != nil {
			q.fail(err)
			return
		}
		if n >= 0 {
			q.redirect(fmt.Sprintf("/staff/%d/removals?days=%d&restored=%d", id, d.Days, n))
			return
		}
	}
	d.ConfirmAll = q.r.Method == http.MethodGet && q.r.URL.Query().Get("confirm") == "all"
	since := time.Now().Add(-time.Duration(d.Days) * 24 * time.Hour).Truncate(time.Second)
	d.Since = since.Format(time.RFC3339)
	items, err := c.Store.Removals(ctx, a, id, since)
	if err != nil {
		q.fail(err)
		return
	}
	for _, r := range items {
		d.Items = append(d.Items, removalRow{Removal: r, Ref: removalRef(r)})
	}
	p := q.page("", d)
	p.Title = p.T("removals.title") + " · " + u.Name
	d.ConfirmText = poscare.Say(p.Lang, "sf.removals.confirm.text", "n", len(d.Items), "person", u.Name)
	status := http.StatusOK
	if d.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	q.render(status, "removals", p)
}

// staffMember loads the {id} person the actor may see, or answers with
// the error and returns false.
func (c *Console) staffMember(q *request) (*poscare.User, bool) {
	id, ok := q.id("id")
	if !ok {
		return nil, false
	}
	u, err := c.Store.GetUser(q.r.Context(), q.sess.Actor, id)
	if err != nil {
		q.fail(err)
		return nil, false
	}
	return u, true
}
