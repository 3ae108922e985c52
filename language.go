package poscare

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// latinAllowed are the Latin words a Chinese message may carry: codes and
// standards a Chinese reader writes in Latin letters too (MID, TID, USCC,
// GB 32100, the Luhn check, RFC 3339, YYYY-MM-DD), and the values an API
// field accepts, which must be written as the API spells them.
var latinAllowed = map[string]bool{
	"MID": true, "POS": true, "JSON": true, "TID": true, "USCC": true, "ID": true, "MCC": true, "GB": true, "Luhn": true, "RFC": true, "T": true,
	"MiB": true, "YYYY": true, "MM": true, "DD": true,
	"owner": true, "manager": true, "finance": true, "cashier": true, "other": true,
	"zh": true, "en": true, "phone": true, "email": true, "wechat": true, "true": true, "false": true,
	"missing": true, "departed": true, "backup": true, "spread": true,
	"queued": true, "sending": true, "sent": true, "failed": true,
	"no_answer": true, "disconnected": true, "blocked": true,
}

var (
	formatVerb  = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	placeholder = regexp.MustCompile(`\{[A-Za-z_0-9]*\}`)
	latinWord   = regexp.MustCompile(`[A-Za-z_]+`)
)

// LanguageProblems says what is wrong with a message in both languages:
// Latin words other than the allowed codes in the Chinese, Chinese
// characters or punctuation in the English, or an empty side. Format
// verbs (%d) and catalog placeholders ({n}) are not words.
func LanguageProblems(t Text) []string {
	var bad []string
	if strings.TrimSpace(t.Zh) == "" || strings.TrimSpace(t.En) == "" {
		bad = append(bad, "a language is empty")
	}
	zh := placeholder.ReplaceAllString(formatVerb.ReplaceAllString(t.Zh, " "), " ")
	for _, w := range latinWord.FindAllString(zh, -1) {
		if !latinAllowed[w] {
			bad = append(bad, "Chinese message has the Latin word "+strconv.Quote(w))
		}
	}
	for _, r := range t.En {
		if unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hangul, unicode.Katakana, unicode.Hiragana) || strings.ContainsRune("，。：；（）、“”！？", r) {
			bad = append(bad, "English message has the character "+strconv.QuoteRune(r))
			break
		}
	}
	return bad
}
