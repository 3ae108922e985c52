package console

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"poscare"
)

// field is one input of a generic record form.
type field struct {
	Name     string
	Label    string
	Kind     string // text, number, date, select
	Value    string
	Options  []option
	Error    string
	Hint     string
	Required bool
}

type option struct{ Value, Label string }

// formData is a generic record form: the same template renders merchant,
// terminal and contract forms from their field lists.
type formData struct {
	Action string
	Back   string
	Fields []field
}

// problems puts the field errors of err next to their inputs and returns
// whether err was a validation error; any other error is the caller's.
func problems(p *Page, fields []field, err error) bool {
	var e *poscare.Error
	if !errors.As(err, &e) || (e.Code != poscare.EInvalid && e.Code != poscare.EConflict && e.Code != poscare.EForbidden) {
		return false
	}
	p.Error = e.Message.In(p.Lang)
	for k, v := range e.Fields {
		placed := false
		for i := range fields {
			if fields[i].Name == k {
				fields[i].Error, placed = v.In(p.Lang), true
			}
		}
		if !placed {
			p.Error += "；" + v.In(p.Lang)
		}
	}
	return true
}

func enumOptions(p *Page, prefix string, values ...string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{v, p.Enum(prefix, v)}
	}
	return out
}

func idStr(v int64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(v, 10)
}

func ptrStr(v *int64) string { return idStr(deref(v)) }

func parseID(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}

func parseIDPtr(s string) *int64 {
	if n := parseID(s); n > 0 {
		return &n
	}
	return nil
}

// parseYuan reads "12.50" yuan as 1250 fen; ok=false when malformed.
func parseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, false
	}
	frac = (frac + "00")[:2]
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 {
		return 0, false
	}
	return w*100 + f, true
}

// parseRate reads "0.60" (percent) as 600 RateE5.
func parseRate(s string) (poscare.RateE5, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 3 {
		return 0, false
	}
	frac = (frac + "000")[:3]
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 {
		return 0, false
	}
	return poscare.RateE5(w*1000 + f), true
}

func staffOptions(p *Page, users []*poscare.User, empty bool) []option {
	var out []option
	if empty {
		out = append(out, option{"", p.T("common.none")})
	}
	for _, u := range users {
		if u.Role == poscare.RoleAgent || u.Role == poscare.RoleLead {
			out = append(out, option{idStr(u.ID), u.Name + "（" + p.Enum("role", u.Role) + "）"})
		}
	}
	return out
}

func teamOptions(teams []*poscare.Team) []option {
	var out []option
	for _, t := range teams {
		out = append(out, option{idStr(t.ID), t.Name})
	}
	return out
}

// merchantFields lays out the merchant form with m's values. Sensitive
// fields start empty: leaving them empty keeps the stored values.
func merchantFields(p *Page, m *poscare.Merchant, users []*poscare.User, teams []*poscare.Team) []field {
	lat, lng := "", ""
	if m.Latitude != 0 || m.Longitude != 0 {
		lat, lng = strconv.FormatFloat(m.Latitude, 'f', -1, 64), strconv.FormatFloat(m.Longitude, 'f', -1, 64)
	}
	keep := ""
	if m.ID != 0 {
		keep = p.T("merchant.sensitive")
	}
	return []field{
		{Name: "type", Label: p.Field("type"), Kind: "select", Value: string(m.Type), Required: true, Options: enumOptions(p, "mtype", "micro", "individual", "enterprise")},
		{Name: "legal_name", Label: p.Field("legal_name"), Kind: "text", Value: m.LegalName, Required: true},
		{Name: "uscc", Label: p.Field("uscc"), Kind: "text", Value: m.USCC},
		{Name: "principal_name", Label: p.Field("principal_name"), Kind: "text", Value: m.PrincipalName, Required: true},
		{Name: "principal_id_number", Label: p.Field("principal_id_number"), Kind: "text", Value: m.PrincipalIDNumber, Hint: strings.TrimSpace(m.PrincipalIDMasked + " " + keep)},
		{Name: "settlement_kind", Label: p.T("common.type") + " · " + p.Field("settlement_account"), Kind: "select", Value: string(m.SettlementKind), Options: enumOptions(p, "settle", "personal_card", "corporate")},
		{Name: "settlement_account", Label: p.Field("settlement_account"), Kind: "text", Value: m.SettlementAccount, Hint: strings.TrimSpace(m.SettlementMasked + " " + keep)},
		{Name: "mcc", Label: p.Field("mcc"), Kind: "text", Value: m.MCC, Required: true},
		{Name: "mid", Label: p.Field("mid"), Kind: "text", Value: m.MID},
		{Name: "fee_category", Label: p.Field("fee_category"), Kind: "select", Value: string(m.FeeCategory), Options: enumOptions(p, "fee", "standard", "discounted", "public_welfare")},
		{Name: "status", Label: p.Field("status"), Kind: "select", Value: string(m.Status), Options: enumOptions(p, "mstatus", "prospect", "onboarding", "active", "suspended", "terminated")},
		{Name: "address", Label: p.Field("address"), Kind: "text", Value: m.Address, Required: true},
		{Name: "latitude", Label: p.Field("latitude"), Kind: "text", Value: lat},
		{Name: "longitude", Label: p.Field("longitude"), Kind: "text", Value: lng},
		{Name: "team_id", Label: p.Field("team_id"), Kind: "select", Value: idStr(m.TeamID), Options: teamOptions(teams)},
		{Name: "account_manager_id", Label: p.Field("account_manager_id"), Kind: "select", Value: idStr(m.AccountManagerID), Options: staffOptions(p, users, false)},
		{Name: "backup_manager_id", Label: p.Field("backup_manager_id"), Kind: "select", Value: ptrStr(m.BackupManagerID), Options: staffOptions(p, users, true)},
	}
}

// bindMerchant copies a submitted form onto m. Numbers that do not parse
// become problems of their own field, reported with the domain's.
func bindMerchant(f url.Values, m *poscare.Merchant) poscare.Problems {
	pr := poscare.Problems{}
	m.Type = poscare.MerchantType(f.Get("type"))
	m.LegalName, m.USCC, m.PrincipalName = f.Get("legal_name"), f.Get("uscc"), f.Get("principal_name")
	m.PrincipalIDNumber, m.SettlementAccount = f.Get("principal_id_number"), f.Get("settlement_account")
	m.SettlementKind = poscare.SettlementKind(f.Get("settlement_kind"))
	m.MCC, m.MID = strings.TrimSpace(f.Get("mcc")), strings.TrimSpace(f.Get("mid"))
	m.FeeCategory, m.Status = poscare.FeeCategory(f.Get("fee_category")), poscare.MerchantStatus(f.Get("status"))
	m.Address = f.Get("address")
	var err1, err2 error
	m.Latitude, err1 = strconv.ParseFloat(strings.TrimSpace(f.Get("latitude")), 64)
	m.Longitude, err2 = strconv.ParseFloat(strings.TrimSpace(f.Get("longitude")), 64)
	if err1 != nil || err2 != nil {
		pr.Add("latitude", "应为数字", "must be a number")
	}
	m.TeamID, m.AccountManagerID, m.BackupManagerID = parseID(f.Get("team_id")), parseID(f.Get("account_manager_id")), parseIDPtr(f.Get("backup_manager_id"))
	return pr
}

func terminalFields(p *Page, t *poscare.Terminal) []field {
	warranty := ""
	if t.WarrantyEnd != nil {
		warranty = string(*t.WarrantyEnd)
	}
	return []field{
		{Name: "serial", Label: p.Field("serial"), Kind: "text", Value: t.Serial, Required: true},
		{Name: "vendor", Label: p.Field("vendor"), Kind: "text", Value: t.Vendor, Required: true},
		{Name: "model", Label: p.Field("model"), Kind: "text", Value: t.Model, Required: true},
		{Name: "status", Label: p.Field("status"), Kind: "select", Value: string(t.Status), Options: enumOptions(p, "tstatus", "in_stock", "installed", "active", "suspended", "in_repair", "retired", "lost")},
		{Name: "merchant_id", Label: p.Field("merchant_id") + " ID", Kind: "number", Value: ptrStr(t.MerchantID)},
		{Name: "tid", Label: p.Field("tid"), Kind: "text", Value: t.TID},
		{Name: "mid", Label: p.Field("mid"), Kind: "text", Value: t.MID},
		{Name: "install_address", Label: p.Field("install_address"), Kind: "text", Value: t.InstallAddress},
		{Name: "warranty_end", Label: p.Field("warranty_end"), Kind: "date", Value: warranty},
	}
}

func bindTerminal(f url.Values, t *poscare.Terminal) poscare.Problems {
	t.Serial, t.Vendor, t.Model = f.Get("serial"), f.Get("vendor"), f.Get("model")
	t.Status = poscare.TerminalStatus(f.Get("status"))
	t.MerchantID = parseIDPtr(f.Get("merchant_id"))
	t.TID, t.MID, t.InstallAddress = f.Get("tid"), strings.TrimSpace(f.Get("mid")), f.Get("install_address")
	t.WarrantyEnd = nil
	if w := strings.TrimSpace(f.Get("warranty_end")); w != "" {
		d := poscare.Date(w)
		t.WarrantyEnd = &d
	}
	return poscare.Problems{}
}

func contractFields(p *Page, c *poscare.Contract) []field {
	return []field{
		{Name: "starts_on", Label: p.Field("starts_on"), Kind: "date", Value: string(c.StartsOn), Required: true},
		{Name: "ends_on", Label: p.Field("ends_on"), Kind: "date", Value: string(c.EndsOn), Required: true},
		{Name: "deposit_fen", Label: p.Field("deposit_fen") + "（元 CNY）", Kind: "text", Value: yuan(c.DepositFen)},
		{Name: "monthly_comm_fee_fen", Label: p.Field("monthly_comm_fee_fen") + "（元 CNY）", Kind: "text", Value: yuan(c.MonthlyCommFeeFen)},
		{Name: "monthly_maint_fee_fen", Label: p.Field("monthly_maint_fee_fen") + "（元 CNY）", Kind: "text", Value: yuan(c.MonthlyMaintFeeFen)},
		{Name: "credit", Label: p.Field("fees") + " · credit %", Kind: "text", Value: strings.TrimSuffix(rate(c.Fees.Credit), "%")},
		{Name: "debit", Label: p.Field("fees") + " · debit %", Kind: "text", Value: strings.TrimSuffix(rate(c.Fees.Debit), "%")},
		{Name: "debit_cap", Label: p.Field("fees") + " · debit cap（元 CNY）", Kind: "text", Value: yuan(c.Fees.DebitCapFen)},
		{Name: "qr", Label: p.Field("fees") + " · QR %", Kind: "text", Value: strings.TrimSuffix(rate(c.Fees.QR), "%")},
	}
}

func bindContract(f url.Values, c *poscare.Contract) poscare.Problems {
	pr := poscare.Problems{}
	c.StartsOn, c.EndsOn = poscare.Date(strings.TrimSpace(f.Get("starts_on"))), poscare.Date(strings.TrimSpace(f.Get("ends_on")))
	for name, dst := range map[string]*int64{"deposit_fen": &c.DepositFen, "monthly_comm_fee_fen": &c.MonthlyCommFeeFen,
		"monthly_maint_fee_fen": &c.MonthlyMaintFeeFen, "debit_cap": &c.Fees.DebitCapFen} {
		v, ok := parseYuan(f.Get(name))
		if !ok {
			key := name
			if name == "debit_cap" {
				key = "fees"
			}
			pr.Add(key, "应为金额，如 12.50", "must be an amount such as 12.50")
		}
		*dst = v
	}
	for name, dst := range map[string]*poscare.RateE5{"credit": &c.Fees.Credit, "debit": &c.Fees.Debit, "qr": &c.Fees.QR} {
		v, ok := parseRate(f.Get(name))
		if !ok {
			pr.Add("fees", fmt.Sprintf("%s 应为百分比，如 0.60", name), fmt.Sprintf("%s must be a percentage such as 0.60", name))
		}
		*dst = v
	}
	return pr
}
