package poscare

import "testing"

// An English template chooses the word for its count: one change is not
// "1 changes"; the placeholder is the parameter's name for the check of
// both languages.
func TestPluralForms(t *testing.T) {
	tmpl := Text{Zh: "修改 {n} 次", En: "{n} {n|change|changes}"}
	if why := CheckTemplate(tmpl); why != "" {
		t.Fatal(why)
	}
	for n, want := range map[int]string{0: "0 changes", 1: "1 change", 2: "2 changes"} {
		if got := fill(tmpl.En, map[string]any{"n": n}, "en"); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}
