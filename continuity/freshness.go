package continuity

import (
	"fmt"
	"time"

	"poscare"
)

// Contact freshness: every contact of a live merchant not verified within
// Policy.StaleAfter gets a verification task for whoever serves the
// merchant now, and every staff member who has not checked their own
// contact details for as long a reminder; each once per contact (or
// person) and period, due within a week.

// Task kinds. Callbacks and follow-ups are owed to merchants: left past
// their deadline they are a silence signal. Verifications are upkeep.
const (
	TaskCallback      = "callback"       // 回电: a merchant asked to be called back
	TaskFollowUp      = "follow_up"      // 跟进: a promised follow-up with a merchant
	TaskVerifyContact = "verify_contact" // a merchant contact unverified too long
	TaskVerifySelf    = "verify_self"    // staff: confirm one's own contact details
)

// OwedToMerchants are the task kinds whose neglect is a silence signal.
var OwedToMerchants = []string{TaskCallback, TaskFollowUp}

// VerifyWithin is how long a verification task or a self-check gives.
const VerifyWithin = 7 * 24 * time.Hour

// SelfCheckRoles are the staff reminded to keep their own contact
// details current.
var SelfCheckRoles = []poscare.Role{poscare.RoleAgent, poscare.RoleLead, poscare.RoleTech, poscare.RoleOps}

// Task is a piece of work a rule decided on, for storage to write once
// per Key.
type Task struct {
	Key        string
	Kind       string
	UserID     int64
	MerchantID int64 // 0: none
	ContactID  int64 // 0: none
	Title      poscare.Msg
	Notes      string
	Due        time.Time
}

// StaleBefore is the time before which a contact's last verification
// (or a person's last check of their own details) makes it due.
func StaleBefore(now time.Time, p poscare.ContinuityPolicy) time.Time {
	return now.Add(-p.StaleAfter)
}

// Stale reports whether something last verified (or, never verified,
// created) at last is due for verification now.
func Stale(last time.Time, now time.Time, p poscare.ContinuityPolicy) bool {
	return last.Before(StaleBefore(now, p))
}

// period numbers the verification periods, so that a due contact gets
// one task per period however often the sweep runs.
func period(now time.Time, p poscare.ContinuityPolicy) int64 {
	return now.Unix() / int64(p.StaleAfter.Seconds())
}

// Worker is a person a task may go to, as the freshness rule weighs
// them: an id (0: nobody) and whether they are at work.
type Worker struct {
	ID     int64
	Active bool
}

// VerifierOf is who verifies a merchant's contact: whoever serves the
// merchant now, the account manager, else their cover, else the backup;
// with nobody at work, the manager still, where the lead sees it overdue.
func VerifierOf(manager, cover, backup Worker) int64 {
	for _, w := range []Worker{manager, cover, backup} {
		if w.ID != 0 && w.Active {
			return w.ID
		}
	}
	return manager.ID
}

// StaleContact is a contact due for verification, with its merchant and
// who verifies it.
type StaleContact struct {
	ContactID, MerchantID int64
	Contact, Merchant     string
	Verifier              int64
}

// VerifyContactTask is the verification task of a due contact.
func VerifyContactTask(c StaleContact, now time.Time, p poscare.ContinuityPolicy) Task {
	return Task{Key: fmt.Sprintf("verify:%d:%d", c.ContactID, period(now, p)), Kind: TaskVerifyContact,
		UserID: c.Verifier, MerchantID: c.MerchantID, ContactID: c.ContactID,
		Title: poscare.M("todo.verify_contact", "merchant", c.Merchant, "contact", c.Contact),
		Due:   now.Add(VerifyWithin)}
}

// SelfCheckTask is a staff member's reminder to check their own contact
// details, and SelfCheckNotice the message that tells them.
func SelfCheckTask(userID int64, now time.Time, p poscare.ContinuityPolicy) Task {
	return Task{Key: fmt.Sprintf("self:%d:%d", userID, period(now, p)), Kind: TaskVerifySelf, UserID: userID,
		Title: poscare.M("todo.verify_self"), Due: now.Add(VerifyWithin)}
}

// SelfCheckNotice tells a staff member of their self-check task.
func SelfCheckNotice(t Task) Alert {
	return Alert{To: ToStaff, About: t.UserID, Key: t.Key,
		Subject: poscare.M("freshness.self.subject"), Body: poscare.M("freshness.self.body")}
}

// ErrLinkInvalid refuses a confirmation link that is forged, malformed
// or expired.
func ErrLinkInvalid() error { return poscare.Fail(poscare.EInvalid, "freshness.link.invalid") }

// ErrLinkArchived refuses a confirmation link whose contact (or merchant)
// is archived since.
func ErrLinkArchived() error { return poscare.Fail(poscare.EInvalid, "freshness.link.archived") }

// ErrLinkUsed refuses a confirmation link already used, or older than a
// confirmation since.
func ErrLinkUsed() error { return poscare.Fail(poscare.EConflict, "freshness.link.used") }
