package sqlstore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestPlaybookStorageHoldsNoWords: the playbook's storage files hold no
// user-facing text, not even in a comment: every word a reader sees is a
// catalog message of the continuity package, and the glossary is in its
// doc. (Once every file of sqlstore is converted, this scans them all.)
func TestPlaybookStorageHoldsNoWords(t *testing.T) {
	files := []string{"playbook.go", "handover.go", "delivery.go", "tasks_write.go"}
	kinds, err := filepath.Glob("holding_*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		if !strings.HasSuffix(k, "_test.go") {
			files = append(files, k)
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, r := range line {
				if unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) {
					t.Errorf("%s:%d holds words: %s", f, i+1, strings.TrimSpace(line))
					break
				}
			}
		}
	}
}
