package poscare

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// TerminalStatus is where a POS terminal (POS机) is in its life.
type TerminalStatus string

// Terminal statuses.
const (
	TerminalInStock   TerminalStatus = "in_stock"
	TerminalInstalled TerminalStatus = "installed"
	TerminalActive    TerminalStatus = "active"
	TerminalSuspended TerminalStatus = "suspended"
	TerminalInRepair  TerminalStatus = "in_repair"
	TerminalRetired   TerminalStatus = "retired"
	TerminalLost      TerminalStatus = "lost"
)

// TerminalStatuses lists every terminal status.
var TerminalStatuses = []TerminalStatus{TerminalInStock, TerminalInstalled, TerminalActive, TerminalSuspended, TerminalInRepair, TerminalRetired, TerminalLost}

// Terminal is one POS device owned by the provider. Per PBoC 银发〔2021〕259号
// a deployed terminal's serial number is bound one-to-one to a merchant, its
// merchant number (MID) and an installation address.
type Terminal struct {
	ID             int64          `json:"id"`
	Serial         string         `json:"serial"`
	Model          string         `json:"model"`
	Vendor         string         `json:"vendor"`
	TID            string         `json:"tid,omitempty"`
	MerchantID     *int64         `json:"merchant_id,omitempty"`
	MID            string         `json:"mid,omitempty"`
	Status         TerminalStatus `json:"status"`
	InstallAddress string         `json:"install_address,omitempty"`
	WarrantyEnd    *Date          `json:"warranty_end,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	Archived       *Archival      `json:"archived,omitempty"`
}

// Deployed reports whether the terminal is at a merchant and so must carry
// the full binding.
func (t *Terminal) Deployed() bool {
	return t.Status == TerminalInstalled || t.Status == TerminalActive || t.Status == TerminalSuspended
}

// Validate checks a terminal and its binding. That MID equals the bound
// merchant's MID is checked by the store, which can see the merchant.
func (t *Terminal) Validate() error {
	p := Problems{}
	t.Serial = strings.ToUpper(strings.TrimSpace(t.Serial))
	t.TID = strings.ToUpper(strings.TrimSpace(t.TID))
	t.Model = strings.TrimSpace(t.Model)
	t.Vendor = strings.TrimSpace(t.Vendor)
	t.InstallAddress = strings.TrimSpace(t.InstallAddress)
	if t.Status == "" {
		t.Status = TerminalInStock
	}
	if !validSerial(t.Serial) {
		p.Add("serial", "应为6-32位大写字母、数字或连字符", "must be 6-32 upper-case letters, digits or '-'")
	}
	if t.Model == "" || utf8.RuneCountInString(t.Model) > MaxTerminalLabel {
		p.Add("model", fmt.Sprintf("必填，最多%d个字", MaxTerminalLabel), fmt.Sprintf("required, at most %d characters", MaxTerminalLabel))
	}
	if t.Vendor == "" || utf8.RuneCountInString(t.Vendor) > MaxTerminalLabel {
		p.Add("vendor", fmt.Sprintf("必填，最多%d个字", MaxTerminalLabel), fmt.Sprintf("required, at most %d characters", MaxTerminalLabel))
	}
	CheckLength(p, "install_address", t.InstallAddress, MaxAddress)
	if t.TID != "" && !ValidTID(t.TID) {
		p.Add("tid", "应为8位数字或大写字母", "must be 8 digits or upper-case letters")
	}
	if t.MID != "" && !ValidMID(t.MID) {
		p.Add("mid", "应为15位数字，第8-11位为MCC", "must be 15 digits with the MCC at positions 8-11")
	}
	if t.WarrantyEnd != nil && *t.WarrantyEnd != "" {
		if _, ok := ParseDate(string(*t.WarrantyEnd)); !ok {
			p.Add("warranty_end", "应为 YYYY-MM-DD 日期", "must be a YYYY-MM-DD date")
		}
	}
	if !slices.Contains(TerminalStatuses, t.Status) {
		p.Add("status", "未知状态", "unknown status")
	}
	if t.Deployed() {
		if t.MerchantID == nil {
			p.Add("merchant_id", "已装机终端必须绑定商户", "a deployed terminal must be bound to a merchant")
		}
		if t.TID == "" {
			p.Add("tid", "已装机终端必须有终端号", "a deployed terminal needs a terminal ID")
		}
		if t.MID == "" {
			p.Add("mid", "已装机终端必须绑定商户编号", "a deployed terminal needs the merchant number")
		}
		if utf8.RuneCountInString(t.InstallAddress) < 5 {
			p.Add("install_address", "已装机终端必须登记装机地址", "a deployed terminal needs its installation address")
		}
	}
	if t.Status == TerminalInStock && t.MerchantID != nil {
		p.Add("merchant_id", "库存终端不能绑定商户", "a terminal in stock is not bound to a merchant")
	}
	return p.Err()
}

func validSerial(s string) bool {
	if len(s) < 6 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Date is a calendar day without a time, stored as YYYY-MM-DD.
type Date string

// ParseDate validates a YYYY-MM-DD string.
func ParseDate(s string) (Date, bool) {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", false
	}
	return Date(s), true
}

// Time returns the start of the day in UTC.
func (d Date) Time() time.Time {
	t, _ := time.Parse(time.DateOnly, string(d))
	return t
}

// TerminalFilter selects terminals in a list.
type TerminalFilter struct {
	Q          string // serial, TID or MID
	Status     TerminalStatus
	MerchantID *int64
	Archived   bool
	Page
}
