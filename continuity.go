package poscare

import (
	"fmt"
	"time"
)

// ContinuityPolicy holds the thresholds an operator tunes for continuity:
// when silence makes a staff member "unreachable (suspected)", how many
// removals of customers one person may make in a window, and how long a
// contact may go unverified.
type ContinuityPolicy struct {
	SilentDays     int           // no login, API call or finished task for this many days
	FailedAttempts int           // failed contact attempts by colleagues …
	AttemptWindow  time.Duration // … within this window
	OverdueTasks   int           // open tasks past their deadline
	BulkLimit      int           // archives or contact removals one person may make …
	BulkWindow     time.Duration // … within this window; further ones are refused
	StaleAfter     time.Duration // a contact unverified this long gets a verification task
	CallbackWithin time.Duration // a merchant's callback request is due this long after it is made
}

// DefaultContinuityPolicy is the policy until configuration says otherwise.
var DefaultContinuityPolicy = ContinuityPolicy{
	SilentDays: 3, FailedAttempts: 3, AttemptWindow: 48 * time.Hour, OverdueTasks: 5,
	BulkLimit: 20, BulkWindow: time.Hour, StaleAfter: 180 * 24 * time.Hour, CallbackWithin: 4 * time.Hour,
}

// Validate checks that every threshold can be crossed and is not absurd:
// counts from 1 to 1,000, windows from a minute to 30 days, staleness
// from a day to 3 years. Fields are named as the settings are.
func (p ContinuityPolicy) Validate() error {
	pr := Problems{}
	count := func(field string, n int) {
		if n < 1 || n > 1000 {
			pr.Say(field, "silence.policy.count", "n", n)
		}
	}
	// hi is said as given: three years are not 1095 days to a reader.
	span := func(field string, d, lo, hi time.Duration, said Text) {
		if d < lo || d > hi {
			pr.Say(field, "silence.policy.span", "lo", DurationText(lo), "hi", said, "value", DurationText(d))
		}
	}
	count("silent_days", p.SilentDays)
	count("failed_attempts", p.FailedAttempts)
	count("overdue_tasks", p.OverdueTasks)
	count("bulk_limit", p.BulkLimit)
	span("attempt_window", p.AttemptWindow, time.Minute, 30*24*time.Hour, DurationText(30*24*time.Hour))
	span("bulk_window", p.BulkWindow, time.Minute, 30*24*time.Hour, DurationText(30*24*time.Hour))
	span("stale_after", p.StaleAfter, 24*time.Hour, 3*365*24*time.Hour, M("silence.policy.years", "n", 3).Text())
	span("callback_within", p.CallbackWithin, 5*time.Minute, 7*24*time.Hour, DurationText(7*24*time.Hour))
	return pr.Err()
}

// DurationText says a duration the way a person would: "48 小时" / "48
// hours", "7 天" / "7 days", "30 分钟" / "30 minutes".
func DurationText(d time.Duration) Text {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		n := int(d / (24 * time.Hour))
		return Text{fmt.Sprintf("%d 天", n), fmt.Sprintf("%d %s", n, plural(n, "day"))}
	case d >= time.Hour && d%time.Hour == 0:
		n := int(d / time.Hour)
		return Text{fmt.Sprintf("%d 小时", n), fmt.Sprintf("%d %s", n, plural(n, "hour"))}
	case d >= time.Minute && d%time.Minute == 0:
		n := int(d / time.Minute)
		return Text{fmt.Sprintf("%d 分钟", n), fmt.Sprintf("%d %s", n, plural(n, "minute"))}
	}
	// Anything else (a setting of "90s" or "0") in seconds, so that the
	// Chinese carries no "s".
	secs, unit := d.Seconds(), "seconds"
	if secs == 1 {
		unit = "second"
	}
	return Text{fmt.Sprintf("%g 秒", secs), fmt.Sprintf("%g %s", secs, unit)}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// ServiceCentre is the provider's 24-hour merchant service centre, the last
// link of every service-contact chain, so that the answer is never empty.
type ServiceCentre struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Email  string `json:"email,omitempty"`
	WeChat string `json:"wechat,omitempty"`
}

// Links of the service-contact chain.
const (
	ViaAccountManager = "account_manager"
	ViaCover          = "cover"
	ViaBackup         = "backup"
	ViaTeamLead       = "team_lead"
	ViaServiceCentre  = "service_centre"
)

// ServiceContact is who a merchant should contact right now, and why it is
// that person.
type ServiceContact struct {
	Via    string `json:"via"`
	UserID *int64 `json:"user_id,omitempty"`
	Name   string `json:"name"`
	Mobile string `json:"mobile,omitempty"`
	Email  string `json:"email,omitempty"`
	WeChat string `json:"wechat,omitempty"`
	Why    Text   `json:"why"`
}

// People is what the chain needs to know about the people around a
// merchant: its account manager, that person's cover while on leave, the
// backup manager and the team lead (any may be nil).
type People struct {
	Manager, Cover, Backup, Lead *User
}

// ResolveServiceContact walks the chain: the account manager if available;
// while they are on leave, their named cover; then the backup manager; then
// the team lead; and always, at the end, the 24-hour service centre. The
// answer never depends on one person.
func ResolveServiceContact(p People, centre ServiceCentre) ServiceContact {
	person := func(via string, u *User, why Text) ServiceContact {
		id := u.ID
		return ServiceContact{Via: via, UserID: &id, Name: u.Name, Mobile: u.Mobile, Email: u.Email, WeChat: u.WeChat, Why: why}
	}
	if p.Manager.Available() {
		return person(ViaAccountManager, p.Manager, M("callback.via.account_manager").Text())
	}
	if p.Manager != nil && p.Manager.Status == UserOnLeave && p.Cover.Available() {
		return person(ViaCover, p.Cover, M("callback.via.cover").Text())
	}
	if p.Backup.Available() {
		return person(ViaBackup, p.Backup, M("callback.via.backup").Text())
	}
	if p.Lead.Available() {
		return person(ViaTeamLead, p.Lead, M("callback.via.team_lead").Text())
	}
	return ServiceContact{Via: ViaServiceCentre, Name: centre.Name, Mobile: centre.Phone, Email: centre.Email, WeChat: centre.WeChat,
		Why: M("callback.via.service_centre").Text()}
}

// CanSetStatus reports whether the actor may change a staff member's
// status: ops and admins for anyone, a lead for the own team, nobody for
// themselves (a missing person cannot declare themselves back).
func (a Actor) CanSetStatus(u *User) bool {
	if u.ID == a.UserID || !u.Role.IsStaff() {
		return false
	}
	switch a.Role {
	case RoleAdmin, RoleOps, roleSystem:
		return true
	case RoleLead:
		return a.TeamID != nil && u.TeamID != nil && *a.TeamID == *u.TeamID
	}
	return false
}

// ComesBackByReturn reports whether a person in status s may come back to
// work only through their incident's return (missing or departed): the
// playbook took everything from them, so their return is decided and put
// on record with that incident, never by a status change.
func (s UserStatus) ComesBackByReturn() bool {
	return s == UserMissing || s == UserDeparted
}

// ErrReturnThroughIncident refuses a status change of a missing or
// departed person.
func ErrReturnThroughIncident() error {
	return Fail(EConflict, "silence.status.return_through_incident")
}
