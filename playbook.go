package poscare

import "time"

// Strategy is how the emergency playbook (应急预案) hands over what a person
// holds.
type Strategy string

// Handover strategies.
const (
	// StrategyBackup gives everything to the person's backup.
	StrategyBackup Strategy = "backup"
	// StrategySpread spreads merchants over the team's available agents,
	// least loaded first.
	StrategySpread Strategy = "spread"
)

// IncidentKind is why the playbook ran.
type IncidentKind string

// Incident kinds.
const (
	IncidentMissing  IncidentKind = "missing"  // 失踪
	IncidentDeparted IncidentKind = "departed" // 离职
)

// Declaration is the request to run the playbook for one person.
type Declaration struct {
	Kind     IncidentKind `json:"kind"`
	Reason   string       `json:"reason"`
	Strategy Strategy     `json:"strategy"`
}

// Validate checks a declaration.
func (d *Declaration) Validate() error {
	p := Problems{}
	if d.Kind != IncidentMissing && d.Kind != IncidentDeparted {
		p.Say("kind", "playbook.field.kind")
	}
	if d.Strategy == "" {
		d.Strategy = StrategyBackup
	}
	if d.Strategy != StrategyBackup && d.Strategy != StrategySpread {
		p.Say("strategy", "playbook.field.strategy")
	}
	if err := ValidateReason(d.Reason); err != nil {
		p.Add("reason", reasonRule.Zh, reasonRule.En)
	}
	return p.Err()
}

// Checklist items of an incident.
const (
	CheckManagementInformed = "management_informed"
	CheckPoliceReport       = "police_report"
	CheckDataBackup         = "data_backup"
	CheckRiskAssessed       = "risk_assessed"
	CheckMerchantsInformed  = "merchants_informed"
)

// ChecklistItems are the steps every incident must show, in order.
var ChecklistItems = []string{CheckManagementInformed, CheckPoliceReport, CheckDataBackup, CheckRiskAssessed, CheckMerchantsInformed}

// CheckLabels name the checklist items in the incident's timeline.
var CheckLabels = map[string]Text{
	CheckManagementInformed: {Zh: "已通知管理层", En: "management informed"},
	CheckPoliceReport:       {Zh: "报警", En: "police report"},
	CheckDataBackup:         {Zh: "已备份数据", En: "data backup taken"},
	CheckRiskAssessed:       {Zh: "已完成风险评估", En: "risk assessed"},
	CheckMerchantsInformed:  {Zh: "已通知商户", En: "merchants informed"},
}

// CheckItem is one step of an incident's checklist.
type CheckItem struct {
	Item  string     `json:"item"`
	Done  *time.Time `json:"done,omitempty"`
	ByID  *int64     `json:"by_id,omitempty"`
	Notes string     `json:"notes,omitempty"` // e.g. the police report reference
}

// Incident is the record of one playbook run: who, why, what was handed
// over, the checklist and the timeline.
type Incident struct {
	ID        int64        `json:"id"`
	Kind      IncidentKind `json:"kind"`
	UserID    int64        `json:"user_id"`
	Reason    string       `json:"reason"`
	Strategy  Strategy     `json:"strategy"`
	OpenedBy  int64        `json:"opened_by"`
	OpenedAt  time.Time    `json:"opened_at"`
	ClosedAt  *time.Time   `json:"closed_at,omitempty"`
	Checklist []CheckItem  `json:"checklist"`
	Timeline  []Event      `json:"timeline"`
	Handed    HandoverSum  `json:"handed_over"`
	Risk      *RiskReport  `json:"risk_report,omitempty"`
}

// ChecklistDone counts the checklist items ticked, for progress shown as
// "3/5".
func (x *Incident) ChecklistDone() int {
	n := 0
	for _, c := range x.Checklist {
		if c.Done != nil {
			n++
		}
	}
	return n
}

// HandoverSum counts what the playbook handed over, kind by kind (Add):
// the kinds known when the API was written each have a field of their
// own, and a kind added since is counted in Other under its name.
type HandoverSum struct {
	Merchants     int `json:"merchants"`
	BackupRoles   int `json:"backup_roles"`
	Stages        int `json:"application_stages"`
	CoveredStaff  int `json:"staff_backups"`
	Tasks         int `json:"tasks"`
	Notifications int `json:"notifications_queued"`
	// Unreachable merchants have no live phone, email or WeChat: their
	// new account manager gets a task to tell them in person.
	Unreachable int `json:"merchants_without_contact"`
	// Other counts the kinds without a field of their own, by kind.
	Other map[string]int `json:"other,omitempty"`
}

// The kinds of holdings the playbook hands over (handovers.kind), those
// with a field of their own in HandoverSum.
const (
	HoldingMerchant    = "merchant"
	HoldingBackup      = "backup"
	HoldingStage       = "stage"
	HoldingStaffBackup = "staff_backup"
	HoldingTask        = "task"
)

// Add counts n items of a kind handed over.
func (s *HandoverSum) Add(kind string, n int) {
	if n == 0 {
		return
	}
	switch kind {
	case HoldingMerchant:
		s.Merchants += n
	case HoldingBackup:
		s.BackupRoles += n
	case HoldingStage:
		s.Stages += n
	case HoldingStaffBackup:
		s.CoveredStaff += n
	case HoldingTask:
		s.Tasks += n
	default:
		if s.Other == nil {
			s.Other = map[string]int{}
		}
		s.Other[kind] += n
	}
}

// Event is one line of an incident's timeline: a catalog message, stored
// as such and put into words (Text) when read.
type Event struct {
	At   time.Time `json:"at"`
	ByID int64     `json:"by_id"`
	Text Text      `json:"text"`
	Msg  Msg       `json:"-"`
}

// RiskReport is what the person did in the trail during the last 30 days,
// the riskiest first: views of sensitive fields, exports and blocked bulk
// removals, then archives and removed contact details, then changes. The
// counts cover the whole window; Entries holds the riskiest of them.
type RiskReport struct {
	Since          time.Time    `json:"since"`
	SensitiveViews int          `json:"sensitive_views"`
	Exports        int          `json:"exports"`
	BulkBlocked    int          `json:"bulk_removals_blocked"`
	Archives       int          `json:"archives"` // archives and removed contact details
	Changes        int          `json:"changes"`
	Logins         int          `json:"logins"`
	Entries        []AuditEntry `json:"entries"`
}

// HandoverMessage is the notice a merchant gets about its new contact.
func HandoverMessage(merchant string, to *User) (subject, body Msg) {
	return M("notice.handover.subject"), M("notice.handover.body", "merchant", merchant, "manager", to.Name, "phone", to.Mobile)
}
