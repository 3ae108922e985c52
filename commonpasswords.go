package poscare

// commonPasswords are, lower-cased, the passwords of 10 characters or more
// that lead the public lists of leaked passwords, Chinese sites' included
// (shorter ones fail the length rule anyway). Trivial patterns such as
// repeated characters and keyboard runs are caught by trivialPassword, so
// they need not be listed here.
var commonPasswords = map[string]bool{}

func init() {
	for _, pw := range []string{
		"1234567890", "12345678910", "123456789a", "a123456789", "123456789q", "q123456789", "1234567890a",
		"0123456789", "1234554321", "1122334455", "1111111111", "1234512345", "12344321", "147258369",
		"1472583690", "1357924680", "9638527410", "1597534862", "123123123123", "1234567899", "12345678900",
		"5201314520", "1314520520", "5201314521", "woaini1314", "woaini520", "woaini12345", "iloveyou12",
		"iloveyou123", "iloveyou1314", "password12", "password123", "password1234", "password01",
		"password!!", "password1!", "password@1", "p@ssw0rd123", "p@ssword123", "passw0rd123",
		"qwerty1234", "qwerty12345", "qwerty123456", "qwertyuiop1", "qwertyuiop123", "1q2w3e4r5t",
		"1q2w3e4r5t6y", "q1w2e3r4t5", "q1w2e3r4t5y6", "1qaz2wsx3edc", "zaq12wsx", "zaq1xsw2cde3",
		"1qazxsw23edc", "qazwsxedcrfv", "qazwsxedc123", "asdfghjkl1", "asdf1234567", "abcd1234567",
		"abc1234567", "abc12345678", "abcdefg123", "a1b2c3d4e5", "a1b2c3d4e5f6", "1a2b3c4d5e",
		"aa12345678", "aa123456789", "admin12345", "admin123456", "administrator", "root123456",
		"welcome123", "welcome1234", "letmein123", "sunshine123", "football123", "baseball123",
		"princess123", "superman123", "michael123", "monkey12345", "dragon12345", "master12345",
		"changeme123", "trustno1234", "whatever123", "computer123", "internet123", "shanghai123",
		"beijing123", "zhang123456", "wang123456", "li123456789", "huawei12345", "xiaomi12345",
		"baidu123456", "taobao123456", "qq123456789", "qq1234567890", "wechat123456", "alipay123456",
		"poscare123", "poscare1234", "poscare2026", "pos1234567", "changepassword", "newpassword",
		"mypassword1", "passwordpassword", "iloveyouiloveyou", "asdfasdfasdf", "qweasdzxc123",
		"qweasdzxc1", "zxcvbnm123", "zxcvbnm1234", "987654321a", "9876543210a", "0987654321a",
	} {
		commonPasswords[pw] = true
	}
}
