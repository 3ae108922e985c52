package poscare

import (
	"sort"
	"time"
)

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
		p.Add("kind", "应为 missing（失踪）或 departed（离职）", "must be missing or departed")
	}
	if d.Strategy == "" {
		d.Strategy = StrategyBackup
	}
	if d.Strategy != StrategyBackup && d.Strategy != StrategySpread {
		p.Add("strategy", "应为 backup（全部交给备岗）或 spread（按负荷分给团队）", "must be backup or spread")
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

// HandoverSum counts what the playbook handed over.
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
}

// Event is one line of an incident's timeline.
type Event struct {
	At   time.Time `json:"at"`
	ByID int64     `json:"by_id"`
	Text Text      `json:"text"`
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

// RiskRank orders audit actions by how much they worry a compliance team:
// lower is riskier. Actions not listed rank last.
var RiskRank = map[string]int{AuditView: 0, AuditExport: 1, "bulk_blocked": 1, "archive": 2, "remove_channel": 2,
	"restore_channel": 3, "update": 4, "create": 5, "advance": 6}

// riskOf is an action's rank.
func riskOf(action string) int {
	if v, ok := RiskRank[action]; ok {
		return v
	}
	return 9
}

// BuildRiskReport summarises a person's audit entries since a time.
// counts is the number of entries per action over the whole window (the
// store counts them all); entries are the ones to list, put riskiest
// first and, within a rank, newest first.
func BuildRiskReport(since time.Time, counts map[string]int, es []AuditEntry) *RiskReport {
	r := &RiskReport{Since: since}
	for action, n := range counts {
		switch action {
		case AuditView:
			r.SensitiveViews += n
		case AuditExport:
			r.Exports += n
		case "bulk_blocked":
			r.BulkBlocked += n
		case "archive", "remove_channel":
			r.Archives += n
		case AuditLogin, AuditLoginFailed:
			r.Logins += n
		default:
			r.Changes += n
		}
	}
	r.Entries = append([]AuditEntry(nil), es...)
	sort.SliceStable(r.Entries, func(i, j int) bool {
		a, b := r.Entries[i], r.Entries[j]
		if riskOf(a.Action) != riskOf(b.Action) {
			return riskOf(a.Action) < riskOf(b.Action)
		}
		return a.Seq > b.Seq
	})
	return r
}

// HandoverMessage is the notice a merchant gets about its new contact.
func HandoverMessage(merchant string, to *User) (subject, body Msg) {
	return M("notice.handover.subject"), M("notice.handover.body", "merchant", merchant, "manager", to.Name, "phone", to.Mobile)
}
