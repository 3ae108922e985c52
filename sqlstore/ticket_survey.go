package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"poscare"
	"poscare/servicedesk"
)

// SurveyLinkValid is how long a mailed rating link may be used.
const SurveyLinkValid = 14 * 24 * time.Hour

// openSurvey starts a resolved ticket's rating, one per resolution.
func (t *Tx) openSurvey(ctx context.Context, ticket int64) (int, error) {
	var round int
	if err := t.queryRow(ctx, "SELECT COALESCE(MAX(round), 0) + 1 FROM ticket_surveys WHERE ticket_id = ?", ticket).Scan(&round); err != nil {
		return 0, err
	}
	_, err := t.exec(ctx, "INSERT INTO ticket_surveys (ticket_id, round, sent_at) VALUES (?, ?, ?)", ticket, round, micros(t.now))
	return round, err
}

const surveyCols = "ticket_id, round, sent_at, answered_at, resolution, speed, attitude, comment, via"

func scanSurvey(r scanner) (*servicedesk.Survey, error) {
	var x servicedesk.Survey
	var sent int64
	var answered, res, speed, att sql.NullInt64
	if err := r.Scan(&x.TicketID, &x.Round, &sent, &answered, &res, &speed, &att, &x.Comment, &x.Via); err != nil {
		return nil, err
	}
	x.SentAt, x.AnsweredAt = fromMicros(sent), timePtr(answered)
	x.Resolution, x.Speed, x.Attitude = int(res.Int64), int(speed.Int64), int(att.Int64)
	return &x, nil
}

// OpenSurvey is a ticket's rating waiting for the merchant, nil for none.
// Errors: EForbidden, ENotFound.
func (s *Store) OpenSurvey(ctx context.Context, a poscare.Actor, ticket int64) (*servicedesk.Survey, error) {
	if !a.Can(servicedesk.EntityTicket, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	var out *servicedesk.Survey
	err := s.inRead(ctx, func(t *Tx) error {
		if _, _, err := t.visibleTicket(ctx, a, ticket); err != nil {
			return err
		}
		x, err := scanSurvey(t.queryRow(ctx, "SELECT "+surveyCols+" FROM ticket_surveys WHERE ticket_id = ? AND answered_at IS NULL ORDER BY round DESC LIMIT 1", ticket))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		out = x
		return err
	})
	return out, err
}

// SurveyLink is the query string of a signed, single-use link by which the
// merchant rates a ticket's latest resolution without logging in.
func (s *Store) SurveyLink(ticket int64, round int, expiry time.Time) string {
	msg := fmt.Sprintf("survey.%d.%d.%d", ticket, round, expiry.Unix())
	return "r=" + msg + "&s=" + s.vault.SignLink(msg)
}

// SurveyByLink checks a rating link and returns its ticket's open survey
// with the ticket. Errors: EInvalid (a bad, expired or used link).
func (s *Store) SurveyByLink(ctx context.Context, r, sig string) (*servicedesk.Survey, *TicketView, error) {
	ticket, round, err := s.checkSurveyLink(r, sig)
	if err != nil {
		return nil, nil, err
	}
	var x *servicedesk.Survey
	var v *TicketView
	err = s.inRead(ctx, func(t *Tx) error {
		var err error
		if x, err = scanSurvey(t.queryRow(ctx, "SELECT "+surveyCols+" FROM ticket_surveys WHERE ticket_id = ? AND round = ? AND answered_at IS NULL", ticket, round)); err != nil {
			return poscare.Fail(poscare.EInvalid, "sd.survey.link")
		}
		v, err = scanTicket(t.queryRow(ctx, "SELECT "+ticketCols+" FROM tickets k WHERE k.id = ?", ticket))
		return err
	})
	return x, v, err
}

func (s *Store) checkSurveyLink(r, sig string) (int64, int, error) {
	bad := poscare.Fail(poscare.EInvalid, "sd.survey.link")
	if !s.vault.VerifyLink(r, sig) {
		return 0, 0, bad
	}
	parts := strings.Split(r, ".")
	if len(parts) != 4 || parts[0] != "survey" {
		return 0, 0, bad
	}
	ticket, err1 := strconv.ParseInt(parts[1], 10, 64)
	round, err2 := strconv.Atoi(parts[2])
	exp, err3 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || s.Now().Unix() > exp {
		return 0, 0, bad
	}
	return ticket, round, nil
}

// AnswerSurvey records the merchant's rating: from the portal (a, the
// merchant's user) or a signed link (link set, a ignored). A low score
// reopens the ticket and gives it to the team's lead.
// Errors: EForbidden, ENotFound, EInvalid, EConflict (nothing to rate).
func (s *Store) AnswerSurvey(ctx context.Context, a poscare.Actor, ticket int64, answer servicedesk.Survey, link, sig string) error {
	via := "portal"
	if link != "" {
		id, round, err := s.checkSurveyLink(link, sig)
		if err != nil {
			return err
		}
		ticket, answer.Round, via = id, round, "link"
		a = poscare.SystemActor("survey link")
	} else if a.Role != poscare.RoleMerchant {
		return poscare.Forbidden()
	}
	if err := answer.Validate(); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		var v *TicketView
		var err error
		if via == "portal" {
			if v, _, err = t.visibleTicket(ctx, a, ticket); err != nil {
				return err
			}
		} else if v, err = scanTicket(t.queryRow(ctx, "SELECT "+ticketCols+" FROM tickets k WHERE k.id = ?", ticket)); err != nil {
			return t.s.translate(err)
		}
		q := "UPDATE ticket_surveys SET answered_at = ?, resolution = ?, speed = ?, attitude = ?, comment = ?, via = ? WHERE ticket_id = ? AND answered_at IS NULL"
		args := []any{micros(t.now), answer.Resolution, answer.Speed, answer.Attitude, answer.Comment, via, ticket}
		if via == "link" {
			q += " AND round = ?"
			args = append(args, answer.Round)
		}
		res, err := t.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if via == "link" {
				return poscare.Fail(poscare.EInvalid, "sd.survey.link")
			}
			return poscare.Fail(poscare.EConflict, "sd.survey.none")
		}
		msg := poscare.M("sd.event.rated", "resolution", answer.Resolution, "speed", answer.Speed, "attitude", answer.Attitude)
		if _, err := t.ticketEvent(ctx, a, ticket, servicedesk.EventRated, "", "", false, answer.Comment, msg, ""); err != nil {
			return err
		}
		if answer.Low() && !v.Status.Open() {
			if err := t.moveTicket(ctx, a, v, servicedesk.StatusReopened); err != nil {
				return err
			}
			lead, err := t.teamLead(ctx, deref(v.TeamID))
			if err != nil {
				return err
			}
			if lead != nil {
				if _, err := t.exec(ctx, "UPDATE tickets SET assignee_id = ? WHERE id = ?", *lead, ticket); err != nil {
					return err
				}
				if err := t.tellStaff(ctx, *lead, "ticket:"+v.Ref+":low_rating:"+strconv.FormatInt(micros(t.now), 10), poscare.M("sd.alert.low.subject", "ref", v.Ref),
					poscare.M("sd.alert.low.body", "ref", v.Ref, "subject", v.Subject, "comment", answer.Comment)); err != nil {
					return err
				}
			}
			if _, err := t.ticketEvent(ctx, a, ticket, servicedesk.EventAssigned, "", "", false, "", poscare.M("sd.event.rated_low"), ""); err != nil {
				return err
			}
			if _, err := t.settleTicket(ctx, ticket); err != nil {
				return err
			}
		}
		return t.record(ctx, a, "ticket_rated", servicedesk.EntityTicket, ticket, nil, answer)
	})
}
