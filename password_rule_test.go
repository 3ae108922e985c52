package poscare

import "testing"

func TestValidatePasswordRefusesGuessablePasswords(t *testing.T) {
	for _, pw := range []string{"aaaaaaaaaa", "1234567890", "          ", "\t\t\t\t\t\t\t\t\t\t", "wang.xiaoli", "Wang.Xiaoli", "wang.xiaoli2026",
		"0987654321", "qwertyuiop", "QWERTYUIOP", "abcdefghijk", "1212121212", "abcabcabcabc", "password123", "P@ssw0rd123", "woaini1314",
		"1qaz2wsx3edc", "short", "x" + string(make([]byte, 128))} {
		if err := ValidateUserPassword("password", "wang.xiaoli", pw); ErrorCode(err) != EInvalid {
			t.Errorf("%q accepted for login wang.xiaoli", pw)
		} else if e := err.(*Error); e.Fields["password"].Zh == "" || e.Fields["password"].En == "" {
			t.Errorf("%q: the problem is not named in both languages: %v", pw, err)
		}
	}
	for _, pw := range []string{"correct-horse-battery", "fixture-password-1", "poscare-demo-2026", "我的密码是十个汉字啊啊", "Tr0ub4dor&3x"} {
		if err := ValidateUserPassword("password", "wang.xiaoli", pw); err != nil {
			t.Errorf("%q refused: %v", pw, err)
		}
	}
	if err := ValidateUserPassword("new_password", "ab", "aaaaaaaaaa"); err.(*Error).Fields["new_password"].En == "" {
		t.Errorf("the problem is not filed under the field asked for: %v", err)
	}
}
