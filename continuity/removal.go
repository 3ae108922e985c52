package continuity

import (
	"errors"
	"fmt"
	"time"

	"poscare"
)

// Deletion protection (删除客户): one person may archive merchants or
// contacts, or remove contact details, at most Policy.BulkLimit times in
// Policy.BulkWindow. Beyond that the removal is refused, and the person's
// lead and ops are alerted with the list, so that a salesperson cannot
// quietly erase the company's customers on the way out.

// ErrRemovalsBlocked is the cause of the guard's refusal, so that storage
// can raise the alert after the refused transaction has rolled back
// (errors.Is).
var ErrRemovalsBlocked = errors.New("continuity: removals over the limit")

// Guarded reports whether the guard counts an actor's removals: the
// system actor (imports, the playbook) is exempt.
func Guarded(a poscare.Actor) bool { return a.UserID != 0 }

// RemovalsSince is the start of the window in which a person's removals
// count.
func RemovalsSince(now time.Time, p poscare.ContinuityPolicy) time.Time {
	return now.Add(-p.BulkWindow)
}

// GuardRemovals refuses one more removal by a person who made recent
// removals in the window already. Errors: EForbidden, its cause
// ErrRemovalsBlocked.
func GuardRemovals(recent int, p poscare.ContinuityPolicy) error {
	if recent < p.BulkLimit {
		return nil
	}
	e := poscare.Fail(poscare.EForbidden, "removal.blocked")
	e.Cause = ErrRemovalsBlocked
	return e
}

// Removed is one recent removal as the alert names it.
type Removed struct {
	Entity   string // merchant or contact
	Action   string // archive or remove_channel
	ID       int64
	Name     string
	Merchant string // the contact's merchant, "" for a merchant
}

// removalLines are the alert's line for each kind of removal: what was
// done (an archive, a removal of contact details) to which kind of record.
var removalLines = map[[2]string]string{
	{"archive", poscare.EntityMerchant}:        "removal.line.archive.merchant",
	{"archive", poscare.EntityContact}:         "removal.line.archive.contact",
	{"remove_channel", poscare.EntityMerchant}: "removal.line.channel.merchant",
	{"remove_channel", poscare.EntityContact}:  "removal.line.channel.contact",
}

// Line is the removal in a line of the alert. An action other than
// removing contact details reads as an archive, a record other than a
// contact as a merchant.
func (x Removed) Line() poscare.Msg {
	action, entity := "archive", poscare.EntityMerchant
	if x.Action == "remove_channel" {
		action = x.Action
	}
	if x.Entity == poscare.EntityContact {
		entity = x.Entity
	}
	var of any = ""
	if x.Merchant != "" {
		of = poscare.M("removal.of", "merchant", x.Merchant)
	}
	return poscare.M(removalLines[[2]string{action, entity}], "id", x.ID, "name", x.Name, "of", of)
}

// Audit is the removal as the audit entry of the refusal lists it.
func (x Removed) Audit() string { return fmt.Sprintf("%s %s %d", x.Action, x.Entity, x.ID) }

// BlockedAlert is the alert for a refused bulk removal: to the person's
// lead, ops and the service centre, once per person and window, naming
// what they removed recently (newest first).
func BlockedAlert(person *poscare.User, recent []Removed, p poscare.ContinuityPolicy, now time.Time) Alert {
	lines := make([]poscare.Msg, len(recent))
	for i, x := range recent {
		lines[i] = x.Line()
	}
	return Alert{To: ToLeadAndOps, About: person.ID,
		Key:     fmt.Sprintf("bulk:%d:%d", person.ID, now.Truncate(p.BulkWindow).Unix()),
		Subject: poscare.M("alert.bulk.subject", "name", person.Name),
		Body: poscare.M("alert.bulk.body", "name", person.Name, "login", person.Login, "window", poscare.DurationText(p.BulkWindow),
			"limit", p.BulkLimit, "lines", join("removal.lines", lines)),
	}
}
