package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"poscare"
)

// The audit trail's pages beside the record histories: its export.
var _ = registerPages("audit", func(c *Console, m *http.ServeMux) {
	m.Handle("GET /audit/export", c.handler(true, c.auditExport))
})

// val is a value in words, with the address of the record it names.
type val struct {
	Text, Link string
}

// change is one field of an entry in words: what it was and what it
// became (From is empty for a new value), or, for a structured value, its
// parts as sub-rows.
type change struct {
	Field    string
	From, To val
	Was      bool // From holds the old value (an update, not a new value)
	Sub      []change
}

// entry is an audit entry made readable: who did what to which record,
// when, and which fields went from what to what.
type entry struct {
	At      time.Time
	Who     val
	Login   string
	Action  string
	Kind    string // the kind of record
	Entity  string // the kind of record, in words
	ID      int64
	Record  val // the record, named and linked
	Changes []change
	Source  string
}

// namer turns the id in a person or team field into a name.
type namer func(field string, id int64) string

// names resolves user and team ids to names one at a time, remembering
// what it looked up (for pages that name a few people).
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

// Fields that name another record, by the kind of record they name.
var (
	personFields = map[string]bool{"account_manager_id": true, "backup_manager_id": true, "manager_id": true, "backup_id": true,
		"responsible_id": true, "completed_by_id": true, "lead_id": true, "removed_by": true, "cover_id": true, "user_id": true, "by_id": true,
		"assignee_id": true, "about_user_id": true, "opened_by": true, "approved_by": true, "updated_by": true}
	teamFields = map[string]bool{"team_id": true}
)

// refKind is the kind of record a field names, or "".
func refKind(field string) string {
	switch {
	case personFields[field]:
		return poscare.EntityUser
	case teamFields[field]:
		return poscare.EntityTeam
	case field == "merchant_id":
		return poscare.EntityMerchant
	case field == "incident_id":
		return poscare.EntityIncident
	}
	return ""
}

// link is the console address of a record, or "" for kinds without a page.
func link(kind string, id int64) string {
	switch kind {
	case poscare.EntityMerchant:
		return fmt.Sprintf("/merchants/%d", id)
	case poscare.EntityTerminal:
		return fmt.Sprintf("/terminals/%d", id)
	case poscare.EntityIncident:
		return fmt.Sprintf("/incidents/%d", id)
	case poscare.EntityUser, poscare.EntityContact, poscare.EntityContract, poscare.EntityApplication:
		return fmt.Sprintf("/history/%s/%d", kind, id)
	}
	return ""
}

// book names the records a page of entries refers to: it collects every
// id first, then looks each kind up in one batch.
type book struct {
	want  map[string][]int64
	names map[string]map[int64]string
}

func newBook() *book {
	return &book{want: map[string][]int64{}, names: map[string]map[int64]string{}}
}

func (b *book) ask(kind string, id int64) {
	if kind != "" && id > 0 && !slices.Contains(b.want[kind], id) {
		b.want[kind] = append(b.want[kind], id)
	}
}

// collect asks for every record the entries name: the records, their
// actors, and every field that holds another record's id.
func (b *book) collect(es []poscare.AuditEntry) {
	var walk func(field string, v any)
	walk = func(field string, v any) {
		switch x := v.(type) {
		case obj:
			for _, f := range x {
				walk(f.K, f.V)
			}
		case []any:
			for _, item := range x {
				walk(field, item)
			}
		case json.Number:
			if id, err := x.Int64(); err == nil {
				b.ask(refKind(field), id)
			}
		}
	}
	for _, e := range es {
		b.ask(e.Entity, e.EntityID)
		b.ask(poscare.EntityUser, e.ActorID)
		walk("", decode(e.Before))
		walk("", decode(e.After))
	}
}

// lookup names what collect asked for, one statement per kind.
func (b *book) lookup(ctx context.Context, c *Console) error {
	for kind, ids := range b.want {
		names, err := c.Store.RecordNames(ctx, kind, ids)
		if err != nil {
			return err
		}
		b.names[kind] = names
	}
	return nil
}

func (b *book) name(kind string, id int64) string { return b.names[kind][id] }

// obj is a JSON object with its fields in the order they were written.
type obj []kv

type kv struct {
	K string
	V any
}

func (o obj) get(k string) (any, bool) {
	for _, f := range o {
		if f.K == k {
			return f.V, true
		}
	}
	return nil, false
}

// decode reads a JSON value keeping the order of object fields; numbers
// stay json.Number. A value that does not parse is nil.
func decode(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	v, err := decodeValue(d)
	if err != nil {
		return nil
	}
	return v
}

func decodeValue(d *json.Decoder) (any, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		o := obj{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			o = append(o, kv{fmt.Sprint(k), v})
		}
		_, err := d.Token()
		return o, err
	case json.Delim('['):
		a := []any{}
		for d.More() {
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := d.Token()
		return a, err
	}
	return t, nil
}

// same reports whether two decoded values are equal.
func same(a, b any) bool {
	ja, _ := json.Marshal(plain(a))
	jb, _ := json.Marshal(plain(b))
	return bytes.Equal(ja, jb)
}

func plain(v any) any {
	switch x := v.(type) {
	case obj:
		m := map[string]any{}
		for _, f := range x {
			m[f.K] = plain(f.V)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = plain(item)
		}
		return out
	}
	return v
}

// viewer renders entries in a page's language, naming records from a book.
type viewer struct {
	p    *Page
	b    *book
	kind string // the kind of record whose fields are being read
	// gained: a field absent before is shown as a new value.
	gained bool
}

// hidden are bookkeeping fields a person does not need in a history.
var hidden = map[string]bool{"created_at": true, "updated_at": true, "id": true, "title_en": true}

// readable turns audit entries into entries a person can read, naming
// people and teams with name (for pages that show a few entries).
func readable(p *Page, es []poscare.AuditEntry, name namer) []entry {
	b := newBook()
	b.collect(es)
	for _, kind := range []string{poscare.EntityUser, poscare.EntityTeam} {
		b.names[kind] = map[int64]string{}
		field := "user_id"
		if kind == poscare.EntityTeam {
			field = "team_id"
		}
		for _, id := range b.want[kind] {
			b.names[kind][id] = name(field, id)
		}
	}
	return render(p, b, es)
}

// readableAll turns a page of entries into entries a person can read,
// naming every record they refer to in one look-up per kind.
func (c *Console) readableAll(ctx context.Context, p *Page, es []poscare.AuditEntry) ([]entry, error) {
	b := newBook()
	b.collect(es)
	if err := b.lookup(ctx, c); err != nil {
		return nil, err
	}
	return render(p, b, es), nil
}

func render(p *Page, b *book, es []poscare.AuditEntry) []entry {
	out := make([]entry, 0, len(es))
	for _, e := range es {
		v := &viewer{p: p, b: b, kind: e.Entity}
		r := entry{Kind: e.Entity, At: e.At, Login: e.ActorLogin, Action: v.action(e.Action), Entity: capital(p.Lang, poscare.EntityName(e.Entity).In(p.Lang)),
			ID: e.EntityID, Source: v.source(e.Source), Changes: v.changes(e)}
		switch {
		case e.ActorID == 0:
			r.Who, r.Login = val{Text: p.T("au.system")}, ""
		case e.ActorLogin == e.Source:
			// A tool acting for someone (the demo seeder) signs with its
			// own name, which its source already says in words.
			r.Who, r.Login = v.ref(poscare.EntityUser, e.ActorID), ""
		default:
			r.Who = v.ref(poscare.EntityUser, e.ActorID)
		}
		if e.EntityID > 0 {
			r.Record = v.ref(e.Entity, e.EntityID)
		}
		out = append(out, r)
	}
	return out
}

// action names an audit action.
func (v *viewer) action(a string) string {
	if t := v.p.T("action." + a); t != "action."+a {
		return t
	}
	return a
}

// sources name the system's own sources of changes; a person's source is
// the address they came from.
var sources = map[string]string{"console": "au.src.console", "demo": "au.src.demo", "cli": "au.src.cli", "silence": "au.src.silence",
	"outbox": "au.src.outbox", "resume": "au.src.resume", "import": "au.src.import", "dashboard": "au.src.dashboard"}

func (v *viewer) source(s string) string {
	if k, ok := sources[s]; ok {
		return v.p.T(k)
	}
	return s
}

// ref names a record and links to it if the reader may open it; a record
// that is gone keeps its kind and number.
func (v *viewer) ref(kind string, id int64) val {
	n := v.b.name(kind, id)
	if n == "" {
		n = poscare.EntityName(kind).In(v.p.Lang) + " #" + fmt.Sprint(id)
	}
	// A link the reader may not follow (an agent and an incident) would
	// only lead to a refusal.
	if !v.p.Actor.Can(kind, poscare.ActRead) {
		return val{Text: n}
	}
	return val{Text: n, Link: link(kind, id)}
}

// changes reads an entry: an archive or a restore says why; a declaration
// says what became of the person and what was handed over; a record's
// first entry (and any entry without a before) shows its values; an
// update shows what changed.
func (v *viewer) changes(e poscare.AuditEntry) []change {
	before, after := decode(e.Before), decode(e.After)
	bo, _ := before.(obj)
	ao, _ := after.(obj)
	if _, ok := ao.get("record"); ok {
		reason, _ := ao.get("reason")
		return []change{{Field: v.p.T("common.reason"), To: v.value("reason", reason)}}
	}
	if user, ok := ao.get("user"); ok {
		uo, _ := user.(obj)
		w := &viewer{p: v.p, b: v.b, kind: poscare.EntityUser}
		out := w.diff(bo, uo)
		if id, ok := ao.get("incident_id"); ok {
			out = append(out, change{Field: v.label("incident_id"), To: v.value("incident_id", id)})
		}
		if h, ok := ao.get("handed_over"); ok {
			ho, _ := h.(obj)
			out = append(out, change{Field: v.label("handed_over"), Sub: v.fresh(ho)})
		}
		return out
	}
	if e.Action == "remove_channel" || e.Action == "restore_channel" {
		out := []change{{Field: v.label("removed_channels"), To: val{Text: v.channel(bo)}}}
		return append(out, v.fresh(ao)...)
	}
	if ba, ok := before.([]any); ok {
		if aa, ok := after.([]any); ok {
			return v.diffList(ba, aa)
		}
	}
	if before == nil {
		switch x := after.(type) {
		case obj:
			return v.fresh(x)
		case []any:
			return v.freshList(x)
		}
		return nil
	}
	return v.diff(bo, ao)
}

// worded puts a field's recorded message (the field "X_msg", a catalog
// message encoded) in place of its recorded words ("X", written in one
// language), in the reader's language.
func (v *viewer) worded(o obj) obj {
	out := make(obj, 0, len(o))
	for _, f := range o {
		if s, ok := f.V.(string); ok && strings.HasSuffix(f.K, "_msg") && strings.HasPrefix(s, `{"key":`) {
			continue
		}
		if m, ok := o.get(f.K + "_msg"); ok {
			if s, ok := m.(string); ok && strings.HasPrefix(s, `{"key":`) {
				f.V = poscare.DecodeMsg(s).In(v.p.Lang)
			}
		}
		out = append(out, f)
	}
	return out
}

// fresh shows the values of a new record (or a new part of one), leaving
// out empty ones.
func (v *viewer) fresh(o obj) []change {
	var out []change
	o = v.worded(o)
	for _, f := range o {
		if hidden[f.K] || empty(f.V) {
			continue
		}
		out = append(out, v.one(f.K, nil, f.V, false))
	}
	return out
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case obj:
		return len(x) == 0
	}
	return false
}

// diff shows the fields that changed between two versions of a record.
func (v *viewer) diff(b, a obj) []change {
	b, a = v.worded(b), v.worded(a)
	var keys []string
	for _, f := range a {
		keys = append(keys, f.K)
	}
	for _, f := range b {
		if !slices.Contains(keys, f.K) {
			keys = append(keys, f.K)
		}
	}
	var out []change
	for _, k := range keys {
		if hidden[k] {
			continue
		}
		bv, had := b.get(k)
		av, _ := a.get(k)
		if same(bv, av) {
			continue
		}
		// The incident a handover belongs to is its context, not a change.
		out = append(out, v.one(k, bv, av, had || !v.gained && k != "incident_id"))
	}
	return out
}

// one renders one field: a structured value as sub-rows, a plain one as
// its old and new value in words.
func (v *viewer) one(k string, bv, av any, was bool) change {
	c := change{Field: v.label(k), Was: was}
	if kind, ok := subKinds[k]; ok {
		w := *v
		w.kind = kind
		v = &w
	}
	bo, bIsObj := bv.(obj)
	ao, aIsObj := av.(obj)
	switch {
	case aIsObj && bIsObj:
		c.Sub = v.diff(bo, ao)
		return c
	case aIsObj && (bv == nil || !was):
		c.Sub = v.fresh(ao)
		return c
	}
	ba, _ := bv.([]any)
	aa, _ := av.([]any)
	if structured(aa) || structured(ba) {
		if was {
			c.Sub = v.diffList(ba, aa)
		} else {
			c.Sub = v.freshList(aa)
		}
		c.Was = false
		return c
	}
	c.To = v.value(k, av)
	if was {
		c.From = v.value(k, bv)
	}
	return c
}

// structured reports whether a list holds records shown as sub-rows
// (stages, documents, checklist items) rather than a line of words
// (channels).
func structured(l []any) bool {
	for _, item := range l {
		o, ok := item.(obj)
		if !ok {
			return false
		}
		if _, isChannel := o.get("value"); isChannel {
			return false
		}
	}
	return len(l) > 0
}

// part splits an item of a structured list into its name (the stage, the
// checklist item, the document) and its other fields.
func (v *viewer) part(o obj) (string, obj) {
	for _, k := range []string{"stage", "item", "kind"} {
		if x, ok := o.get(k); ok {
			var rest obj
			for _, f := range o {
				if f.K != k {
					rest = append(rest, f)
				}
			}
			name := v.value(k, x).Text
			if t, ok := poscare.DocumentNames[fmt.Sprint(x)]; ok && k == "kind" {
				name = t.In(v.p.Lang)
			}
			return name, rest
		}
	}
	return "", o
}

func (v *viewer) freshList(l []any) []change {
	var out []change
	for _, item := range l {
		o, _ := item.(obj)
		name, rest := v.part(o)
		out = append(out, change{Field: name, Sub: v.fresh(rest)})
	}
	return out
}

// diffList shows the items of a structured list that changed, matched by
// their names.
func (v *viewer) diffList(b, a []any) []change {
	old := map[string]obj{}
	for _, item := range b {
		o, _ := item.(obj)
		name, rest := v.part(o)
		old[name] = rest
	}
	var out []change
	for _, item := range a {
		o, _ := item.(obj)
		name, rest := v.part(o)
		prev, had := old[name]
		if had && same(prev, rest) {
			continue
		}
		if !had {
			out = append(out, change{Field: name, Sub: v.fresh(rest)})
			continue
		}
		// A field an item gains (a stage's completion, a checklist
		// item's notes) is a new value, not a change from none.
		w := *v
		w.gained = true
		out = append(out, change{Field: name, Sub: w.diff(prev, rest)})
	}
	return out
}

// label names a field in the page's language.
func (v *viewer) label(k string) string {
	if key, ok := extraFields[k]; ok {
		return capital(v.p.Lang, v.p.T(key))
	}
	return v.p.Field(k)
}

// capital starts an English label with a capital letter, as Page.Field
// does.
func capital(lang, s string) string {
	if lang == "en" && s != "" {
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// extraFields are the parts of recorded values that are no form's fields.
var extraFields = map[string]string{
	"credit_rate_e5": "au.f.credit_rate", "debit_rate_e5": "au.f.debit_rate", "debit_cap_fen": "au.f.debit_cap", "qr_rate_e5": "au.f.qr_rate",
	"handed_over": "au.f.handed_over", "merchants": "au.f.merchants", "backup_roles": "au.f.backup_roles",
	"application_stages": "au.f.application_stages", "staff_backups": "au.f.staff_backups", "tasks": "au.f.tasks",
	"notifications_queued": "au.f.notifications_queued", "merchants_without_contact": "au.f.merchants_without_contact",
	"incident_id": "au.f.incident_id", "completed_by_id": "au.f.completed_by", "done": "au.f.done", "by_id": "au.f.by", "received": "au.f.received",
	"removed_at": "au.f.removed_at", "removed_by": "au.f.removed_by", "removed_reason": "au.f.removed_reason",
	"title": "au.f.title", "archived": "au.f.archived", "at": "au.f.at", "rows": "au.f.rows", "filters": "au.f.filters",
	"file": "au.f.file", "sha256": "au.f.sha256", "value": "au.f.value", "contacts": "merchant.contacts",
	"action": "common.action", "entity": "au.kind", "entity_id": "common.id", "from": "au.filter.from", "to": "au.filter.to",
}

// subKinds are fields that hold records of another kind, whose fields are
// read as that kind's: a merchant's contacts have a contact's roles, not
// a member of staff's.
var subKinds = map[string]string{"contacts": poscare.EntityContact}

// Enumerated values that have no other page's key.
var (
	outcomes = map[string]string{"no_answer": "au.outcome.no_answer", "disconnected": "au.outcome.disconnected", "blocked": "au.outcome.blocked"}
	reasons  = map[string]string{"wrong password": "au.reason.wrong_password", "not checked: busy": "au.reason.busy",
		"account not active": "au.reason.not_active"}
)

func (v *viewer) enum(keys map[string]string, x any) string {
	s := fmt.Sprint(x)
	if k, ok := keys[s]; ok {
		return v.p.T(k)
	}
	return s
}

// valueWords are the key prefixes that translate the values of a
// capability's records, by kind of record and field: registered by the
// capability's pages (registerValueWords), so that the trail reads its
// records without an edit here.
var valueWords = map[string]map[string]string{}

// durationWords marks a field recorded as a Go duration in nanoseconds.
const durationWords = "=duration"

// registerValueWords says how a kind of record's fields are put into
// words: field → key prefix ("status" → "sd.status"). It returns true, to
// register as a variable declaration.
func registerValueWords(kind string, prefixes map[string]string) bool {
	if valueWords[kind] == nil {
		valueWords[kind] = map[string]string{}
	}
	for f, p := range prefixes {
		valueWords[kind][f] = p
	}
	return true
}

// valuePrefix is the key prefix that translates a field's values, which
// for a status or a role depends on the kind of record.
func (v *viewer) valuePrefix(field string) string {
	if p, ok := valueWords[v.kind][field]; ok {
		return p
	}
	switch field {
	case "status":
		switch v.kind {
		case poscare.EntityUser:
			return "ustatus"
		case poscare.EntityTerminal:
			return "tstatus"
		}
		return "mstatus"
	case "role":
		if v.kind == poscare.EntityContact {
			return "crole"
		}
		return "role"
	case "kind":
		if v.kind == poscare.EntityMerchant || v.kind == poscare.EntityUser {
			return "task"
		}
	}
	return map[string]string{"type": "mtype", "fee_category": "fee", "settlement_kind": "settle", "preferred_channel": "channel",
		"stage": "stage", "lang": "clang", "strategy": "strategy", "item": "check"}[field]
}

var isoTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d`)

// value renders a field's value: a record's name for its id, money in
// yuan, rates in per cent, times in Shanghai time, words for enumerated
// values.
func (v *viewer) value(field string, x any) val {
	p := v.p
	switch y := x.(type) {
	case nil:
		return val{Text: p.T("common.none")}
	case bool:
		if field == "received" {
			if y {
				return val{Text: p.T("au.doc.received")}
			}
			return val{Text: p.T("au.doc.missing")}
		}
		if y {
			return val{Text: p.T("au.yes")}
		}
		return val{Text: p.T("au.no")}
	case json.Number:
		n, err := y.Int64()
		switch {
		case err != nil:
			return val{Text: y.String()}
		case refKind(field) != "":
			return v.ref(refKind(field), n)
		case valueWords[v.kind][field] == durationWords:
			return val{Text: poscare.DurationText(time.Duration(n)).In(p.Lang)}
		case strings.HasSuffix(field, "_fen"):
			return val{Text: poscare.Say(p.Lang, "au.yuan", "amount", yuan(n))}
		case strings.HasSuffix(field, "_rate_e5"):
			return val{Text: rate(poscare.RateE5(n))}
		}
		return val{Text: y.String()}
	case string:
		if isoTime.MatchString(y) {
			if t, err := time.Parse(time.RFC3339Nano, y); err == nil {
				return val{Text: t.In(shanghai).Format("2006-01-02 15:04")}
			}
		}
		switch field {
		case "entity":
			return val{Text: poscare.EntityName(y).In(p.Lang)}
		case "action":
			return val{Text: v.action(y)}
		case "outcome":
			return val{Text: v.enum(outcomes, y)}
		case "reason":
			return val{Text: v.enum(reasons, y)}
		}
		if prefix := v.valuePrefix(field); prefix != "" {
			if t := translate(p.Lang, prefix+"."+y); t != prefix+"."+y {
				return val{Text: t}
			}
		}
		return val{Text: y}
	case []any:
		parts := make([]string, 0, len(y))
		for _, item := range y {
			if o, ok := item.(obj); ok {
				parts = append(parts, v.channel(o))
				continue
			}
			parts = append(parts, v.value(field, item).Text)
		}
		sep := "、"
		if p.Lang == "en" {
			sep = ", "
		}
		return val{Text: strings.Join(parts, sep)}
	case obj:
		var parts []string
		for _, c := range v.fresh(y) {
			parts = append(parts, c.Field+" "+c.To.Text)
		}
		return val{Text: strings.Join(parts, "；")}
	}
	return val{Text: fmt.Sprint(x)}
}

// channel names a contact channel: "电话 13800138000", with why it was
// removed when it was.
func (v *viewer) channel(o obj) string {
	kind, _ := o.get("kind")
	value, _ := o.get("value")
	s := v.value("preferred_channel", kind).Text + " " + fmt.Sprint(value)
	if why, ok := o.get("removed_reason"); ok {
		s += "（" + fmt.Sprint(why) + "）"
	}
	return s
}

// historyData is the history page of one record.
type historyData struct {
	Entity  string
	ID      int64
	Back    string
	Record  val
	Entries []entry
	Pager   pager
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
		var ap *poscare.Application
		if ap, err = c.Store.GetApplication(ctx, a, id); err == nil {
			back = fmt.Sprintf("/merchants/%d", ap.MerchantID)
		}
	case poscare.EntityContract:
		var ct *poscare.Contract
		if ct, err = c.Store.GetContract(ctx, a, id); err == nil {
			back = fmt.Sprintf("/merchants/%d", ct.MerchantID)
		}
	case poscare.EntityUser:
		_, err = c.Store.GetUser(ctx, a, id)
		back = "/staff"
	case poscare.EntityIncident:
		_, err = c.Store.GetIncident(ctx, a, id)
		back = fmt.Sprintf("/incidents/%d", id)
	default:
		err = poscare.NotFound(entity)
	}
	if err != nil {
		q.fail(err)
		return
	}
	pg := pageOf(q, auditPageSize)
	es, total, err := c.Store.SearchAudit(ctx, auditQuery(entity, id, pg))
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page("", nil)
	rows, err := c.readableAll(ctx, p, es)
	if err != nil {
		q.fail(err)
		return
	}
	b := newBook()
	b.ask(entity, id)
	if err := b.lookup(ctx, c); err != nil {
		q.fail(err)
		return
	}
	d := &historyData{Entity: entity, ID: id, Back: back, Entries: rows, Record: (&viewer{p: p, b: b}).ref(entity, id)}
	d.Pager = pg.with(q, p, total)
	p.Title = p.T("history.title") + " · " + poscare.EntityName(entity).In(p.Lang) + " · " + d.Record.Text
	p.Data = d
	q.render(http.StatusOK, "history", p)
}
