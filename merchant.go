package poscare

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MerchantType decides which identifiers and documents a merchant needs.
type MerchantType string

// The three merchant types of PRODUCT.md.
const (
	MerchantMicro      MerchantType = "micro"      // 小微商户: an individual without a business licence
	MerchantIndividual MerchantType = "individual" // 个体工商户: individual business
	MerchantEnterprise MerchantType = "enterprise" // 企业: company with a business licence
)

// MerchantTypes lists every merchant type; validation and the API's filter
// values read it.
var MerchantTypes = []MerchantType{MerchantMicro, MerchantIndividual, MerchantEnterprise}

// FeeCategory is the merchant's card-fee class.
type FeeCategory string

// Fee categories with their default credit-card rates.
const (
	FeeStandard      FeeCategory = "standard"       // 标准类: 0.60 %
	FeeDiscounted    FeeCategory = "discounted"     // 优惠类/惠民类: 0.38 %
	FeePublicWelfare FeeCategory = "public_welfare" // 公益类: 0 %
)

// MerchantStatus is where a merchant stands with the provider.
type MerchantStatus string

// Merchant statuses, in the order a merchant normally goes through them.
const (
	MerchantProspect   MerchantStatus = "prospect"
	MerchantOnboarding MerchantStatus = "onboarding"
	MerchantActive     MerchantStatus = "active"
	MerchantSuspended  MerchantStatus = "suspended"
	MerchantTerminated MerchantStatus = "terminated"
)

// MerchantStatuses lists every merchant status, in that order.
var MerchantStatuses = []MerchantStatus{MerchantProspect, MerchantOnboarding, MerchantActive, MerchantSuspended, MerchantTerminated}

// SettlementKind tells a personal bank card (checked by Luhn) from a
// corporate account (对公账户, which has no check digit).
type SettlementKind string

// Settlement account kinds.
const (
	SettlePersonalCard SettlementKind = "personal_card"
	SettleCorporate    SettlementKind = "corporate"
)

// Merchant is a business that takes card payments on the provider's
// terminals. The provider, not the salesperson, owns the relationship: the
// account manager and the backup manager are assignments, not owners.
//
// PrincipalIDNumber and SettlementAccount are sensitive: they are accepted
// in plain text on create and update, stored encrypted, and otherwise only
// shown masked. Reading them in clear is a separate, audited action.
type Merchant struct {
	ID                int64          `json:"id"`
	Type              MerchantType   `json:"type"`
	LegalName         string         `json:"legal_name"`
	USCC              string         `json:"uscc,omitempty"`
	PrincipalName     string         `json:"principal_name"`
	PrincipalIDNumber string         `json:"principal_id_number,omitempty"`
	PrincipalIDMasked string         `json:"principal_id_masked,omitempty"`
	SettlementKind    SettlementKind `json:"settlement_kind"`
	SettlementAccount string         `json:"settlement_account,omitempty"`
	SettlementMasked  string         `json:"settlement_account_masked,omitempty"`
	MID               string         `json:"mid,omitempty"`
	MCC               string         `json:"mcc"`
	FeeCategory       FeeCategory    `json:"fee_category"`
	Address           string         `json:"address"`
	Latitude          float64        `json:"latitude"`
	Longitude         float64        `json:"longitude"`
	Status            MerchantStatus `json:"status"`
	TeamID            int64          `json:"team_id"`
	AccountManagerID  int64          `json:"account_manager_id"`
	BackupManagerID   *int64         `json:"backup_manager_id,omitempty"`
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
	Archived          *Archival      `json:"archived,omitempty"`
}

// Validate checks every field of a merchant with its real rule. On update,
// empty sensitive fields mean "unchanged", so requireSensitive is false then.
func (m *Merchant) Validate(requireSensitive bool) error {
	p := Problems{}
	m.LegalName = strings.TrimSpace(m.LegalName)
	m.PrincipalName = strings.TrimSpace(m.PrincipalName)
	m.Address = strings.TrimSpace(m.Address)
	m.USCC = strings.ToUpper(strings.TrimSpace(m.USCC))
	m.PrincipalIDNumber = strings.ToUpper(strings.TrimSpace(m.PrincipalIDNumber))
	m.SettlementAccount = strings.ReplaceAll(strings.TrimSpace(m.SettlementAccount), " ", "")
	if m.Status == "" {
		m.Status = MerchantProspect
	}
	if m.FeeCategory == "" {
		m.FeeCategory = FeeStandard
	}
	if !slices.Contains(MerchantTypes, m.Type) {
		p.Add("type", "应为小微商户、个体工商户或企业", "must be micro, individual or enterprise")
	}
	if n := utf8.RuneCountInString(m.LegalName); n < 2 || n > MaxLegalName {
		p.Add("legal_name", fmt.Sprintf("必填，2-%d个字", MaxLegalName), fmt.Sprintf("required, 2 to %d characters", MaxLegalName))
	}
	if n := utf8.RuneCountInString(m.PrincipalName); n < 2 || n > MaxPersonName {
		p.Add("principal_name", fmt.Sprintf("必填，2-%d个字", MaxPersonName), fmt.Sprintf("required, 2 to %d characters", MaxPersonName))
	}
	// A micro-merchant has no business licence: it is identified by the
	// principal's ID number. Everyone else is identified by the USCC.
	if m.Type == MerchantMicro {
		if m.USCC != "" {
			p.Add("uscc", "小微商户无营业执照，不应填写", "a micro-merchant has no business licence")
		}
	} else if m.Type != "" && !ValidUSCC(m.USCC) {
		p.Add("uscc", "应为18位且校验位正确（GB 32100）", "must be 18 characters with a valid check character (GB 32100)")
	}
	if m.PrincipalIDNumber != "" || (requireSensitive && m.Type == MerchantMicro) {
		if !ValidResidentID(m.PrincipalIDNumber) {
			p.Add("principal_id_number", "应为18位且校验位正确（GB 11643）", "must be 18 characters with a valid check digit (GB 11643)")
		}
	}
	switch m.SettlementKind {
	case SettlePersonalCard:
		if m.Type == MerchantEnterprise {
			p.Add("settlement_account", "企业应使用对公账户结算", "an enterprise settles to a corporate account")
		}
	case SettleCorporate:
		if m.Type == MerchantMicro {
			p.Add("settlement_account", "小微商户应使用个人银行卡结算", "a micro-merchant settles to a personal card")
		}
	default:
		p.Add("settlement_account", "请选择个人银行卡或对公账户", "choose personal card or corporate account")
	}
	if m.SettlementAccount != "" || requireSensitive {
		switch {
		case m.SettlementKind == SettlePersonalCard && !ValidBankCard(m.SettlementAccount):
			p.Add("settlement_account", "银行卡号应为12-19位且通过Luhn校验", "card number must be 12-19 digits and pass the Luhn check")
		case m.SettlementKind == SettleCorporate && !validCorporateAccount(m.SettlementAccount):
			p.Add("settlement_account", "对公账号应为8-32位数字", "corporate account must be 8 to 32 digits")
		}
	}
	if !ValidMCC(m.MCC) {
		p.Add("mcc", "应为卡组织目录中的4位数字", "must be a 4-digit code from the card schemes' list")
	}
	if m.MID != "" {
		if !ValidMID(m.MID) {
			p.Add("mid", "应为15位数字，第8-11位为MCC", "must be 15 digits with the MCC at positions 8-11")
		} else if ValidMCC(m.MCC) && MIDMCC(m.MID) != m.MCC {
			p.Add("mid", "第8-11位与商户类别码不一致", "positions 8-11 do not match the MCC")
		}
	}
	switch m.FeeCategory {
	case FeeStandard, FeeDiscounted, FeePublicWelfare:
	default:
		p.Add("fee_category", "应为标准类、优惠类或公益类", "must be standard, discounted or public_welfare")
	}
	if n := utf8.RuneCountInString(m.Address); n < 5 || n > MaxAddress {
		p.Add("address", fmt.Sprintf("必填，5-%d个字", MaxAddress), fmt.Sprintf("required, 5 to %d characters", MaxAddress))
	}
	if !ValidCoordinates(m.Latitude, m.Longitude) {
		p.Add("latitude", "经纬度超出范围或未填写", "coordinates out of range or missing")
	}
	if !slices.Contains(MerchantStatuses, m.Status) {
		p.Add("status", "未知状态", "unknown status")
	}
	if (m.Status == MerchantActive || m.Status == MerchantSuspended) && m.MID == "" {
		p.Add("mid", "已开通商户必须有商户编号", "an active merchant needs a merchant number")
	}
	if m.TeamID == 0 {
		p.Add("team_id", "必填", "required")
	}
	if m.AccountManagerID == 0 {
		p.Add("account_manager_id", "必填", "required")
	}
	if m.BackupManagerID != nil && *m.BackupManagerID == m.AccountManagerID {
		p.Add("backup_manager_id", "不能与客户经理为同一人", "must differ from the account manager")
	}
	return p.Err()
}

func validCorporateAccount(s string) bool {
	if len(s) < 8 || len(s) > 32 {
		return false
	}
	return allDigits(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// MaskIDNumber keeps the region (first 4) and check part (last 4) of an ID
// number, enough for staff to confirm it with the merchant on the phone.
func MaskIDNumber(s string) string {
	if len(s) < 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}

// MaskAccount shows the first six and last four digits, the PCI DSS limit.
func MaskAccount(s string) string {
	if len(s) <= 10 {
		if len(s) <= 4 {
			return strings.Repeat("*", len(s))
		}
		return strings.Repeat("*", len(s)-4) + s[len(s)-4:]
	}
	return s[:6] + strings.Repeat("*", len(s)-10) + s[len(s)-4:]
}

// MerchantSensitive is the clear text of a merchant's protected fields,
// returned only by the audited reveal action.
type MerchantSensitive struct {
	MerchantID        int64  `json:"merchant_id"`
	PrincipalIDNumber string `json:"principal_id_number"`
	SettlementAccount string `json:"settlement_account"`
}

// MerchantFilter selects merchants in a list. The actor's scope is applied
// on top of it by the store; a filter can never widen what a role sees.
type MerchantFilter struct {
	Q                string // name fragment, phone, USCC, MID, ID number
	Status           MerchantStatus
	Type             MerchantType
	TeamID           *int64
	AccountManagerID *int64
	Archived         bool // list archived records instead of live ones
	// BeforeID keeps merchants with a smaller id only: paging by key, which
	// costs the same on the last page as on the first (exports use it).
	BeforeID int64
	Page
}

// Page is an offset window over a list. The API caps Limit.
type Page struct {
	Limit  int
	Offset int
	// More asks for one row beyond Limit, so that the caller can tell
	// whether there is a next page (the capped Limit stays a full page).
	More bool
}

// Rows is how many rows to read for the page.
func (p Page) Rows() int {
	if p.More {
		return p.Limit + 1
	}
	return p.Limit
}

// Normalize clamps the page to sane bounds.
func (p *Page) Normalize() {
	if p.Limit <= 0 {
		p.Limit = 50
	}
	if p.Limit > 500 {
		p.Limit = 500
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
}
