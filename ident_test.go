package poscare

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// identRealUSCCs are unified social credit codes of real companies, taken
// from public sources (business licence displays, EV certificates, exchange
// filings, GLEIF). Every one passes both the GB 32100 and the embedded
// GB 11714 check.
var identRealUSCCs = []struct{ name, code string }{
	{"Beijing Baidu Netcom 北京百度网讯", "91110000802100433B"},
	{"Tencent Technology (Shenzhen) 腾讯科技（深圳）", "91440300708461136T"},
	{"Huawei Technologies 华为技术", "914403001922038216"},
	{"Bank of China 中国银行", "911000001000013428"},
	{"China Merchants Bank 招商银行", "9144030010001686XA"},
	{"China UnionPay 中国银联", "91310000736239890T"},
	{"Shanghai Pudong Development Bank 浦发银行", "9131000013221158XC"},
	{"Ping An Bank 平安银行", "91440300192185379H"},
	{"Xiaomi 小米科技", "91110108551385082Q"},
	{"Alibaba Cloud 阿里云计算", "91330106673959654P"},
	{"MA-series code with letters, Zhangjiakou trading company", "91130706MAEQDDYM9P"},
}

func TestValidUSCC(t *testing.T) {
	for _, rc := range identRealUSCCs {
		t.Run("accepts real code of "+rc.name, func(t *testing.T) {
			if !ValidUSCC(rc.code) {
				t.Errorf("ValidUSCC(%q) = false, want true", rc.code)
			}
		})
	}

	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"accepts department Y (other) with category 1", "Y14403007084611365", true},
		{"rejects wrong check character", "91440300708461136A", false},
		{"rejects lower-case check character", "91440300708461136t", false},
		{"rejects 17 characters", "91440300708461136", false},
		{"rejects 19 characters", "91440300708461136T0", false},
		{"rejects empty string", "", false},
		{"rejects letter I outside the alphabet", "91440300708461136I", false},
		{"rejects letter O in the organisation code", "914403007084O1136T", false},
		{"rejects unassigned department code 0", "014403007084611364", false},
		{"rejects category code 0", "90440300708461136X", false},
		{"rejects letter in administrative division", "914403A0708461136M", false},
		// The check character is right for the first 17 characters, but
		// the embedded organisation code 708461137 fails GB 11714.
		{"rejects bad organisation code check digit", "91440300708461137X", false},
		// Circulates as a "real" code and passes GB 32100, but its
		// organisation code 631295002 fails GB 11714.
		{"rejects code whose organisation code is invalid", "91310000631295002H", false},
		{"rejects surrounding spaces", " 91440300708461136T", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidUSCC(tt.in); got != tt.want {
				t.Errorf("ValidUSCC(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestUSCCCheckChar(t *testing.T) {
	for _, rc := range identRealUSCCs {
		t.Run("reproduces check character of "+rc.name, func(t *testing.T) {
			got, ok := USCCCheckChar(rc.code[:17])
			if !ok || got != rc.code[17] {
				t.Errorf("USCCCheckChar(%q) = %q, %v; want %q, true", rc.code[:17], got, ok, rc.code[17])
			}
		})
	}

	t.Run("maps sum 0 to character 0 rather than 31", func(t *testing.T) {
		got, ok := USCCCheckChar("00000000000000000")
		if !ok || got != '0' {
			t.Errorf("USCCCheckChar(all zeros) = %q, %v; want '0', true", got, ok)
		}
	})

	bad := []struct{ name, in string }{
		{"rejects 16 characters", "9144030070846113"},
		{"rejects 18 characters", "91440300708461136T"},
		{"rejects letter outside the alphabet", "9144030070846113Z"},
		{"rejects lower case", "9144030070846113a"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := USCCCheckChar(tt.in); ok {
				t.Errorf("USCCCheckChar(%q) ok = true, want false", tt.in)
			}
		})
	}
}

func TestValidResidentID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"accepts the GB 11643 published example", "11010519491231002X", true},
		{"accepts lower-case x as check character", "11010519491231002x", true},
		{"accepts Shenzhen number with X check", "44030519900101123X", true},
		{"accepts leap day in 2000", "310104200002291236", true},
		{"accepts the earliest allowed birth date", "510107190001010017", true},
		{"accepts Hong Kong residence permit prefix 81", "810000198512310019", true},
		{"rejects wrong check character", "110105194912310021", false},
		{"rejects 17 characters", "11010519491231002", false},
		{"rejects 19 characters", "11010519491231002X0", false},
		{"rejects empty string", "", false},
		{"rejects X before the last position", "1101051949123100X2", false},
		{"rejects February 30", "110101202302301232", false},
		{"rejects February 29 in 1900", "110101190002291233", false},
		{"rejects month 13", "110105194913310021", false},
		{"rejects month 00", "11010519490001002X", false},
		{"rejects day 00", "110105194912000021", false},
		{"rejects birth before 1900", "110105189912310023", false},
		{"rejects unknown province code 00", "000105194912310024", false},
		{"rejects 15-digit first-generation number", "110105491231002", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidResidentID(tt.in); got != tt.want {
				t.Errorf("ValidResidentID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}

	withCheck := func(t *testing.T, first17 string) string {
		t.Helper()
		c, ok := ResidentIDCheckChar(first17)
		if !ok {
			t.Fatalf("ResidentIDCheckChar(%q) not ok", first17)
		}
		return first17 + string(c)
	}
	t.Run("accepts birth date today", func(t *testing.T) {
		id := withCheck(t, "110105"+time.Now().Format("20060102")+"002")
		if !ValidResidentID(id) {
			t.Errorf("ValidResidentID(%q) = false, want true", id)
		}
	})
	t.Run("rejects birth date tomorrow", func(t *testing.T) {
		id := withCheck(t, "110105"+time.Now().AddDate(0, 0, 1).Format("20060102")+"002")
		if ValidResidentID(id) {
			t.Errorf("ValidResidentID(%q) = true, want false", id)
		}
	})
}

func TestResidentIDCheckChar(t *testing.T) {
	// The Shenzhen bodies give one number per check character (precomputed
	// with an independent implementation), so every entry of "10X98765432"
	// is pinned.
	tests := []struct {
		name string
		in   string
		want byte
		ok   bool
	}{
		{"gives X for the published example", "11010519491231002", 'X', true},
		{"gives 6 for a Shanghai number", "31010420000229123", '6', true},
		{"gives 0 when the sum is 1 mod 11", "44030519900101005", '0', true},
		{"gives 1 when the sum is 0 mod 11", "44030519900101018", '1', true},
		{"gives 2 when the sum is 10 mod 11", "44030519900101004", '2', true},
		{"gives 3 when the sum is 9 mod 11", "44030519900101009", '3', true},
		{"gives 4 when the sum is 8 mod 11", "44030519900101003", '4', true},
		{"gives 5 when the sum is 7 mod 11", "44030519900101008", '5', true},
		{"gives 6 when the sum is 6 mod 11", "44030519900101002", '6', true},
		{"gives 7 when the sum is 5 mod 11", "44030519900101007", '7', true},
		{"gives 8 when the sum is 4 mod 11", "44030519900101001", '8', true},
		{"gives 9 when the sum is 3 mod 11", "44030519900101006", '9', true},
		{"gives X when the sum is 2 mod 11", "44030519900101000", 'X', true},
		{"rejects 16 digits", "1101051949123100", 0, false},
		{"rejects 18 digits", "110105194912310021", 0, false},
		{"rejects a letter", "1101051949123100A", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ResidentIDCheckChar(tt.in)
			if ok != tt.ok || got != tt.want {
				t.Errorf("ResidentIDCheckChar(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLuhn(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"accepts the textbook example", "79927398713", true},
		{"accepts Visa test card", "4111111111111111", true},
		{"accepts Mastercard test card", "5555555555554444", true},
		{"accepts 15-digit Amex test card", "378282246310005", true},
		{"accepts UnionPay test card", "6200000000000005", true},
		{"accepts 19-digit UnionPay test card", "6205500000000000004", true},
		{"accepts ICBC-pattern 19-digit card", "6222021234567890128", true},
		{"accepts single zero", "0", true},
		{"rejects wrong last digit", "79927398710", false},
		{"rejects swapped adjacent digits", "79927398731", false},
		{"rejects Visa test card with last digit changed", "4111111111111112", false},
		{"rejects empty string", "", false},
		{"rejects spaces", "4111 1111 1111 1111", false},
		{"rejects a letter", "41111111111111a1", false},
		{"rejects full-width digits", "７９９２７３９８７１３", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Luhn(tt.in); got != tt.want {
				t.Errorf("Luhn(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestLuhnCheckDigit(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    byte
		ok      bool
	}{
		{"completes the textbook example", "7992739871", '3', true},
		{"completes Visa test card", "411111111111111", '1', true},
		{"completes ICBC debit card pattern 622202", "622202123456789012", '8', true},
		{"completes ABC debit card pattern 622848", "622848001234567", '1', true},
		{"completes CCB debit card pattern 621700", "621700000012345678", '6', true},
		{"completes 16-digit pattern 623668", "623668123456789", '9', true},
		{"rejects empty payload", "", 0, false},
		{"rejects non-digit payload", "62220212a4", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := LuhnCheckDigit(tt.payload)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("LuhnCheckDigit(%q) = %q, %v; want %q, %v", tt.payload, got, ok, tt.want, tt.ok)
			}
			if ok && !Luhn(tt.payload+string(got)) {
				t.Errorf("Luhn(%q) = false after appending check digit", tt.payload+string(got))
			}
		})
	}
}

func TestValidBankCard(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"accepts 19-digit ICBC-pattern card", "6222021234567890128", true},
		{"accepts 16-digit ABC-pattern card", "6228480012345671", true},
		{"accepts 19-digit CCB-pattern card", "6217000000123456786", true},
		{"accepts 16-digit UnionPay test card", "6200000000000005", true},
		{"accepts 12-digit settlement account", "621226123456", true},
		{"rejects wrong check digit", "6222021234567890127", false},
		{"rejects 11 digits even if Luhn passes", "79927398713", false},
		{"rejects 20 digits even if Luhn passes", "62220212345678901234", false},
		{"rejects spaces", "6222 0212 3456 7890 128", false},
		{"rejects dashes", "6222-0212-3456-7890-128", false},
		{"rejects empty string", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidBankCard(tt.in); got != tt.want {
				t.Errorf("ValidBankCard(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidMID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"accepts Shanghai restaurant merchant (MCC 5812)", "898310058120001", true},
		{"accepts department store merchant (MCC 5311)", "102584053110001", true},
		{"accepts hotel merchant (MCC 7011)", "898440370110012", true},
		{"rejects MCC 0000", "898310000000001", false},
		{"rejects MCC 1234", "898310012340001", false},
		{"rejects 14 digits", "89831005812000", false},
		{"rejects 16 digits", "8983100581200011", false},
		{"rejects a letter", "89831005812000A", false},
		{"rejects empty string", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidMID(tt.in); got != tt.want {
				t.Errorf("ValidMID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}

	t.Run("MIDMCC extracts characters 8 to 11", func(t *testing.T) {
		if got := MIDMCC("898310058120001"); got != "5812" {
			t.Errorf("MIDMCC = %q, want 5812", got)
		}
	})
	t.Run("MIDMCC returns empty for a short string", func(t *testing.T) {
		if got := MIDMCC("8983100581"); got != "" {
			t.Errorf("MIDMCC = %q, want empty", got)
		}
	})
}

func TestValidTID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"accepts 8 digits", "12345678", true},
		{"accepts digits and upper-case letters", "A1B2C3D4", true},
		{"rejects 7 characters", "1234567", false},
		{"rejects 9 characters", "123456789", false},
		{"rejects lower-case letters", "a1b2c3d4", false},
		{"rejects punctuation", "1234-678", false},
		{"rejects full-width digits", "１２３４５６７８", false},
		{"rejects empty string", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidTID(tt.in); got != tt.want {
				t.Errorf("ValidTID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidMCC(t *testing.T) {
	valid := []string{
		"0742", "0763", "0780", "1520", "1799", "2741", "2842", "3000", "3999",
		"4011", "4829", "4900", "5013", "5311", "5411", "5812", "5999",
		"6010", "6051", "6211", "6540", "7011", "7999", "8011", "8999",
		"9211", "9950",
	}
	for _, s := range valid {
		t.Run("accepts assigned code "+s, func(t *testing.T) {
			if !ValidMCC(s) {
				t.Errorf("ValidMCC(%q) = false, want true", s)
			}
		})
	}

	invalid := []struct{ name, in string }{
		{"rejects 0000", "0000"},
		{"rejects 1234", "1234"},
		{"rejects just below a range", "0741"},
		{"rejects the gap after 0763", "0764"},
		{"rejects just after 0780", "0781"},
		{"rejects the gap between 6051 and 6211", "6100"},
		{"rejects just above the last range", "9951"},
		{"rejects 9999", "9999"},
		{"rejects 3 digits", "742"},
		{"rejects 5 digits", "05812"},
		{"rejects a letter", "58a2"},
		{"rejects a leading space", " 581"},
		{"rejects empty string", ""},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			if ValidMCC(tt.in) {
				t.Errorf("ValidMCC(%q) = true, want false", tt.in)
			}
		})
	}
}

func TestValidMobile(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"accepts China Mobile number", "13800138000", true},
		{"accepts 19x number", "19912345678", true},
		{"accepts 16x number", "16612345678", true},
		{"rejects second digit 2", "12345678901", false},
		{"rejects second digit 0", "10012345678", false},
		{"rejects first digit other than 1", "23800138000", false},
		{"rejects 10 digits", "1380013800", false},
		{"rejects 12 digits", "138001380000", false},
		{"rejects +86 prefix", "+8613800138000", false},
		{"rejects separators", "138-0013-8000", false},
		{"rejects empty string", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidMobile(tt.in); got != tt.want {
				t.Errorf("ValidMobile(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidEmail(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"accepts plain address", "merchant@example.com", true},
		{"accepts dots and plus tag", "li.lei+pos@mail.example.cn", true},
		{"accepts 64-character local part", strings.Repeat("a", 64) + "@example.com", true},
		{"rejects missing @", "merchant.example.com", false},
		{"rejects two @", "a@b@example.com", false},
		{"rejects empty local part", "@example.com", false},
		{"rejects 65-character local part", strings.Repeat("a", 65) + "@example.com", false},
		{"rejects domain without a dot", "merchant@localhost", false},
		{"rejects domain starting with a dot", "merchant@.example.com", false},
		{"rejects domain ending with a dot", "merchant@example.com.", false},
		{"rejects doubled dot in domain", "merchant@example..com", false},
		{"rejects space", "mer chant@example.com", false},
		{"rejects tab", "merchant@example.com\t", false},
		{"rejects more than 254 characters", "a@" + strings.Repeat("b", 250) + ".com", false},
		{"rejects empty string", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidEmail(tt.in); got != tt.want {
				t.Errorf("ValidEmail(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidWeChatID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"accepts letters, digits and underscore", "zhang_san2024", true},
		{"accepts hyphen", "Li-Lei-Shop", true},
		{"accepts 6 characters", "abcdef", true},
		{"accepts 20 characters", "a" + strings.Repeat("1", 19), true},
		{"rejects 5 characters", "abcde", false},
		{"rejects 21 characters", "a" + strings.Repeat("1", 20), false},
		{"rejects leading digit", "1abcdef", false},
		{"rejects leading underscore", "_abcdef", false},
		{"rejects dot", "zhang.san", false},
		{"rejects Chinese characters", "张三的小店铺", false},
		{"rejects empty string", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidWeChatID(tt.in); got != tt.want {
				t.Errorf("ValidWeChatID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidCoordinates(t *testing.T) {
	tests := []struct {
		name     string
		lat, lng float64
		want     bool
	}{
		{"accepts Tiananmen, Beijing", 39.9087, 116.3975, true},
		{"accepts Shenzhen", 22.5431, 114.0579, true},
		{"accepts the extreme corners", 90, 180, true},
		{"accepts the opposite extremes", -90, -180, true},
		{"accepts zero latitude alone", 0, 103.8, true},
		{"accepts zero longitude alone", 51.48, 0, true},
		{"rejects unset 0,0", 0, 0, false},
		{"rejects latitude above 90", 90.0001, 116, false},
		{"rejects longitude below -180", 39.9, -180.1, false},
		{"rejects swapped latitude and longitude", 116.3975, 39.9087, false},
		{"rejects NaN", math.NaN(), 116, false},
		{"rejects infinity", 39.9, math.Inf(1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidCoordinates(tt.lat, tt.lng); got != tt.want {
				t.Errorf("ValidCoordinates(%v, %v) = %v, want %v", tt.lat, tt.lng, got, tt.want)
			}
		})
	}
}

// identTestOrgCheck computes a GB 11714 organisation code check character
// independently of ident.go, for building random USCCs.
func identTestOrgCheck(body string) byte {
	weights := []int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		v := strings.IndexByte("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", body[i])
		sum += v * weights[i]
	}
	return "0123456789X0"[11-sum%11]
}

func TestCheckCharsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240601, 1))
	const rounds = 500

	pick := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	const digits = "0123456789"
	const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

	t.Run("USCCCheckChar output passes ValidUSCC and every other check character fails", func(t *testing.T) {
		for range rounds {
			body := pick("159Y", 1) + pick("123", 1) + pick(digits, 6) + pick(usccChars, 8)
			first17 := body + string(identTestOrgCheck(body[8:16]))
			c, ok := USCCCheckChar(first17)
			if !ok {
				t.Fatalf("USCCCheckChar(%q) not ok", first17)
			}
			if !ValidUSCC(first17 + string(c)) {
				t.Fatalf("ValidUSCC(%q) = false, want true", first17+string(c))
			}
			for i := 0; i < len(usccChars); i++ {
				if usccChars[i] != c && ValidUSCC(first17+string(usccChars[i])) {
					t.Fatalf("ValidUSCC(%q) = true with wrong check character", first17+string(usccChars[i]))
				}
			}
		}
	})

	t.Run("ResidentIDCheckChar output passes ValidResidentID and every other check character fails", func(t *testing.T) {
		provinces := []string{"11", "31", "44", "51", "65", "81"}
		start := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
		days := int(time.Since(start).Hours()/24) - 1
		for range rounds {
			birth := start.AddDate(0, 0, rng.IntN(days)).Format("20060102")
			first17 := provinces[rng.IntN(len(provinces))] + pick(digits, 4) + birth + pick(digits, 3)
			c, ok := ResidentIDCheckChar(first17)
			if !ok {
				t.Fatalf("ResidentIDCheckChar(%q) not ok", first17)
			}
			if !ValidResidentID(first17 + string(c)) {
				t.Fatalf("ValidResidentID(%q) = false, want true", first17+string(c))
			}
			for _, other := range []byte("0123456789X") {
				if other != c && ValidResidentID(first17+string(other)) {
					t.Fatalf("ValidResidentID(%q) = true with wrong check character", first17+string(other))
				}
			}
		}
	})

	t.Run("LuhnCheckDigit output passes Luhn and any single changed digit fails", func(t *testing.T) {
		for range rounds {
			payload := pick(digits, 11+rng.IntN(8)) // full numbers of 12-19 digits
			c, ok := LuhnCheckDigit(payload)
			if !ok {
				t.Fatalf("LuhnCheckDigit(%q) not ok", payload)
			}
			card := payload + string(c)
			if !Luhn(card) || !ValidBankCard(card) {
				t.Fatalf("Luhn/ValidBankCard(%q) = false, want true", card)
			}
			pos := rng.IntN(len(card))
			b := []byte(card)
			b[pos] = '0' + (b[pos]-'0'+byte(1+rng.IntN(9)))%10
			if Luhn(string(b)) {
				t.Fatalf("Luhn(%q) = true after changing digit %d of %q", b, pos, card)
			}
		}
	})
}
