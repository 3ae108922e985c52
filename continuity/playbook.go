package continuity

import (
	"slices"
	"sort"
	"strings"
	"time"

	"poscare"
)

// StatusFor is the status a declaration puts the person in: their access
// ends now.
func StatusFor(kind poscare.IncidentKind) poscare.UserStatus {
	if kind == poscare.IncidentDeparted {
		return poscare.UserDeparted
	}
	return poscare.UserMissing
}

// Handed is one kind of holding handed over in a run: how many, and the
// timeline's line for them.
type Handed struct {
	Kind string
	N    int
	Line poscare.Msg
}

// Outcome is what a playbook run did, as far as its timeline tells.
type Outcome struct {
	Person  string // the person's name
	Reason  string
	Resumed bool     // finished after a restart
	Handed  []Handed // in the order the holdings were handed over
	Run     *Run
	// Notified is how many merchants have a notice queued; Unreachable,
	// those with no live contact detail, told in person instead.
	Notified, Unreachable int
	Risk                  *poscare.RiskReport
}

// Line is one line of a run's timeline. AtRequest lines are dated when the
// declaration was put on record, the others when the run commits.
type Line struct {
	Msg       poscare.Msg
	AtRequest bool
}

// Timeline is the lines a run writes, in order: the request when the run
// was resumed, the start, the access ended, each kind handed over (none
// for a kind of which nothing was), what was left, the notices and the
// risk report.
func (o Outcome) Timeline() []Line {
	var out []Line
	add := func(m poscare.Msg) { out = append(out, Line{Msg: m}) }
	if o.Resumed {
		out = append(out, Line{Msg: poscare.M("timeline.requested", "person", o.Person), AtRequest: true})
		add(poscare.M("timeline.resumed"))
	}
	add(poscare.M("timeline.started", "person", o.Person, "reason", o.Reason))
	add(poscare.M("timeline.access_blocked"))
	for _, h := range o.Handed {
		if h.N > 0 {
			add(h.Line)
		}
	}
	if o.Run != nil && o.Run.Left > 0 {
		add(poscare.M("timeline.left", "n", o.Run.Left))
	}
	if o.Run != nil && o.Run.NoBackup > 0 {
		add(poscare.M("timeline.no_backup", "n", o.Run.NoBackup))
	}
	if o.Notified > 0 {
		add(poscare.M("timeline.notified", "n", o.Notified))
	}
	if o.Unreachable > 0 {
		add(poscare.M("timeline.unreachable", "n", o.Unreachable))
	}
	if r := o.Risk; r != nil {
		add(poscare.M("timeline.risk", "views", r.SensitiveViews, "exports", r.Exports, "blocked", r.BulkBlocked, "archives", r.Archives, "changes", r.Changes))
	}
	return out
}

// Sum counts what a run handed over, kind by kind, with the notices.
func (o Outcome) Sum() poscare.HandoverSum {
	var s poscare.HandoverSum
	for _, h := range o.Handed {
		s.Add(h.Kind, h.N)
	}
	s.Notifications, s.Unreachable = o.Notified, o.Unreachable
	return s
}

// checkLabelKeys are the catalog keys of the checklist items' labels,
// registered from poscare.CheckLabels.
var checkLabelKeys = map[string]string{
	poscare.CheckManagementInformed: "playbook.check.management_informed",
	poscare.CheckPoliceReport:       "playbook.check.police_report",
	poscare.CheckDataBackup:         "playbook.check.data_backup",
	poscare.CheckRiskAssessed:       "playbook.check.risk_assessed",
	poscare.CheckMerchantsInformed:  "playbook.check.merchants_informed",
}

// CheckLabel names a checklist item (poscare.CheckLabels, in the catalog).
func CheckLabel(item string) poscare.Msg { return poscare.M(checkLabelKeys[item]) }

// KnownCheck reports whether item is one of poscare.ChecklistItems.
func KnownCheck(item string) bool { return slices.Contains(poscare.ChecklistItems, item) }

// NewChecklist is the checklist an incident opens with: every item to do,
// except "merchants informed" when no live merchant was handed over, as
// nobody is to be told (ticked by the declarer, by).
func NewChecklist(now time.Time, by int64, merchantsToTell int) []poscare.CheckItem {
	out := make([]poscare.CheckItem, len(poscare.ChecklistItems))
	for i, item := range poscare.ChecklistItems {
		out[i] = poscare.CheckItem{Item: item}
		if item == poscare.CheckMerchantsInformed && merchantsToTell == 0 {
			t, b := now, by
			out[i].Done, out[i].ByID = &t, &b
		}
	}
	return out
}

// Tick marks item done in items, by someone (0: the system), with notes,
// and returns the timeline's line for it.
func Tick(items []poscare.CheckItem, item string, now time.Time, by int64, notes string) poscare.Msg {
	notes = strings.TrimSpace(notes)
	for i := range items {
		if items[i].Item == item {
			t, b := now, by
			items[i].Done, items[i].ByID, items[i].Notes = &t, &b, notes
		}
	}
	return CheckLine(item, notes)
}

// CheckLine is the timeline's line for a checklist item done, with notes.
func CheckLine(item, notes string) poscare.Msg {
	if notes = strings.TrimSpace(notes); notes != "" {
		notes = " " + notes
	}
	return poscare.M("timeline.check", "item", CheckLabel(item), "notes", notes)
}

// AwaitingInformed is the index of "merchants informed" in items while it
// waits to be ticked by delivery, -1 when ticked already or absent.
func AwaitingInformed(items []poscare.CheckItem) int {
	i := slices.IndexFunc(items, func(c poscare.CheckItem) bool { return c.Item == poscare.CheckMerchantsInformed })
	if i < 0 || items[i].Done != nil {
		return -1
	}
	return i
}

// Informed reports whether "merchants informed" may be ticked: the
// incident's notices went to total merchants, and each of them has one
// sent.
func Informed(total, sent int) bool { return total > 0 && sent >= total }

// InformedLine is the timeline's line when delivery ticks "merchants
// informed".
func InformedLine(total int) poscare.Msg { return poscare.M("timeline.all_informed", "n", total) }

// RiskListed is how many of the riskiest entries the risk report lists;
// it counts them all.
const RiskListed = 500

// RiskSince is the start of the risk report's window, the last 30 days,
// for a run at now.
func RiskSince(now time.Time) time.Time { return now.AddDate(0, 0, -30) }

// RiskRank orders audit actions by how much they worry a compliance team:
// lower is riskier. Actions not listed rank RiskUnranked.
var RiskRank = map[string]int{poscare.AuditView: 0, poscare.AuditExport: 1, "bulk_blocked": 1, "archive": 2, "remove_channel": 2,
	"restore_channel": 3, "update": 4, "create": 5, "advance": 6}

// RiskUnranked is the rank of an action RiskRank does not list.
const RiskUnranked = 9

// riskOf is an action's rank.
func riskOf(action string) int {
	if v, ok := RiskRank[action]; ok {
		return v
	}
	return RiskUnranked
}

// BuildRiskReport summarises a person's audit entries since a time.
// counts is the number of entries per action over the whole window (the
// store counts them all); entries are the ones to list, put riskiest
// first and, within a rank, newest first.
func BuildRiskReport(since time.Time, counts map[string]int, es []poscare.AuditEntry) *poscare.RiskReport {
	r := &poscare.RiskReport{Since: since}
	for action, n := range counts {
		switch action {
		case poscare.AuditView:
			r.SensitiveViews += n
		case poscare.AuditExport:
			r.Exports += n
		case "bulk_blocked":
			r.BulkBlocked += n
		case "archive", "remove_channel":
			r.Archives += n
		case poscare.AuditLogin, poscare.AuditLoginFailed:
			r.Logins += n
		default:
			r.Changes += n
		}
	}
	r.Entries = append([]poscare.AuditEntry(nil), es...)
	sort.SliceStable(r.Entries, func(i, j int) bool {
		a, b := r.Entries[i], r.Entries[j]
		if riskOf(a.Action) != riskOf(b.Action) {
			return riskOf(a.Action) < riskOf(b.Action)
		}
		return a.Seq > b.Seq
	})
	return r
}

// RefusedAlert is the alert to ops and the lead when a declaration for
// person ends without being carried out, and why (cause).
func RefusedAlert(person string, cause error) (subject, body poscare.Msg) {
	var why any = poscare.Text{Zh: poscare.Message(cause, "zh"), En: poscare.Message(cause, "en")}
	return poscare.M("playbook.alert.refused.subject", "person", person), poscare.M("playbook.alert.refused.body", "person", person, "cause", why)
}

// ReturnMove is a merchant the playbook handed from the person to someone.
type ReturnMove struct{ Merchant, To int64 }

// Returning are the handed-over merchants to give back: all of them, or
// only those listed.
func Returning(handed []ReturnMove, only []int64) []ReturnMove {
	if len(only) == 0 {
		return handed
	}
	var out []ReturnMove
	for _, m := range handed {
		if slices.Contains(only, m.Merchant) {
			out = append(out, m)
		}
	}
	return out
}

// CanReturnOn says whether a missing or departed person may come back to
// work through incident: it must be their latest, and their account not
// archived. Errors: EConflict.
func CanReturnOn(incident, latest int64, archived bool) error {
	if latest != incident {
		return poscare.Fail(poscare.EConflict, "playbook.error.not_latest", "id", latest)
	}
	if archived {
		return poscare.Fail(poscare.EConflict, "playbook.error.archived")
	}
	return nil
}

// ReturnReason is the status reason of a person who came back through an
// incident: a message, stored as such, so that an English reader does not
// read the system's reason in Chinese.
func ReturnReason(incident int64) poscare.Msg {
	return poscare.M("playbook.return_reason", "id", incident)
}

// ReturnedLine is the timeline's line for n merchants given back.
func ReturnedLine(n int, person string) poscare.Msg {
	return poscare.M("timeline.returned", "n", n, "person", person)
}

// BackAtWorkLine is the timeline's line for the person coming back.
func BackAtWorkLine(person string) poscare.Msg {
	return poscare.M("timeline.back_at_work", "person", person)
}

// ClosedLine is the timeline's line for the incident closed.
func ClosedLine() poscare.Msg { return poscare.M("timeline.closed") }
