package poscare

// This file holds the identifier checks used when onboarding merchants and
// terminals in China's payment industry. Each check implements the official
// algorithm of the standard that defines the identifier, so a typo is caught
// at data entry instead of being rejected later by the acquirer, the card
// scheme or a regulator's system.

import (
	"strconv"
	"strings"
	"time"
)

// usccAlphabet is the character set of GB 32100-2015. The letters I, O, Z, S
// and V are left out because they are easily confused with 1, 0, 2, 5 and U.
// A character's position in this string is its numeric value.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are the GB 32100-2015 weights for characters 1-17
// (3^i mod 31).
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// usccDepartments lists the registration department codes (登记管理部门代码)
// assigned so far: 1-9 for the State Council departments (机构编制, 外交,
// 司法行政, 文化, 民政, 旅游, 宗教, 工会, 工商), A for the Central Military
// Commission, N for agriculture and Y for "other".
const usccDepartments = "123456789ANY"

// gb11714Weights are the GB 11714 weights for the eight body characters of
// an organisation code.
var gb11714Weights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// ValidUSCC reports whether s is a well-formed unified social credit code
// (统一社会信用代码), the 18-character identifier defined by GB 32100-2015
// that every Chinese legal entity carries on its business licence. Merchant
// onboarding requires it, and a wrong code makes the acquirer reject the
// application, so it is checked before the data leaves the shop.
//
// The code must be exactly 18 upper-case characters from the GB 32100
// alphabet; callers should trim and upper-case user input first. The first
// character must be an assigned registration department code and the second a
// category code (1-9). Characters 3-8 are the registering authority's
// administrative division and must be digits. Characters 9-17 are the
// organisation code, whose own GB 11714 check character (the 17th character)
// must be right, and the 18th character is the GB 32100 check character over
// the first 17.
func ValidUSCC(s string) bool {
	if len(s) != 18 {
		return false
	}
	if strings.IndexByte(usccDepartments, s[0]) < 0 {
		return false
	}
	if s[1] < '1' || s[1] > '9' {
		return false
	}
	if !identDigitsOnly(s[2:8]) {
		return false
	}
	if !validOrgCodeGB11714(s[8:17]) {
		return false
	}
	check, ok := USCCCheckChar(s[:17])
	return ok && s[17] == check
}

// USCCCheckChar returns the GB 32100-2015 check character for the first 17
// characters of a unified social credit code (统一社会信用代码). Tests and
// demo data generators use it to build codes that pass ValidUSCC. It only
// checks that every character is in the GB 32100 alphabet; ok is false when
// first17 is not 17 such characters.
//
// The check character is 31 - (sum of value*weight mod 31), with 31 written
// as 0.
func USCCCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * usccWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return usccAlphabet[c], true
}

// validOrgCodeGB11714 reports whether the 9-character organisation code
// embedded in a unified social credit code has a correct GB 11714 check
// character. Digits count as 0-9 and letters as A=10 through Z=35; the check
// is 11 - (weighted sum mod 11), with 10 written as 'X' and 11 as '0'.
func validOrgCodeGB11714(code string) bool {
	if len(code) != 9 {
		return false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		c := code[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return false
		}
		sum += v * gb11714Weights[i]
	}
	var want byte
	switch c := 11 - sum%11; c {
	case 10:
		want = 'X'
	case 11:
		want = '0'
	default:
		want = byte('0' + c)
	}
	return code[8] == want
}

// residentIDWeights are the ISO 7064 MOD 11-2 weights (2^(17-i) mod 11) used
// by GB 11643-1999.
var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentIDCheckChars maps (weighted sum mod 11) to the check character.
const residentIDCheckChars = "10X98765432"

// residentIDProvinces holds the two-digit province-level codes of GB/T 2260
// that can start a resident ID number: the mainland provinces, 71 (Taiwan),
// 81 (Hong Kong) and 82 (Macao), which also start the residence permits of
// Hong Kong and Macao residents, 83 for Taiwan residents' residence permits,
// and 91 ("abroad"), which common validators keep accepting.
var residentIDProvinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true, "91": true,
}

// ValidResidentID reports whether s is a plausible 18-character PRC resident
// identity card number (居民身份证号码) as defined by GB 11643-1999. The legal
// representative's ID is part of every merchant application, and catching a
// mistyped number here saves a round trip with the acquirer's real-name check.
//
// The first 17 characters must be digits, the first two a real province-level
// code, characters 7-14 a real calendar date (YYYYMMDD) from 1900-01-01 up to
// today, and the 18th the ISO 7064 MOD 11-2 check character. A lower-case 'x'
// is accepted as 'X' because people often type it that way.
func ValidResidentID(s string) bool {
	if len(s) != 18 {
		return false
	}
	if !residentIDProvinces[s[:2]] {
		return false
	}
	if !validResidentIDBirthDate(s[6:14]) {
		return false
	}
	check, ok := ResidentIDCheckChar(s[:17])
	if !ok {
		return false
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	return last == check
}

// ResidentIDCheckChar returns the GB 11643-1999 (ISO 7064 MOD 11-2) check
// character for the first 17 digits of a resident identity card number
// (居民身份证号码): one of 0-9 or 'X'. Tests and demo data generators use it to
// build numbers that pass ValidResidentID. It does not check the region or the
// birth date; ok is false only when first17 is not 17 digits.
func ResidentIDCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 || !identDigitsOnly(first17) {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * residentIDWeights[i]
	}
	return residentIDCheckChars[sum%11], true
}

// validResidentIDBirthDate reports whether yyyymmdd is a real calendar date
// between 1900-01-01 and today (local time).
func validResidentIDBirthDate(yyyymmdd string) bool {
	if len(yyyymmdd) != 8 || !identDigitsOnly(yyyymmdd) {
		return false
	}
	y, _ := strconv.Atoi(yyyymmdd[0:4])
	m, _ := strconv.Atoi(yyyymmdd[4:6])
	d, _ := strconv.Atoi(yyyymmdd[6:8])
	// time.Date normalises out-of-range values (Feb 30 becomes Mar 2), so a
	// date is real only if it comes back unchanged.
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return false
	}
	ny, nm, nd := time.Now().Date()
	today := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
	earliest := time.Date(1900, time.January, 1, 0, 0, 0, 0, time.UTC)
	return !t.Before(earliest) && !t.After(today)
}

// Luhn reports whether the digit string s passes the Luhn (mod 10) check
// (卢恩校验) that bank card numbers carry in their last digit. It catches every
// single-digit typo and most swaps of adjacent digits. Anything that is not
// all ASCII digits, including the empty string, fails.
func Luhn(s string) bool {
	if s == "" || !identDigitsOnly(s) {
		return false
	}
	return luhnWeightedSum(s, false)%10 == 0
}

// LuhnCheckDigit returns the Luhn check digit to append to payload so that
// the result passes Luhn. Tests and demo data generators use it to build card
// numbers. ok is false when payload is empty or not all ASCII digits.
func LuhnCheckDigit(payload string) (byte, bool) {
	if payload == "" || !identDigitsOnly(payload) {
		return 0, false
	}
	sum := luhnWeightedSum(payload, true)
	return byte('0' + (10-sum%10)%10), true
}

// luhnWeightedSum adds up the Luhn digit values of s, doubling every second
// digit from the right. When s is a payload still waiting for its check
// digit, the doubling starts with the rightmost digit instead.
func luhnWeightedSum(s string, payload bool) int {
	sum := 0
	double := payload
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum
}

// ValidBankCard reports whether s looks like a bank card or settlement
// account number (银行卡号): 12 to 19 digits that pass the Luhn check. China
// UnionPay cards have 16 to 19 digits; the wider range lets shorter
// settlement account numbers through. Note that many corporate settlement
// accounts carry no Luhn digit at all; those need a different check.
func ValidBankCard(s string) bool {
	return len(s) >= 12 && len(s) <= 19 && Luhn(s)
}

// ValidMID reports whether s is a well-formed merchant number (商户编号) as
// issued by UnionPay acquirers: exactly 15 digits, laid out as a 3-digit
// acquirer code, a 4-digit region code, the 4-digit merchant category code
// and a 4-digit serial number. The embedded category code must pass ValidMCC,
// because a MID whose MCC does not exist was certainly mistyped.
func ValidMID(s string) bool {
	return len(s) == 15 && identDigitsOnly(s) && ValidMCC(MIDMCC(s))
}

// MIDMCC returns the merchant category code (MCC, 商户类别码) embedded in a
// merchant number, i.e. characters 8-11 (s[7:11]). It lets reports group
// merchants by business type without a separate lookup. It returns "" when
// mid is too short to hold an MCC.
func MIDMCC(mid string) string {
	if len(mid) < 11 {
		return ""
	}
	return mid[7:11]
}

// ValidTID reports whether s is a well-formed terminal ID (终端编号): exactly 8
// ASCII digits or upper-case letters, the size of field 41 in the ISO 8583
// messages that POS terminals send.
func ValidTID(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// assignedMCCRanges are the inclusive merchant category code ranges the card
// schemes have assigned, roughly following ISO 18245.
var assignedMCCRanges = [][2]int{
	{742, 763},
	{780, 780},
	{1520, 1799},
	{2741, 2842},
	{3000, 3999}, // airlines, car rental and hotels
	{4011, 4900},
	{5013, 5999},
	{6010, 6051},
	{6211, 6540},
	{7011, 7999},
	{8011, 8999},
	{9211, 9950},
}

// ValidMCC reports whether s is a merchant category code (MCC, 商户类别码):
// exactly 4 digits inside one of the ranges the card schemes have assigned.
// The MCC decides the merchant's fee rate, so a made-up value such as 0000 or
// 1234 must be rejected rather than silently billed at the wrong rate.
func ValidMCC(s string) bool {
	if len(s) != 4 || !identDigitsOnly(s) {
		return false
	}
	n, _ := strconv.Atoi(s)
	for _, r := range assignedMCCRanges {
		if n >= r[0] && n <= r[1] {
			return true
		}
	}
	return false
}

// ValidMobile reports whether s is a mainland China mobile phone number
// (手机号码): 11 digits, starting with 1 and then 3-9. The number receives the
// merchant's SMS verification codes, so it must at least have the right
// shape. It does not accept a +86 prefix or separators.
func ValidMobile(s string) bool {
	return len(s) == 11 && identDigitsOnly(s) && s[0] == '1' && s[1] >= '3' && s[1] <= '9'
}

// ValidEmail reports whether s is a plausible e-mail address (电子邮箱) for
// sending statements. It is a practical check, not full RFC 5322: exactly one
// '@', a local part of 1 to 64 characters, a domain that contains a dot
// (not at either end and not doubled), no whitespace or control characters,
// and at most 254 characters in total.
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.Count(s, "@") != 1 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || len(local) > 64 {
		return false
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return false
	}
	return true
}

// ValidWeChatID reports whether s follows WeChat's own rule for a WeChat ID
// (微信号), which merchants give as a support contact: 6 to 20 characters,
// starting with an ASCII letter and otherwise made of letters, digits,
// underscores and hyphens.
func ValidWeChatID(s string) bool {
	if len(s) < 6 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if i == 0 && !letter {
			return false
		}
		if !letter && (c < '0' || c > '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// ValidCoordinates reports whether lat and lng form a usable shop location
// (经纬度): latitude within -90..90, longitude within -180..180, and not both
// exactly 0, which is what an unset location looks like. NaN and infinities
// fail.
func ValidCoordinates(lat, lng float64) bool {
	if !(lat >= -90 && lat <= 90) || !(lng >= -180 && lng <= 180) {
		return false
	}
	return lat != 0 || lng != 0
}

// identDigitsOnly reports whether s consists only of ASCII digits. The empty
// string counts as all digits; callers check length separately.
func identDigitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
