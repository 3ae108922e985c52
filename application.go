package poscare

import "time"

// Stage is one step of merchant onboarding (进件).
type Stage string

// The five onboarding stages, in order.
const (
	StageConsultation Stage = "consultation" // 咨询
	StageApplication  Stage = "application"  // 申请
	StageReview       Stage = "review"       // 审核
	StageInstallation Stage = "installation" // 安装
	StageTraining     Stage = "training"     // 培训
)

// Stages lists the onboarding stages in the order they happen.
var Stages = []Stage{StageConsultation, StageApplication, StageReview, StageInstallation, StageTraining}

// StageNames are the stages' names for people.
var StageNames = map[Stage]Text{
	StageConsultation: {"咨询", "consultation"},
	StageApplication:  {"申请", "application"},
	StageReview:       {"审核", "review"},
	StageInstallation: {"安装", "installation"},
	StageTraining:     {"培训", "training"},
}

// StageStep is one stage of one application: who is responsible, by when,
// and when it was done and by whom.
type StageStep struct {
	Stage         Stage      `json:"stage"`
	ResponsibleID int64      `json:"responsible_id"`
	DueAt         time.Time  `json:"due_at"`
	CompletedAt   *time.Time `json:"completed_at,omitempty"`
	CompletedByID *int64     `json:"completed_by_id,omitempty"`
}

// Overdue reports whether the step is still open after its due time.
func (s StageStep) Overdue(now time.Time) bool {
	return s.CompletedAt == nil && now.After(s.DueAt)
}

// Document is one item of an application's document checklist.
type Document struct {
	Kind     string `json:"kind"`
	Received bool   `json:"received"`
}

// DocumentNames are the document kinds' names for people.
var DocumentNames = map[string]Text{
	"id_card":          {"身份证正反面", "ID card, both sides"},
	"id_selfie":        {"手持身份证照片", "photo holding the ID card"},
	"bank_card":        {"结算银行卡", "settlement bank card"},
	"premises_photo":   {"经营场所照片", "photo of the premises"},
	"storefront_photo": {"门头照片", "storefront photo"},
	"business_licence": {"营业执照", "business licence"},
	"account_permit":   {"对公账户开户证明", "corporate account opening proof"},
	"legal_rep_id":     {"法定代表人身份证", "legal representative's ID card"},
	"settlement_proof": {"结算账户证明", "settlement account proof"},
	"lease_contract":   {"经营场所租赁合同", "premises lease"},
}

// RequiredDocuments returns the checklist an application needs for a
// merchant type: a micro-merchant proves a person and a place, a business
// proves its licence and account.
func RequiredDocuments(t MerchantType) []string {
	switch t {
	case MerchantMicro:
		return []string{"id_card", "id_selfie", "bank_card", "premises_photo"}
	case MerchantIndividual:
		return []string{"business_licence", "id_card", "settlement_proof", "storefront_photo", "premises_photo"}
	case MerchantEnterprise:
		return []string{"business_licence", "legal_rep_id", "account_permit", "storefront_photo", "premises_photo", "lease_contract"}
	}
	return nil
}

// Application is a merchant's way through onboarding. Each of its five
// stages has a responsible person and a deadline.
type Application struct {
	ID          int64       `json:"id"`
	MerchantID  int64       `json:"merchant_id"`
	Steps       []StageStep `json:"stages"`
	Documents   []Document  `json:"documents"`
	CompletedAt *time.Time  `json:"completed_at,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	Archived    *Archival   `json:"archived,omitempty"`
}

// CurrentStage returns the first stage not yet completed, or "" when all are.
func (a *Application) CurrentStage() Stage {
	for _, s := range a.Steps {
		if s.CompletedAt == nil {
			return s.Stage
		}
	}
	return ""
}

// Validate checks that an application has all five stages in order, each
// with a responsible person and a due date, and that its checklist matches
// the merchant type.
func (a *Application) Validate(mt MerchantType) error {
	p := Problems{}
	if a.MerchantID == 0 {
		p.Add("merchant_id", "必填", "required")
	}
	if len(a.Steps) != len(Stages) {
		p.Add("stages", "必须包含咨询、申请、审核、安装、培训五个阶段", "must have the five stages consultation, application, review, installation, training")
	} else {
		for i, s := range a.Steps {
			if s.Stage != Stages[i] {
				p.Add("stages", "阶段顺序不正确", "stages are out of order")
				break
			}
			if s.ResponsibleID == 0 {
				p.Add("responsible_id", StageNames[s.Stage].Zh+"阶段缺少负责人", "the "+StageNames[s.Stage].En+" stage needs a responsible person")
			}
			if s.DueAt.IsZero() {
				p.Add("due_at", StageNames[s.Stage].Zh+"阶段缺少截止时间", "the "+StageNames[s.Stage].En+" stage needs a due date")
			}
			if i > 0 && s.CompletedAt != nil && a.Steps[i-1].CompletedAt == nil {
				p.Add("stages", "不能跳过前一阶段", "a stage cannot complete before the one before it")
			}
		}
	}
	want := RequiredDocuments(mt)
	if len(a.Documents) == 0 {
		for _, k := range want {
			a.Documents = append(a.Documents, Document{Kind: k})
		}
	}
	got := map[string]bool{}
	for _, d := range a.Documents {
		got[d.Kind] = true
	}
	for _, k := range want {
		if !got[k] {
			p.Add("documents", "缺少"+DocumentNames[k].Zh, "missing "+DocumentNames[k].En)
		}
	}
	return p.Err()
}

// NewApplication lays out the five stages for a merchant with default
// deadlines from start: the responsible person for every stage is the
// account manager until someone reassigns it.
func NewApplication(merchantID, responsibleID int64, mt MerchantType, start time.Time) *Application {
	a := &Application{MerchantID: merchantID}
	days := []int{2, 5, 8, 12, 15}
	for i, s := range Stages {
		a.Steps = append(a.Steps, StageStep{Stage: s, ResponsibleID: responsibleID, DueAt: start.Add(time.Duration(days[i]) * 24 * time.Hour).UTC()})
	}
	for _, k := range RequiredDocuments(mt) {
		a.Documents = append(a.Documents, Document{Kind: k})
	}
	return a
}

// ApplicationFilter selects applications in a list.
type ApplicationFilter struct {
	MerchantID    *int64
	Stage         Stage // current stage
	Overdue       bool  // only those whose current stage is past due
	ResponsibleID *int64
	Archived      bool
	Page
}
