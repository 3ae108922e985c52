package continuity

import (
	"fmt"
	"time"

	"poscare"
)

// Callbacks: a merchant's request to be called back becomes a task for
// whoever is its service contact right now, through the chain of
// poscare.ResolveServiceContact (the account manager, their cover, the
// backup, the team lead); when the chain ends at the service centre the
// task stays with the account manager and the centre, the lead and ops
// are alerted, so that somebody calls as promised. It is due within
// Policy.CallbackWithin, and the assignee is told by message.

// CallbackTaker is who takes a merchant's callback: its service contact
// when that is a person, else its account manager.
func CallbackTaker(m *poscare.Merchant, sc poscare.ServiceContact) int64 {
	if sc.UserID != nil {
		return *sc.UserID
	}
	return m.AccountManagerID
}

// CallbackTask is the task a callback request becomes.
func CallbackTask(m *poscare.Merchant, sc poscare.ServiceContact, note string, now time.Time, p poscare.ContinuityPolicy) Task {
	return Task{Key: fmt.Sprintf("callback:%d:%d", m.ID, now.UnixMicro()), Kind: TaskCallback,
		UserID: CallbackTaker(m, sc), MerchantID: m.ID, Title: poscare.M("todo.callback", "merchant", m.LegalName),
		Notes: note, Due: now.Add(p.CallbackWithin)}
}

// CallbackAlerts are the messages a callback request raises once its task
// is written (taskID): the assignee told, and when nobody in the chain is
// at work, the centre, the lead and ops alerted about the account
// manager.
func CallbackAlerts(taskID int64, m *poscare.Merchant, sc poscare.ServiceContact, t Task, p poscare.ContinuityPolicy) []Alert {
	var note any = t.Notes
	if t.Notes == "" {
		note = poscare.M("callback.note.none")
	}
	subject := poscare.M("alert.callback.subject", "merchant", m.LegalName)
	body := poscare.M("alert.callback.body", "merchant", m.LegalName, "within", poscare.DurationText(p.CallbackWithin), "note", note)
	out := []Alert{{To: ToStaff, About: t.UserID, Key: fmt.Sprintf("task:%d", taskID), Subject: subject, Body: body}}
	if sc.Via == poscare.ViaServiceCentre {
		out = append(out, Alert{To: ToLeadAndOps, About: m.AccountManagerID, Key: fmt.Sprintf("task:%d:centre", taskID), Subject: subject, Body: body})
	}
	return out
}
