package poscare

import (
	"strings"
	"testing"
)

// TestFreeTextLimits checks each limited field at its maximum (accepted)
// and one character over it (refused, naming the field), counting Chinese
// characters as one each.
func TestFreeTextLimits(t *testing.T) {
	cases := []struct {
		field string
		max   int
		check func(s string) error
	}{
		{"install_address", MaxAddress, func(s string) error {
			return (&Terminal{Serial: "PX00000001", Model: "A920", Vendor: "百富", InstallAddress: s}).Validate()
		}},
		{"reason", MaxReason, func(s string) error {
			return (&Contact{MerchantID: 1, Name: "王老板", Channels: []Channel{{Kind: ChannelPhone, Value: "13812345678"}}, Reason: s}).Validate()
		}},
		{"status_reason", MaxReason, func(s string) error {
			return (&User{Login: "tech1", Name: "技术员", Role: RoleTech, StatusReason: s}).Validate()
		}},
		{"reason", MaxReason, func(s string) error {
			return (&Declaration{Kind: IncidentMissing, Reason: s}).Validate()
		}},
		{"notes", MaxNote, func(s string) error { return ValidateNote("notes", s, MaxNote) }},
	}
	for _, c := range cases {
		if err := c.check(strings.Repeat("长", c.max)); err != nil {
			t.Errorf("%s of %d characters: %v", c.field, c.max, err)
		}
		err := c.check(strings.Repeat("长", c.max+1))
		if got := fieldKeys(t, err); len(got) != 1 || got[0] != c.field {
			t.Errorf("%s of %d characters: %v, want an error on %s only", c.field, c.max+1, err, c.field)
		}
	}
}
