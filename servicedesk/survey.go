package servicedesk

import (
	"strings"
	"time"

	"poscare"
)

// Survey is the merchant's rating of a resolved ticket: how well it was
// resolved, how fast, and the staff's attitude, 1 (bad) to 5 (very good),
// and a comment. It is its own follow-up, one per resolution.
type Survey struct {
	TicketID   int64      `json:"ticket_id"`
	Round      int        `json:"round"`
	SentAt     time.Time  `json:"sent_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	Resolution int        `json:"resolution_score"`
	Speed      int        `json:"speed_score"`
	Attitude   int        `json:"attitude_score"`
	Comment    string     `json:"comment,omitempty"`
	Via        string     `json:"via,omitempty"` // portal or link
}

// LowRating is the score at or under which a rating reopens the ticket
// for the team lead.
const LowRating = 2

// Validate checks an answer, naming each bad field.
func (s *Survey) Validate() error {
	p := poscare.Problems{}
	for field, v := range map[string]int{"resolution_score": s.Resolution, "speed_score": s.Speed, "attitude_score": s.Attitude} {
		if v < 1 || v > 5 {
			p.Say(field, "sd.invalid.score")
		}
	}
	s.Comment = strings.TrimSpace(s.Comment)
	if len([]rune(s.Comment)) > 2000 {
		p.Say("comment", "sd.invalid.too_long", "max", 2000)
	}
	return p.Err()
}

// Low reports whether the answer reopens the ticket: any score at or
// under LowRating.
func (s *Survey) Low() bool {
	return min(s.Resolution, s.Speed, s.Attitude) <= LowRating
}
