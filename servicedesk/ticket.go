// Package servicedesk holds the rules of the service desk (客服工单): a
// merchant's complaint (投诉), repair request (报修), question, fee
// dispute or report that their salesperson cannot be reached becomes a
// ticket that moves through a fixed workflow, is answered within the
// targets of its service-level policy counted on a working calendar
// (package workcal), pauses while waiting on the merchant, and escalates
// along a chain of people when nobody acts. The rules are plain Go;
// storage loads a ticket's history, asks these functions, and writes the
// answers.
//
// Glossary: ticket 工单, service-level target 服务时限 (SLA), first
// response 首次响应, resolution 解决, pause 暂停计时, breach 超时,
// escalation 升级, root cause 根本原因.
package servicedesk

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"poscare"
)

// Kind is what a ticket is about.
type Kind string

// The kinds of ticket.
const (
	KindComplaint   Kind = "complaint"   // 投诉
	KindRepair      Kind = "repair"      // 报修
	KindInquiry     Kind = "inquiry"     // 咨询
	KindFeeDispute  Kind = "fee_dispute" // 费用争议
	KindUnreachable Kind = "unreachable" // 联系不上我的客户经理
	KindOther       Kind = "other"
)

// Kinds are the kinds of ticket, in the order forms offer them.
var Kinds = []Kind{KindComplaint, KindRepair, KindInquiry, KindFeeDispute, KindUnreachable, KindOther}

// Priority is how urgent a ticket is.
type Priority string

// The priorities, least urgent first.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent" // notified at any hour
)

// Priorities are the priorities, least urgent first.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Channel is how a ticket or a message reached the desk.
type Channel string

// The channels.
const (
	ChannelPhone    Channel = "phone"     // staff log the merchant's call
	ChannelPortal   Channel = "portal"    // the merchant's own users
	ChannelEmail    Channel = "email"     // a mailbox fetched over IMAP or the SMTP listener
	ChannelWeChat   Channel = "wechat"    // the signed inbound webhook
	ChannelSMS      Channel = "sms"       // the signed inbound webhook
	ChannelInPerson Channel = "in_person" // a technician or salesperson on site
)

// Channels are the channels a ticket can come from.
var Channels = []Channel{ChannelPhone, ChannelPortal, ChannelEmail, ChannelWeChat, ChannelSMS, ChannelInPerson}

// Status is where a ticket is in its workflow.
type Status string

// The workflow: new → acknowledged → investigating → waiting on the
// merchant → resolved → closed, and reopened from resolved or closed.
const (
	StatusNew           Status = "new"
	StatusAcknowledged  Status = "acknowledged"
	StatusInvestigating Status = "investigating"
	StatusWaiting       Status = "waiting" // on the merchant: the clocks pause
	StatusResolved      Status = "resolved"
	StatusClosed        Status = "closed"
	StatusReopened      Status = "reopened"
)

// Statuses are the workflow's states in order.
var Statuses = []Status{StatusNew, StatusAcknowledged, StatusInvestigating, StatusWaiting, StatusResolved, StatusClosed, StatusReopened}

// next says which statuses each status may move to.
var next = map[Status][]Status{
	StatusNew:           {StatusAcknowledged, StatusInvestigating, StatusWaiting, StatusResolved},
	StatusAcknowledged:  {StatusInvestigating, StatusWaiting, StatusResolved},
	StatusInvestigating: {StatusWaiting, StatusResolved},
	StatusWaiting:       {StatusInvestigating, StatusResolved, StatusClosed},
	StatusResolved:      {StatusClosed, StatusReopened},
	StatusClosed:        {StatusReopened},
	StatusReopened:      {StatusInvestigating, StatusWaiting, StatusResolved},
}

// CanMove reports whether a ticket may go from one status to another.
func CanMove(from, to Status) bool { return slices.Contains(next[from], to) }

// NextStatuses are the statuses a ticket in s may move to.
func NextStatuses(s Status) []Status { return slices.Clone(next[s]) }

// Open reports whether a ticket in s still needs the desk.
func (s Status) Open() bool { return s != StatusResolved && s != StatusClosed }

// Paused reports whether the clocks stand still in s.
func (s Status) Paused() bool { return s == StatusWaiting }

// Cause is an investigation's root-cause category.
type Cause string

// The root causes a finding is filed under.
const (
	CauseStaffError   Cause = "staff_error"
	CauseOutdatedInfo Cause = "outdated_info"
	CauseDeviceFault  Cause = "device_fault"
	CauseNetwork      Cause = "network"
	CauseSystemFault  Cause = "system_fault"
	CauseFeeMisread   Cause = "fee_misunderstanding"
	CauseUnreachable  Cause = "contact_unreachable"
	CauseOther        Cause = "other"
)

// Causes are the root-cause categories in the order reports show them.
var Causes = []Cause{CauseStaffError, CauseOutdatedInfo, CauseDeviceFault, CauseNetwork, CauseSystemFault, CauseFeeMisread, CauseUnreachable, CauseOther}

// Limits on what a ticket holds.
const (
	MaxSubject = 200
	MaxBody    = 20000
	MaxTags    = 10
	MaxTag     = 30
)

// Ticket is what a merchant asked and where it stands.
type Ticket struct {
	ID         int64    `json:"id"`
	Ref        string   `json:"ref"` // the reference merchants quote and mail subjects carry: T-000123
	Kind       Kind     `json:"kind"`
	Priority   Priority `json:"priority"`
	Status     Status   `json:"status"`
	Channel    Channel  `json:"channel"`
	Subject    string   `json:"subject"`
	Body       string   `json:"body"`
	MerchantID int64    `json:"merchant_id"`
	TerminalID *int64   `json:"terminal_id,omitempty"`
	TeamID     *int64   `json:"team_id,omitempty"`     // the queue
	AssigneeID *int64   `json:"assignee_id,omitempty"` // nil: the whole team sees it
	// AboutUserID is the person a "cannot reach my contact" ticket is
	// about: it counts as a silence signal of theirs.
	AboutUserID *int64   `json:"about_user_id,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// ReplyChannel and ReplyAddress are where staff replies go besides the
	// portal: the mailbox a mailed ticket came from, or one the merchant
	// asked for on the phone. Empty: the portal only.
	ReplyChannel Channel `json:"reply_channel,omitempty"`
	ReplyAddress string  `json:"reply_address,omitempty"`
	ReplyLang    string  `json:"reply_lang,omitempty"`
	// Set by the store.
	PolicyID   *int64     `json:"policy_id,omitempty"`
	OpenedBy   int64      `json:"opened_by"`
	MergedInto *int64     `json:"merged_into,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
}

// RefOf is the reference of ticket id that merchants quote and mail
// subjects carry.
func RefOf(id int64) string { return fmt.Sprintf("T-%06d", id) }

// Validate checks a ticket as filed, naming each bad field.
func (t *Ticket) Validate() error {
	p := poscare.Problems{}
	if !slices.Contains(Kinds, t.Kind) {
		p.Say("kind", "sd.invalid.kind")
	}
	if t.Priority == "" {
		t.Priority = PriorityNormal
	}
	if !slices.Contains(Priorities, t.Priority) {
		p.Say("priority", "sd.invalid.priority")
	}
	if !slices.Contains(Channels, t.Channel) {
		p.Say("channel", "sd.invalid.channel")
	}
	t.Subject = strings.TrimSpace(t.Subject)
	switch n := len([]rune(t.Subject)); {
	case n == 0:
		p.Say("subject", "sd.invalid.required")
	case n > MaxSubject:
		p.Say("subject", "sd.invalid.too_long", "max", MaxSubject)
	}
	if len([]rune(t.Body)) > MaxBody {
		p.Say("body", "sd.invalid.too_long", "max", MaxBody)
	}
	if t.MerchantID <= 0 {
		p.Say("merchant_id", "sd.invalid.required")
	}
	tags := t.Tags[:0:0]
	for _, tag := range t.Tags {
		tag = strings.TrimSpace(tag)
		if tag == "" || slices.Contains(tags, tag) {
			continue
		}
		if len([]rune(tag)) > MaxTag {
			p.Say("tags", "sd.invalid.tag", "max", MaxTag)
			break
		}
		tags = append(tags, tag)
	}
	switch t.ReplyChannel {
	case "":
		t.ReplyAddress = ""
	case ChannelEmail:
		t.ReplyAddress = strings.ToLower(strings.TrimSpace(t.ReplyAddress))
		if !poscare.ValidEmail(t.ReplyAddress) {
			p.Say("reply_address", "sd.invalid.reply_address")
		}
	default:
		p.Say("reply_channel", "sd.invalid.reply_channel")
	}
	if t.ReplyLang == "" {
		t.ReplyLang = "zh"
	}
	if t.ReplyLang != "zh" && t.ReplyLang != "en" {
		p.Say("reply_lang", "sd.invalid.reply_lang")
	}
	if len(tags) > MaxTags {
		p.Say("tags", "sd.invalid.tags", "max", MaxTags)
	}
	t.Tags = tags
	return p.Err()
}
