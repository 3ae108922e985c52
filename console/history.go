package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"poscare"
)

// change is one field that changed, in words.
type change struct {
	Field, From, To string
}

// entry is an audit entry made readable: who did what, when, and which
// fields went from what to what.
type entry struct {
	At      time.Time
	Who     string
	Action  string
	Entity  string
	ID      int64
	Changes []change
	Source  string
}

// hidden are bookkeeping fields a person does not need in a history.
var hidden = map[string]bool{"created_at": true, "updated_at": true, "id": true}

// namer turns the id in a person or team field into a name.
type namer func(field string, id int64) string

// personFields hold user ids; teamFields hold team ids.
var (
	personFields = map[string]bool{"account_manager_id": true, "backup_manager_id": true, "manager_id": true, "backup_id": true,
		"responsible_id": true, "completed_by_id": true, "lead_id": true, "removed_by": true}
	teamFields = map[string]bool{"team_id": true}
)

// valueKeys names the message prefix that translates a field's values.
var valueKeys = map[string][]string{
	"type": {"mtype"}, "fee_category": {"fee"}, "settlement_kind": {"settle"}, "status": {"mstatus", "tstatus"},
	"role": {"role", "crole"}, "preferred_channel": {"channel"}, "stage": {"stage"}, "lang": {"clang"},
}

// names resolves ids to names for histories, remembering what it looked up.
func (c *Console) names(q *request) namer {
	cache := map[string]string{}
	sys := poscare.SystemActor("console")
	return func(field string, id int64) string {
		key := fmt.Sprint(field, id)
		if n, ok := cache[key]; ok {
			return n
		}
		n := fmt.Sprint(id)
		if teamFields[field] {
			if t, err := c.Store.GetTeam(q.r.Context(), sys, id); err == nil {
				n = t.Name
			}
		} else if u, err := c.Store.GetUser(q.r.Context(), sys, id); err == nil {
			n = u.Name
		}
		cache[key] = n
		return n
	}
}

// readable turns audit entries into entries a person can read.
func readable(p *Page, es []poscare.AuditEntry, name namer) []entry {
	out := make([]entry, 0, len(es))
	for _, e := range es {
		r := entry{At: e.At, Who: e.ActorLogin, Action: p.T("action." + e.Action), Entity: poscare.EntityName(e.Entity).In(p.Lang), ID: e.EntityID, Source: e.Source}
		if r.Action == "action."+e.Action {
			r.Action = e.Action
		}
		r.Changes = diff(p, e.Before, e.After, name)
		out = append(out, r)
	}
	return out
}

// diff compares two JSON objects field by field. An archive entry wraps
// the record as {"reason", "record"}; its reason is shown as a change.
func diff(p *Page, before, after json.RawMessage, name namer) []change {
	var b, a map[string]any
	json.Unmarshal(before, &b)
	json.Unmarshal(after, &a)
	if rec, ok := a["record"].(map[string]any); ok {
		out := []change{{Field: p.T("common.reason"), To: fmt.Sprint(a["reason"])}}
		_ = rec
		return out
	}
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		if !hidden[k] {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var out []change
	for _, k := range names {
		from, to := showField(p, k, b[k], name), showField(p, k, a[k], name)
		if from == to {
			continue
		}
		out = append(out, change{Field: p.Field(k), From: from, To: to})
	}
	return out
}

// showField renders a field's value for a person: names for ids, labels
// for enumerated values, everything else as show does.
func showField(p *Page, field string, v any, name namer) string {
	if id, ok := v.(float64); ok && (personFields[field] || teamFields[field]) && name != nil {
		return name(field, int64(id))
	}
	if s, ok := v.(string); ok {
		for _, prefix := range valueKeys[field] {
			if t := translate(p.Lang, prefix+"."+s); t != prefix+"."+s {
				return t
			}
		}
	}
	return show(v)
}

// show renders a JSON value compactly: channels as "phone 138…", lists
// joined, objects as JSON.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprint(int64(x))
		}
		return fmt.Sprint(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, item := range x {
			if m, ok := item.(map[string]any); ok && m["name"] != nil && m["channels"] != nil {
				parts = append(parts, fmt.Sprintf("%v（%s）", m["name"], show(m["channels"])))
				continue
			}
			if m, ok := item.(map[string]any); ok && m["kind"] != nil && m["value"] != nil {
				parts = append(parts, fmt.Sprintf("%v %v", m["kind"], m["value"]))
				continue
			}
			if m, ok := item.(map[string]any); ok && m["stage"] != nil {
				done := ""
				if m["completed_at"] != nil {
					done = " ✓"
				}
				parts = append(parts, fmt.Sprintf("%v%s", m["stage"], done))
				continue
			}
			parts = append(parts, show(item))
		}
		return strings.Join(parts, "、")
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		return strings.TrimSpace(buf.String())
	}
}

// historyData is the history page of one record.
type historyData struct {
	Entity  string
	ID      int64
	Back    string
	Entries []entry
}

// history shows a record's audit trail to anyone who may see the record.
func (c *Console) history(q *request) {
	entity := q.r.PathValue("entity")
	id, ok := q.id("id")
	if !ok {
		return
	}
	ctx, a := q.r.Context(), q.sess.Actor
	var err error
	back := "/"
	switch entity {
	case poscare.EntityMerchant:
		_, err = c.Store.GetMerchant(ctx, a, id)
		back = fmt.Sprintf("/merchants/%d", id)
	case poscare.EntityContact:
		var ct *poscare.Contact
		if ct, err = c.Store.GetContact(ctx, a, id); err == nil {
			back = fmt.Sprintf("/merchants/%d", ct.MerchantID)
		}
	case poscare.EntityTerminal:
		_, err = c.Store.GetTerminal(ctx, a, id)
		back = fmt.Sprintf("/terminals/%d", id)
	case poscare.EntityApplication:
		_, err = c.Store.GetApplication(ctx, a, id)
	case poscare.EntityContract:
		_, err = c.Store.GetContract(ctx, a, id)
	case poscare.EntityUser:
		_, err = c.Store.GetUser(ctx, a, id)
		back = "/staff"
	default:
		err = poscare.NotFound(entity)
	}
	if err != nil {
		q.fail(err)
		return
	}
	es, err := c.Store.AuditEntries(ctx, poscare.AuditFilter{Entity: entity, EntityID: id, Page: poscare.Page{Limit: 200}})
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", nil)
	p.Title = p.T("history.title") + " · " + poscare.EntityName(entity).In(p.Lang) + " " + fmt.Sprint(id)
	p.Data = &historyData{Entity: entity, ID: id, Back: back, Entries: readable(p, es, c.names(q))}
	q.render(http.StatusOK, "history", p)
}
