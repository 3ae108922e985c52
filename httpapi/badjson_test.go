package httpapi_test

import (
	"net/http"
	"regexp"
	"testing"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/testenv"
)

// TestBadBodiesAreToldInWholeLanguages sends bodies the decoder refuses
// and finds each answered 400 in Chinese without the decoder's English
// text (and in English without Chinese), naming the field where there is
// one.
func TestBadBodiesAreToldInWholeLanguages(t *testing.T) {
	t.Parallel()
	latin := regexp.MustCompile(`[A-Za-z]{2,}`)
	han := regexp.MustCompile(`\p{Han}`)
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			tok := e.token(e.w.Users[poscare.RoleOps])
			for _, c := range []struct{ body, field string }{
				{"", ""},
				{"{", ""},
				{`{"legal_name": }`, ""},
				{`{"reason":"x"}`, "reason"},
				{`{"legal_name": 5}`, "legal_name"},
			} {
				for _, lang := range []string{"zh-CN", "en"} {
					res := e.do("POST", "/api/v1/merchants", tok, c.body, "Accept-Language", lang)
					var got httpapi.ErrorBody
					res.decode(t, &got)
					msg := got.Error.Message
					if res.status != http.StatusBadRequest || msg == "" {
						t.Errorf("%q %s: %d %s", c.body, lang, res.status, res.body)
						continue
					}
					if lang == "zh-CN" && latin.MatchString(regexp.MustCompile(`JSON`).ReplaceAllString(msg, "")) || lang == "en" && han.MatchString(msg) {
						t.Errorf("%q %s: message not whole in its language: %q", c.body, lang, msg)
					}
					if c.field != "" && got.Error.Fields[c.field] == "" {
						t.Errorf("%q %s: field %s not named: %s", c.body, lang, c.field, res.body)
					}
				}
			}
		})
	}
}
