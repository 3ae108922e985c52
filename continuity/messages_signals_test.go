package continuity_test

import (
	"strings"
	"testing"

	"poscare"
	_ "poscare/continuity"
)

// TestSignalsMessagesWhole: every entry this package registers (and the
// kernel's) has both languages, the same placeholders in each, and each
// language whole (no English words in the Chinese, no Chinese in the
// English), under the signals' prefixes.
func TestSignalsMessagesWhole(t *testing.T) {
	n := 0
	for _, k := range poscare.CatalogKeys() {
		tmpl, _ := poscare.Template(k)
		if why := poscare.CheckTemplate(tmpl); why != "" {
			t.Errorf("%s: %s", k, why)
		}
		if k == "recorded" {
			continue
		}
		for _, why := range poscare.LanguageProblems(tmpl) {
			t.Errorf("%s: %s", k, why)
		}
		for _, p := range []string{"silence.", "removal.", "freshness.", "callback.", "alert.", "todo.", "outbox."} {
			if strings.HasPrefix(k, p) {
				n++
			}
		}
	}
	if n < 30 {
		t.Fatalf("only %d of the signals' keys registered", n)
	}
}
