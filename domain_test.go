package poscare

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// fieldKeys returns the sorted field names of a validation error, nil for nil.
func fieldKeys(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != EInvalid {
		t.Fatalf("error %v is not an EInvalid *Error", err)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// wantKeys fails unless err is exactly the EInvalid naming want (nil: no error).
func wantKeys(t *testing.T, err error, want ...string) {
	t.Helper()
	got := fieldKeys(t, err)
	sort.Strings(want)
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("invalid fields = %v, want %v (error: %v)", got, want, err)
	}
}

func TestFeeScheduleFee(t *testing.T) {
	std := DefaultFees(FeeStandard)
	disc := DefaultFees(FeeDiscounted)
	tests := []struct {
		name   string
		fees   FeeSchedule
		amount int64
		method PaymentMethod
		want   int64
	}{
		{"credit 0.60% of 123.45 is 74.07 fen, rounds down", std, 12345, PayCredit, 74},
		{"credit 0.60% of 123.75 is 74.25 fen, rounds down", std, 12375, PayCredit, 74},
		{"credit 0.60% of 2.50 is exactly 1.5 fen, rounds up", std, 250, PayCredit, 2},
		{"credit 0.60% of 2.49 is 1.494 fen, rounds down", std, 249, PayCredit, 1},
		{"credit 0.60% of 1.00 CNY", std, 100, PayCredit, 1},
		{"credit on zero amount", std, 0, PayCredit, 0},
		{"discounted 0.38% of 131.58 is 50.0004 fen", disc, 13158, PayCredit, 50},
		{"discounted 0.38% of 132.89 is 50.4982 fen", disc, 13289, PayCredit, 50},
		{"discounted 0.38% of 25.00 is exactly 9.5 fen, rounds up", disc, 2500, PayCredit, 10},
		{"QR 0.38% of 132.89", std, 13289, PayQR, 50},
		{"UnionPay QR charged at the credit rate", std, 12345, PayUnionPayQR, 74},
		{"debit 0.50% of 1.00 CNY is exactly 0.5 fen, rounds up", std, 100, PayDebit, 1},
		{"debit 0.50% of 4,999.99 CNY is 2,499.995 fen, rounds to the cap", std, 499_999, PayDebit, 2500},
		{"debit 0.50% of 5,000 CNY equals the cap", std, 500_000, PayDebit, 2500},
		{"debit 0.50% of 100,000 CNY capped at 25 CNY", std, 10_000_000, PayDebit, 2500},
		{"debit 0.50% of 4,000 CNY below the cap", std, 400_000, PayDebit, 2000},
		{"debit with no cap is not capped", FeeSchedule{Debit: 500}, 10_000_000, PayDebit, 50_000},
		{"credit is never capped", FeeSchedule{Credit: 600, DebitCapFen: 2500}, 10_000_000, PayCredit, 60_000},
		{"public welfare pays nothing", DefaultFees(FeePublicWelfare), 10_000_000, PayCredit, 0},
		{"unknown method pays nothing", std, 10_000, PaymentMethod("cash"), 0},
		{"large amount does not overflow", std, 1_000_000_000_000, PayCredit, 6_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fees.Fee(tt.amount, tt.method); got != tt.want {
				t.Errorf("Fee(%d, %s) = %d, want %d", tt.amount, tt.method, got, tt.want)
			}
		})
	}
}

func TestDefaultFees(t *testing.T) {
	tests := []struct {
		cat  FeeCategory
		want FeeSchedule
	}{
		{FeeStandard, FeeSchedule{Credit: 600, Debit: 500, DebitCapFen: 2500, QR: 380}},
		{FeeDiscounted, FeeSchedule{Credit: 380, Debit: 500, DebitCapFen: 2500, QR: 380}},
		{FeePublicWelfare, FeeSchedule{}},
	}
	for _, tt := range tests {
		if got := DefaultFees(tt.cat); got != tt.want {
			t.Errorf("DefaultFees(%s) = %+v, want %+v", tt.cat, got, tt.want)
		}
	}
}

func TestContractWarnings(t *testing.T) {
	tests := []struct {
		name   string
		cat    FeeCategory
		credit RateE5
		warn   bool
	}{
		{"standard at 0.45% warns", FeeStandard, 450, true},
		{"standard at 0.49% warns", FeeStandard, 490, true},
		{"standard at 0.50% is fine", FeeStandard, 500, false},
		{"standard at the default 0.60% is fine", FeeStandard, 600, false},
		{"discounted at its default 0.38% is fine", FeeDiscounted, 380, false},
		{"discounted below its default warns", FeeDiscounted, 370, true},
		{"public welfare at 0% is fine", FeePublicWelfare, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Contract{Fees: FeeSchedule{Credit: tt.credit}}
			if got := len(c.Warnings(tt.cat)) > 0; got != tt.warn {
				t.Errorf("Warnings = %v, want warning %v", c.Warnings(tt.cat), tt.warn)
			}
		})
	}
}

func TestContractValidate(t *testing.T) {
	valid := func() *Contract {
		return &Contract{MerchantID: 1, StartsOn: "2025-03-01", EndsOn: "2026-02-28", DepositFen: 29900,
			MonthlyCommFeeFen: 1500, MonthlyMaintFeeFen: 1000, Fees: DefaultFees(FeeStandard)}
	}
	tests := []struct {
		name   string
		mutate func(c *Contract)
		want   []string
	}{
		{"valid", func(c *Contract) {}, nil},
		{"no merchant", func(c *Contract) { c.MerchantID = 0 }, []string{"merchant_id"}},
		{"bad start date", func(c *Contract) { c.StartsOn = "2025-02-30" }, []string{"starts_on"}},
		{"end before start", func(c *Contract) { c.EndsOn = "2025-02-28" }, []string{"ends_on"}},
		{"end on start", func(c *Contract) { c.EndsOn = c.StartsOn }, []string{"ends_on"}},
		{"negative deposit", func(c *Contract) { c.DepositFen = -1 }, []string{"deposit_fen"}},
		{"rate above 5%", func(c *Contract) { c.Fees.QR = 5001 }, []string{"fees"}},
		{"negative rate", func(c *Contract) { c.Fees.Credit = -1 }, []string{"fees"}},
		{"negative debit cap", func(c *Contract) { c.Fees.DebitCapFen = -1 }, []string{"fees"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.mutate(c)
			wantKeys(t, c.Validate(), tt.want...)
		})
	}
}

// domainResidentID and domainCard build identifiers that pass their checks.
func domainResidentID(t *testing.T, first17 string) string {
	t.Helper()
	c, ok := ResidentIDCheckChar(first17)
	if !ok {
		t.Fatalf("ResidentIDCheckChar(%q)", first17)
	}
	return first17 + string(c)
}

func domainCard(t *testing.T, payload string) string {
	t.Helper()
	c, ok := LuhnCheckDigit(payload)
	if !ok {
		t.Fatalf("LuhnCheckDigit(%q)", payload)
	}
	return payload + string(c)
}

func domainFlipLast(s string) string {
	if s[len(s)-1] == '0' {
		return s[:len(s)-1] + "1"
	}
	return s[:len(s)-1] + "0"
}

func TestMerchantValidate(t *testing.T) {
	id := domainResidentID(t, "44030519850615123")
	card := domainCard(t, "622202123456789012")
	backup := int64(3)
	micro := func() *Merchant {
		return &Merchant{Type: MerchantMicro, LegalName: "张记兰州牛肉面馆", PrincipalName: "张伟",
			PrincipalIDNumber: id, SettlementKind: SettlePersonalCard, SettlementAccount: card,
			MID: "102584058120001", MCC: "5812", Address: "广东省深圳市南山区科技园南路18号",
			Latitude: 22.54, Longitude: 113.95, TeamID: 1, AccountManagerID: 2, BackupManagerID: &backup}
	}
	enterprise := func() *Merchant {
		return &Merchant{Type: MerchantEnterprise, LegalName: "深圳前海鼎盛商贸有限公司", USCC: "91440300708461136T",
			PrincipalName: "王强", SettlementKind: SettleCorporate, SettlementAccount: "4000023309200123456",
			MCC: "5411", FeeCategory: FeeDiscounted, Address: "广东省深圳市前海深港合作区前湾一路1号",
			Latitude: 22.52, Longitude: 113.90, TeamID: 1, AccountManagerID: 2}
	}
	tests := []struct {
		name   string
		base   func() *Merchant
		mutate func(m *Merchant)
		want   []string
	}{
		{"valid micro", micro, func(m *Merchant) {}, nil},
		{"valid enterprise", enterprise, func(m *Merchant) {}, nil},
		{"lower-case input is normalised", enterprise, func(m *Merchant) { m.USCC = " 91440300708461136t " }, nil},
		{"unknown type", enterprise, func(m *Merchant) { m.Type = "shop" }, []string{"type"}},
		{"unknown type also needs a USCC", micro, func(m *Merchant) { m.Type = "shop" }, []string{"type", "uscc"}},
		{"legal name too short", micro, func(m *Merchant) { m.LegalName = " 张 " }, []string{"legal_name"}},
		{"principal name missing", micro, func(m *Merchant) { m.PrincipalName = "" }, []string{"principal_name"}},
		{"micro with a USCC", micro, func(m *Merchant) { m.USCC = "91440300708461136T" }, []string{"uscc"}},
		{"enterprise without USCC", enterprise, func(m *Merchant) { m.USCC = "" }, []string{"uscc"}},
		{"enterprise with bad USCC check", enterprise, func(m *Merchant) { m.USCC = "91440300708461136A" }, []string{"uscc"}},
		{"micro without ID number", micro, func(m *Merchant) { m.PrincipalIDNumber = "" }, []string{"principal_id_number"}},
		{"bad ID check digit", micro, func(m *Merchant) { m.PrincipalIDNumber = domainFlipLast(id) }, []string{"principal_id_number"}},
		{"bad card Luhn", micro, func(m *Merchant) { m.SettlementAccount = domainFlipLast(card) }, []string{"settlement_account"}},
		{"card with spaces is normalised", micro, func(m *Merchant) { m.SettlementAccount = card[:4] + " " + card[4:] }, nil},
		{"enterprise on a personal card", enterprise, func(m *Merchant) { m.SettlementKind, m.SettlementAccount = SettlePersonalCard, card }, []string{"settlement_account"}},
		{"micro on a corporate account", micro, func(m *Merchant) { m.SettlementKind, m.SettlementAccount = SettleCorporate, "4000023309200123456" }, []string{"settlement_account"}},
		{"corporate account with letters", enterprise, func(m *Merchant) { m.SettlementAccount = "4000A23309200123456" }, []string{"settlement_account"}},
		{"no settlement kind", micro, func(m *Merchant) { m.SettlementKind = "" }, []string{"settlement_account"}},
		{"unassigned MCC", micro, func(m *Merchant) { m.MCC = "0000"; m.MID = "" }, []string{"mcc"}},
		{"MID of 14 digits", micro, func(m *Merchant) { m.MID = "10258405812000" }, []string{"mid"}},
		{"MID whose positions 8-11 differ from the MCC", micro, func(m *Merchant) { m.MID = "102584054110001" }, []string{"mid"}},
		{"active merchant without MID", micro, func(m *Merchant) { m.MID, m.Status = "", MerchantActive }, []string{"mid"}},
		{"unknown fee category", micro, func(m *Merchant) { m.FeeCategory = "vip" }, []string{"fee_category"}},
		{"address too short", micro, func(m *Merchant) { m.Address = "深圳" }, []string{"address"}},
		{"coordinates unset", micro, func(m *Merchant) { m.Latitude, m.Longitude = 0, 0 }, []string{"latitude"}},
		{"latitude out of range", micro, func(m *Merchant) { m.Latitude = 91 }, []string{"latitude"}},
		{"unknown status", micro, func(m *Merchant) { m.Status = "closed" }, []string{"status"}},
		{"no team", micro, func(m *Merchant) { m.TeamID = 0 }, []string{"team_id"}},
		{"no account manager", micro, func(m *Merchant) { m.AccountManagerID = 0; m.BackupManagerID = nil }, []string{"account_manager_id"}},
		{"backup is the account manager", micro, func(m *Merchant) { m.BackupManagerID = &m.AccountManagerID }, []string{"backup_manager_id"}},
		{"every problem at once", micro, func(m *Merchant) {
			m.PrincipalIDNumber, m.SettlementAccount, m.MCC, m.Address = "x", "y", "1", ""
		}, []string{"principal_id_number", "settlement_account", "mcc", "address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.base()
			tt.mutate(m)
			wantKeys(t, m.Validate(true), tt.want...)
		})
	}
	t.Run("defaults status and fee category", func(t *testing.T) {
		m := micro()
		m.Status, m.FeeCategory, m.MID = "", "", ""
		wantKeys(t, m.Validate(true))
		if m.Status != MerchantProspect || m.FeeCategory != FeeStandard {
			t.Fatalf("defaults: status %q fee category %q", m.Status, m.FeeCategory)
		}
	})
	t.Run("update keeps stored sensitive values when empty", func(t *testing.T) {
		m := micro()
		m.PrincipalIDNumber, m.SettlementAccount = "", ""
		wantKeys(t, m.Validate(false))
		wantKeys(t, m.Validate(true), "principal_id_number", "settlement_account")
	})
	t.Run("update still checks a new sensitive value", func(t *testing.T) {
		m := micro()
		m.PrincipalIDNumber, m.SettlementAccount = "", domainFlipLast(card)
		wantKeys(t, m.Validate(false), "settlement_account")
	})
}

func TestContactValidate(t *testing.T) {
	valid := func() *Contact {
		return &Contact{MerchantID: 1, Name: "张伟", Role: "owner", Channels: []Channel{
			{Kind: ChannelPhone, Value: "13812345678"},
			{Kind: ChannelPhone, Value: "0755-26781234"},
			{Kind: ChannelEmail, Value: "zhang@example.cn"},
			{Kind: ChannelWeChat, Value: "zhangwei_88"},
		}}
	}
	phone := func(v string) func(c *Contact) {
		return func(c *Contact) { c.Channels = []Channel{{Kind: ChannelPhone, Value: v}} }
	}
	tests := []struct {
		name   string
		mutate func(c *Contact)
		want   []string
	}{
		{"valid", func(c *Contact) {}, nil},
		{"mobile with spaces", phone("138 1234 5678"), nil},
		{"landline with 3-digit area code", phone("010-12345678"), nil},
		{"mobile of 10 digits", phone("1381234567"), []string{"channels"}},
		{"mobile starting with 2", phone("23812345678"), []string{"channels"}},
		{"mobile with +86", phone("+8613812345678"), []string{"channels"}},
		{"landline without area code", phone("12345678"), []string{"channels"}},
		{"bad email", func(c *Contact) { c.Channels[2].Value = "zhang@example" }, []string{"channels"}},
		{"bad WeChat ID", func(c *Contact) { c.Channels[3].Value = "8zhang" }, []string{"channels"}},
		{"unknown channel kind", func(c *Contact) { c.Channels[0].Kind = "fax" }, []string{"channels"}},
		{"duplicate channel", func(c *Contact) { c.Channels = append(c.Channels, Channel{Kind: ChannelPhone, Value: "138 1234 5678"}) }, []string{"channels"}},
		{"no channel", func(c *Contact) { c.Channels = nil }, []string{"channels"}},
		{"preferred channel not given", func(c *Contact) { c.Channels = c.Channels[:1]; c.PreferredChannel = ChannelEmail }, []string{"preferred_channel"}},
		{"no name", func(c *Contact) { c.Name = "  " }, []string{"name"}},
		{"unknown role", func(c *Contact) { c.Role = "boss" }, []string{"contact_role"}},
		{"no merchant", func(c *Contact) { c.MerchantID = 0 }, []string{"merchant_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.mutate(c)
			wantKeys(t, c.Validate(), tt.want...)
		})
	}
	t.Run("normalises channels and defaults", func(t *testing.T) {
		c := &Contact{MerchantID: 1, Name: "李娜", Channels: []Channel{
			{Kind: ChannelEmail, Value: " Li.Na@Example.CN "}, {Kind: ChannelPhone, Value: "139 9876 5432"}}}
		wantKeys(t, c.Validate())
		if c.Role != "owner" || c.PreferredChannel != ChannelEmail {
			t.Errorf("defaults: role %q preferred %q", c.Role, c.PreferredChannel)
		}
		if c.Channels[0].Value != "li.na@example.cn" || c.Channels[1].Value != "13998765432" {
			t.Errorf("normalised channels %+v", c.Channels)
		}
	})
}

func TestTerminalValidate(t *testing.T) {
	merchant := int64(7)
	installed := func() *Terminal {
		return &Terminal{Serial: "PAX-A920-0001", Model: "A920", Vendor: "百富", TID: "10000001", MerchantID: &merchant,
			MID: "102584058120001", Status: TerminalInstalled, InstallAddress: "广东省深圳市南山区科技园南路18号"}
	}
	stock := func() *Terminal { return &Terminal{Serial: "PAX-A920-0002", Model: "A920", Vendor: "百富"} }
	tests := []struct {
		name   string
		base   func() *Terminal
		mutate func(x *Terminal)
		want   []string
	}{
		{"valid installed", installed, func(x *Terminal) {}, nil},
		{"valid in stock", stock, func(x *Terminal) {}, nil},
		{"lower-case serial and TID normalised", installed, func(x *Terminal) { x.Serial, x.TID = "pax-a920-0001", "1000abcd" }, nil},
		{"active and suspended need the binding too", installed, func(x *Terminal) { x.Status = TerminalSuspended }, nil},
		{"in stock bound to a merchant", stock, func(x *Terminal) { x.MerchantID = &merchant }, []string{"merchant_id"}},
		{"installed without merchant", installed, func(x *Terminal) { x.MerchantID = nil }, []string{"merchant_id"}},
		{"installed without TID", installed, func(x *Terminal) { x.TID = "" }, []string{"tid"}},
		{"installed without MID", installed, func(x *Terminal) { x.MID = "" }, []string{"mid"}},
		{"installed without address", installed, func(x *Terminal) { x.InstallAddress = "" }, []string{"install_address"}},
		{"active without any binding", stock, func(x *Terminal) { x.Status = TerminalActive },
			[]string{"merchant_id", "tid", "mid", "install_address"}},
		{"in repair needs no binding", stock, func(x *Terminal) { x.Status = TerminalInRepair }, nil},
		{"serial too short", stock, func(x *Terminal) { x.Serial = "AB12" }, []string{"serial"}},
		{"serial with a space", stock, func(x *Terminal) { x.Serial = "PAX A920" }, []string{"serial"}},
		{"TID of 7 characters", installed, func(x *Terminal) { x.TID = "1000000" }, []string{"tid"}},
		{"MID malformed", installed, func(x *Terminal) { x.MID = "10258405812000X" }, []string{"mid"}},
		{"no model", stock, func(x *Terminal) { x.Model = "" }, []string{"model"}},
		{"no vendor", stock, func(x *Terminal) { x.Vendor = "" }, []string{"vendor"}},
		{"unknown status", stock, func(x *Terminal) { x.Status = "broken" }, []string{"status"}},
		{"valid warranty end", stock, func(x *Terminal) { d := Date("2027-02-28"); x.WarrantyEnd = &d }, nil},
		{"impossible warranty end", stock, func(x *Terminal) { d := Date("2027-02-30"); x.WarrantyEnd = &d }, []string{"warranty_end"}},
		{"warranty end not a date", stock, func(x *Terminal) { d := Date("next year"); x.WarrantyEnd = &d }, []string{"warranty_end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := tt.base()
			tt.mutate(x)
			wantKeys(t, x.Validate(), tt.want...)
		})
	}
	t.Run("defaults to in stock", func(t *testing.T) {
		x := stock()
		wantKeys(t, x.Validate())
		if x.Status != TerminalInStock || x.Deployed() {
			t.Fatalf("status %q deployed %v", x.Status, x.Deployed())
		}
	})
}

func TestApplicationValidate(t *testing.T) {
	start := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		mt     MerchantType
		mutate func(a *Application)
		want   []string
	}{
		{"new micro application", MerchantMicro, func(a *Application) {}, nil},
		{"new enterprise application", MerchantEnterprise, func(a *Application) {}, nil},
		{"four stages", MerchantMicro, func(a *Application) { a.Steps = a.Steps[:4] }, []string{"stages"}},
		{"stages out of order", MerchantMicro, func(a *Application) { a.Steps[1], a.Steps[2] = a.Steps[2], a.Steps[1] }, []string{"stages"}},
		{"stage without responsible person", MerchantMicro, func(a *Application) { a.Steps[3].ResponsibleID = 0 }, []string{"responsible_id"}},
		{"stage without due date", MerchantMicro, func(a *Application) { a.Steps[4].DueAt = time.Time{} }, []string{"due_at"}},
		{"stage completed before the one before it", MerchantMicro, func(a *Application) { a.Steps[2].CompletedAt = &start }, []string{"stages"}},
		{"stages completed in order", MerchantMicro, func(a *Application) { a.Steps[0].CompletedAt, a.Steps[1].CompletedAt = &start, &start }, nil},
		{"missing a required document", MerchantEnterprise, func(a *Application) { a.Documents = a.Documents[1:] }, []string{"documents"}},
		{"micro checklist for an enterprise", MerchantEnterprise, func(a *Application) {
			a.Documents = nil
			for _, k := range RequiredDocuments(MerchantMicro) {
				a.Documents = append(a.Documents, Document{Kind: k})
			}
		}, []string{"documents"}},
		{"no merchant", MerchantMicro, func(a *Application) { a.MerchantID = 0 }, []string{"merchant_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewApplication(9, 4, tt.mt, start)
			tt.mutate(a)
			wantKeys(t, a.Validate(tt.mt), tt.want...)
		})
	}
	t.Run("new application lays out five stages with deadlines", func(t *testing.T) {
		a := NewApplication(9, 4, MerchantIndividual, start)
		days := []int{2, 5, 8, 12, 15}
		for i, st := range a.Steps {
			if st.Stage != Stages[i] || st.ResponsibleID != 4 || !st.DueAt.Equal(start.AddDate(0, 0, days[i])) {
				t.Errorf("stage %d = %+v", i, st)
			}
		}
		if a.CurrentStage() != StageConsultation {
			t.Errorf("current stage %q", a.CurrentStage())
		}
		if !a.Steps[0].Overdue(start.AddDate(0, 0, 3)) || a.Steps[0].Overdue(start.AddDate(0, 0, 1)) {
			t.Error("Overdue does not follow the due date")
		}
	})
	t.Run("empty checklist filled from the merchant type", func(t *testing.T) {
		a := NewApplication(9, 4, MerchantIndividual, start)
		a.Documents = nil
		wantKeys(t, a.Validate(MerchantIndividual))
		if len(a.Documents) != len(RequiredDocuments(MerchantIndividual)) {
			t.Fatalf("documents %v", a.Documents)
		}
	})
	t.Run("every required document has a name", func(t *testing.T) {
		for _, mt := range []MerchantType{MerchantMicro, MerchantIndividual, MerchantEnterprise} {
			for _, k := range RequiredDocuments(mt) {
				if DocumentNames[k].Zh == "" || DocumentNames[k].En == "" {
					t.Errorf("document %q of %s has no name", k, mt)
				}
			}
		}
	})
}

func TestSearchGrams(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"兰州牛肉"}, "兰州 州牛 牛肉 肉"},
		{[]string{"张记面馆", "张伟"}, "张记 记面 面馆 馆 张伟 伟"},
		{[]string{"KFC 肯德基"}, "kf fc c 肯德 德基 基"},
		{[]string{"7-Eleven"}, "7 el le ev ve en n"},
		{[]string{"鼎"}, "鼎"},
		{[]string{"牛肉牛肉"}, "牛肉 肉牛 肉"},
		{[]string{"", "  ,. "}, ""},
	}
	for _, tt := range tests {
		if got := SearchGrams(tt.in...); got != tt.want {
			t.Errorf("SearchGrams(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseSearch(t *testing.T) {
	tests := []struct {
		q    string
		want SearchQuery
	}{
		{"牛肉", SearchQuery{Grams: []string{"牛肉"}}},
		{"兰州牛肉面", SearchQuery{Grams: []string{"兰州", "州牛", "牛肉", "肉面"}}},
		{"鼎", SearchQuery{Prefix: "鼎"}},
		{" 鼎 ", SearchQuery{Prefix: "鼎"}},
		{"KFC", SearchQuery{Grams: []string{"kf", "fc"}}},
		{"a 牛肉", SearchQuery{Grams: []string{"牛肉"}}},
		{"鼎 盛", SearchQuery{Prefix: "鼎"}},
		{"牛肉牛肉", SearchQuery{Grams: []string{"牛肉", "肉牛"}}},
		{"%_!", SearchQuery{}},
		{"", SearchQuery{}},
	}
	for _, tt := range tests {
		got := ParseSearch(tt.q)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseSearch(%q) = %+v, want %+v", tt.q, got, tt.want)
		}
		if got.Empty() != (len(tt.want.Grams) == 0 && tt.want.Prefix == "") {
			t.Errorf("ParseSearch(%q).Empty() = %v", tt.q, got.Empty())
		}
	}
	// Every gram of a query is among the grams indexed for a name that
	// contains it, which is what makes the search find the name.
	name := "深圳前海鼎盛商贸有限公司"
	indexed := map[string]bool{}
	for _, g := range strings.Fields(SearchGrams(name)) {
		indexed[g] = true
	}
	for _, q := range []string{"前海", "鼎盛商贸", "有限公司", "司"} {
		sq := ParseSearch(q)
		for _, g := range sq.Grams {
			if !indexed[g] {
				t.Errorf("gram %q of %q not indexed for %q", g, q, name)
			}
		}
		if sq.Prefix != "" {
			found := false
			for g := range indexed {
				found = found || strings.HasPrefix(g, sq.Prefix)
			}
			if !found {
				t.Errorf("no indexed gram of %q starts with %q", name, sq.Prefix)
			}
		}
	}
}

func TestMasking(t *testing.T) {
	tests := []struct {
		name string
		mask func(string) string
		in   string
		want string
	}{
		{"19-digit card keeps first six and last four", MaskAccount, "6222021234567890128", "622202*********0128"},
		{"16-digit card", MaskAccount, "6200000000000005", "620000******0005"},
		{"11 digits", MaskAccount, "12345678901", "123456*8901"},
		{"10 digits keep only last four", MaskAccount, "1234567890", "******7890"},
		{"5 digits", MaskAccount, "12345", "*2345"},
		{"4 digits all hidden", MaskAccount, "1234", "****"},
		{"empty account", MaskAccount, "", ""},
		{"ID number keeps region and check part", MaskIDNumber, "11010519491231002X", "1101**********002X"},
		{"8 characters", MaskIDNumber, "12345678", "12345678"},
		{"7 characters all hidden", MaskIDNumber, "1234567", "*******"},
		{"empty ID", MaskIDNumber, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.mask(tt.in); got != tt.want {
				t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(tt.in) > 10 && tt.mask(tt.in) == tt.in {
				t.Errorf("mask(%q) hides nothing", tt.in)
			}
		})
	}
	t.Run("a masked 18-digit card shows at most ten digits", func(t *testing.T) {
		got := MaskAccount("622848001234567891")
		if n := len(strings.ReplaceAll(got, "*", "")); n > 10 {
			t.Fatalf("%q shows %d digits", got, n)
		}
	})
}

func TestPermissions(t *testing.T) {
	writes := []Action{ActCreate, ActUpdate, ActArchive, ActRestore}
	entities := []string{EntityUser, EntityTeam, EntityMerchant, EntityContact, EntityTerminal, EntityApplication, EntityContract, EntityAudit}
	t.Run("every role has a row", func(t *testing.T) {
		for _, r := range Roles {
			if _, ok := Permissions[r]; !ok {
				t.Errorf("role %s missing from Permissions", r)
			}
		}
		for r := range Permissions {
			if !r.Valid() {
				t.Errorf("Permissions has unknown role %q", r)
			}
		}
	})
	t.Run("auditor writes nothing", func(t *testing.T) {
		a := Actor{Role: RoleAuditor}
		for _, e := range entities {
			for _, act := range writes {
				if a.Can(e, act) {
					t.Errorf("auditor may %s %s", act, e)
				}
			}
			if !a.Can(e, ActRead) {
				t.Errorf("auditor may not read %s", e)
			}
		}
	})
	t.Run("merchant role only reads and asks for a callback", func(t *testing.T) {
		for e, acts := range Permissions[RoleMerchant] {
			for _, act := range acts {
				if act != ActRead && !(e == EntityCallback && act == ActCreate) {
					t.Errorf("merchant role may %s %s", act, e)
				}
			}
		}
		a := Actor{Role: RoleMerchant}
		for _, e := range []string{EntityUser, EntityTeam, EntityAudit} {
			if a.Can(e, ActRead) {
				t.Errorf("merchant role may read %s", e)
			}
		}
	})
	t.Run("nobody archives the audit trail", func(t *testing.T) {
		for _, r := range Roles {
			for _, act := range writes {
				if (Actor{Role: r}).Can(EntityAudit, act) {
					t.Errorf("%s may %s audit entries", r, act)
				}
			}
		}
	})
	t.Run("unknown role may do nothing", func(t *testing.T) {
		a := Actor{Role: "root"}
		for _, e := range entities {
			if a.Can(e, ActRead) {
				t.Errorf("unknown role may read %s", e)
			}
		}
		if !a.MerchantScope().None {
			t.Error("unknown role has a merchant scope")
		}
	})
	t.Run("tables do not share backing arrays", func(t *testing.T) {
		// append on a shared slice could leak one role's extra action to another.
		if (Actor{Role: RoleTech}).Can(EntityMerchant, ActReveal) || (Actor{Role: RoleAdmin}).Can(EntityMerchant, ActCreate) {
			t.Fatal("an action leaked between roles")
		}
		if (Actor{Role: RoleAgent}).Can(EntityMerchant, ActExport) {
			t.Fatal("agent may export merchants")
		}
	})
}

func TestMerchantScope(t *testing.T) {
	team1, team2, merchant := int64(1), int64(2), int64(30)
	backup := int64(11)
	m := &Merchant{ID: 30, TeamID: team1, AccountManagerID: 10, BackupManagerID: &backup}
	tests := []struct {
		name  string
		actor Actor
		holds bool
	}{
		{"ops", Actor{Role: RoleOps}, true},
		{"auditor", Actor{Role: RoleAuditor}, true},
		{"tech", Actor{Role: RoleTech}, true},
		{"admin", Actor{Role: RoleAdmin}, true},
		{"account manager", Actor{UserID: 10, Role: RoleAgent, TeamID: &team1}, true},
		{"backup manager", Actor{UserID: 11, Role: RoleAgent, TeamID: &team1}, true},
		{"other agent of the same team", Actor{UserID: 12, Role: RoleAgent, TeamID: &team1}, false},
		{"lead of the team", Actor{UserID: 5, Role: RoleLead, TeamID: &team1}, true},
		{"lead of another team", Actor{UserID: 6, Role: RoleLead, TeamID: &team2}, false},
		{"lead without team", Actor{UserID: 7, Role: RoleLead}, false},
		{"the merchant's user", Actor{UserID: 40, Role: RoleMerchant, MerchantID: &merchant}, true},
		{"merchant user without merchant", Actor{UserID: 41, Role: RoleMerchant}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.MerchantScope().Holds(m); got != tt.holds {
				t.Errorf("Holds = %v, want %v (scope %+v)", got, tt.holds, tt.actor.MerchantScope())
			}
		})
	}
}

func TestCheckAssignment(t *testing.T) {
	team1, team2 := int64(1), int64(2)
	agent := Actor{UserID: 10, Role: RoleAgent, TeamID: &team1}
	lead := Actor{UserID: 5, Role: RoleLead, TeamID: &team1}
	base := func() *Merchant { return &Merchant{TeamID: team1, AccountManagerID: 10} }
	with := func(f func(m *Merchant)) *Merchant { m := base(); f(m); return m }
	other := int64(12)
	tests := []struct {
		name          string
		actor         Actor
		before, after *Merchant
		want          string
	}{
		{"agent creates own merchant", agent, nil, base(), ""},
		{"agent creates merchant for someone else", agent, nil, with(func(m *Merchant) { m.AccountManagerID = 12 }), EForbidden},
		{"agent edits without reassigning", agent, base(), base(), ""},
		{"agent changes account manager", agent, base(), with(func(m *Merchant) { m.AccountManagerID = 12 }), EForbidden},
		{"agent sets a backup", agent, base(), with(func(m *Merchant) { m.BackupManagerID = &other }), EForbidden},
		{"agent changes team", agent, base(), with(func(m *Merchant) { m.TeamID = team2 }), EForbidden},
		{"lead reassigns in team", lead, base(), with(func(m *Merchant) { m.AccountManagerID = 12 }), ""},
		{"lead moves to another team", lead, base(), with(func(m *Merchant) { m.TeamID = team2 }), EForbidden},
		{"lead creates in another team", lead, nil, with(func(m *Merchant) { m.TeamID = team2 }), EForbidden},
		{"ops moves anywhere", Actor{Role: RoleOps}, base(), with(func(m *Merchant) { m.TeamID = team2 }), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.actor.CheckAssignment(tt.before, tt.after)); got != tt.want {
				t.Errorf("code %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorModel(t *testing.T) {
	if ErrorCode(nil) != "" || ErrorCode(errors.New("boom")) != EInternal {
		t.Fatal("ErrorCode of nil or a foreign error")
	}
	if ErrorCode(NotFound(EntityMerchant)) != ENotFound || ErrorCode(Forbidden()) != EForbidden {
		t.Fatal("constructors carry the wrong codes")
	}
	p := Problems{}
	if p.Err() != nil {
		t.Fatal("no problems is not an error")
	}
	p.Add("uscc", "错", "wrong")
	err := p.Err()
	if ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), "uscc") {
		t.Fatalf("Problems.Err() = %v", err)
	}
	if got := p["uscc"]; !strings.HasPrefix(got.Zh, "统一社会信用代码") || !strings.HasPrefix(got.En, "unified social credit code") {
		t.Fatalf("field message %+v does not name the field", got)
	}
}

func TestEveryChecklistItemHasLabels(t *testing.T) {
	for _, item := range ChecklistItems {
		if l := CheckLabels[item]; l.Zh == "" || l.En == "" {
			t.Errorf("checklist item %q has no label in both languages", item)
		}
	}
}

func TestContactLanguage(t *testing.T) {
	c := Contact{MerchantID: 1, Name: "王芳", Channels: []Channel{{Kind: ChannelPhone, Value: "13812345678"}}}
	if err := c.Validate(); err != nil || c.Lang != "zh" {
		t.Fatalf("contact without a language: %v, lang %q; want valid and zh", err, c.Lang)
	}
	c.Lang = "fr"
	err, ok := c.Validate().(*Error)
	if !ok || err.Fields["lang"].Zh == "" || err.Fields["lang"].En == "" {
		t.Fatalf("contact in French: %v, want a bilingual error on lang", err)
	}
}
