package poscare

import (
	"strings"
	"unicode"
)

// SearchGrams turns names into the tokens poscare's merchant search
// indexes: every pair of adjacent letters or digits (bigrams work for
// Chinese, which has no spaces between words) and the last character of
// each run, so that one- and two-character queries find names too.
func SearchGrams(texts ...string) string {
	seen := map[string]bool{}
	var out []string
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	for _, text := range texts {
		for _, run := range searchRuns(text) {
			for i := 0; i+1 < len(run); i++ {
				add(string(run[i : i+2]))
			}
			add(string(run[len(run)-1:]))
		}
	}
	return strings.Join(out, " ")
}

// SearchQuery is a parsed name query: all of Grams must match, or, for a
// one-character query, Prefix must start some token.
type SearchQuery struct {
	Grams  []string
	Prefix string
}

// ParseSearch splits a user's name query into the grams to look up. Empty
// when the query has no letters or digits.
func ParseSearch(q string) SearchQuery {
	var sq SearchQuery
	seen := map[string]bool{}
	for _, run := range searchRuns(q) {
		if len(run) == 1 {
			if sq.Prefix == "" && len(sq.Grams) == 0 {
				sq.Prefix = string(run)
			}
			continue
		}
		for i := 0; i+1 < len(run); i++ {
			g := string(run[i : i+2])
			if !seen[g] {
				seen[g] = true
				sq.Grams = append(sq.Grams, g)
			}
		}
	}
	if len(sq.Grams) > 0 {
		sq.Prefix = ""
	}
	return sq
}

// Empty reports whether the query selects nothing to search for.
func (q SearchQuery) Empty() bool { return len(q.Grams) == 0 && q.Prefix == "" }

func searchRuns(text string) [][]rune {
	var runs [][]rune
	var cur []rune
	for _, r := range strings.ToLower(text) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			cur = append(cur, r)
			continue
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}
