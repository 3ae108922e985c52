package poscare

import (
	"fmt"
	"unicode/utf8"
)

// Maximum lengths of free text, in runes (characters as a reader counts
// them, so that 40 Chinese characters fit where 40 Latin letters do). Every
// free-text field a person types has one, so that nobody can store a
// megabyte in a note; the domain's Validate functions and the store's
// checks all take them from here.
const (
	MaxPersonName    = 40   // a user's, a principal's or a contact's name
	MaxTeamName      = 60   // a sales team's name
	MaxLegalName     = 100  // a merchant's registered name
	MaxAddress       = 200  // a merchant's or a terminal's address
	MaxTerminalLabel = 40   // a terminal's model or vendor
	MaxReason        = 500  // why: archive, restore, status, declaration, channel removal
	MaxNote          = 1000 // notes: checklist items, contact attempts
	MaxCallbackNote  = 500  // a merchant's message with a callback request
)

// CheckLength adds a problem to p when value has more than max runes.
func CheckLength(p Problems, field, value string, max int) {
	if utf8.RuneCountInString(value) > max {
		p.Add(field, fmt.Sprintf("最多 %d 个字", max), fmt.Sprintf("at most %d characters", max))
	}
}

// ValidateNote checks a free-text note of at most max runes on field.
func ValidateNote(field, value string, max int) error {
	p := Problems{}
	CheckLength(p, field, value, max)
	return p.Err()
}
