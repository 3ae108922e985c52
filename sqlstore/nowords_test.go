package sqlstore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestStoreHoldsNoWords fails when a non-test file of the store holds a
// Chinese character, in its code or its comments: the store names catalog
// keys (poscare.Fail, Problems.Say, poscare.M), and the words live in the
// catalog, in the reader's language.
func TestStoreHoldsNoWords(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		read++
		for i, line := range strings.Split(string(b), "\n") {
			for _, r := range line {
				if unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) || strings.ContainsRune("“”", r) {
					t.Errorf("%s:%d holds %q: the words belong in the catalog: %s", f, i+1, r, strings.TrimSpace(line))
					break
				}
			}
		}
	}
	if read < 20 {
		t.Fatalf("read only %d files: the scan is broken", read)
	}
}
