package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"poscare"
)

// DeliveryStatuses are the states of an outbox message, in the order a
// message passes through them: queued until a worker claims it, sending
// while a worker holds its lease, then sent, or failed after MaxAttempts.
var DeliveryStatuses = []string{"queued", "sending", "sent", "failed"}

// DeliveryFilter narrows the messages of an incident: Status is one of
// DeliveryStatuses, or empty for all.
type DeliveryFilter struct {
	Status string
	Page   poscare.Page
}

// IncidentNotification is one message the emergency playbook queued for an
// incident, with the merchant it went to.
type IncidentNotification struct {
	Notification
	MerchantID   int64  `json:"merchant_id"`
	MerchantName string `json:"merchant_name"`
}

// DeliverySummary counts an incident's messages by delivery status, over
// all of them whatever the filter. A merchant whose first channel failed
// gets a copy through its next channel, so there can be more messages than
// merchants: MerchantsReached counts the merchants with at least one
// message sent, which is what the lead needs to know.
type DeliverySummary struct {
	Total            int `json:"total"`
	Queued           int `json:"queued"`
	Sending          int `json:"sending"`
	Sent             int `json:"sent"`
	Failed           int `json:"failed"`
	Merchants        int `json:"merchants"`
	MerchantsReached int `json:"merchants_reached"`
}

// IncidentNotifications lists the messages queued for an incident's
// merchants with their delivery status, oldest first, filtered by status
// and paged, and counts them by status. Whoever may see the incident may
// see its messages to the merchants they may see now: a lead does not see
// (nor count) a message to a merchant that has since moved to another
// team. Like ListMerchants, it returns one more row than the page when
// there is a next page.
// Errors: EForbidden, ENotFound (also for an incident outside the actor's
// view), EInvalid (unknown status).
func (s *Store) IncidentNotifications(ctx context.Context, a poscare.Actor, incidentID int64, f DeliveryFilter) ([]*IncidentNotification, DeliverySummary, error) {
	var sum DeliverySummary
	if !a.Can(poscare.EntityIncident, poscare.ActRead) {
		return nil, sum, poscare.Forbidden()
	}
	f.Status = strings.TrimSpace(f.Status)
	if f.Status != "" && !slices.Contains(DeliveryStatuses, f.Status) {
		p := poscare.Problems{}
		p.Say("status", "playbook.delivery.status")
		return nil, sum, p.Err()
	}
	f.Page.Normalize()
	var out []*IncidentNotification
	err := s.inRead(ctx, func(t *Tx) error {
		if err := t.incidentVisible(ctx, a, incidentID); err != nil {
			return err
		}
		var err error
		cond, sa := s.messageScopeSQL(a.MerchantScope())
		if sum, err = t.deliverySummary(ctx, incidentID, cond, sa); err != nil {
			return err
		}
		q := `SELECT o.id, o.channel, o.address, o.lang, o.subject_msg, o.body_msg, o.status, o.attempts, o.created_at, o.sent_at,
			COALESCE(m.id, 0), COALESCE(m.legal_name, '') FROM outbox o LEFT JOIN merchants m ON m.id = o.merchant_id
			WHERE o.incident_id = ? AND ` + cond
		args := append([]any{incidentID}, sa...)
		if f.Status != "" {
			q += " AND o.status = ?"
			args = append(args, f.Status)
		}
		q += " ORDER BY o.id LIMIT ? OFFSET ?"
		args = append(args, f.Page.Limit+1, f.Page.Offset)
		out, err = queryAllTx(ctx, t, q, args, scanIncidentNotification)
		return err
	})
	if err != nil {
		return nil, DeliverySummary{}, err
	}
	return out, sum, nil
}

func scanIncidentNotification(r scanner) (*IncidentNotification, error) {
	var n IncidentNotification
	var created int64
	var sent sql.NullInt64
	var lang, subject, body string
	err := r.Scan(&n.ID, &n.Channel, &n.Address, &lang, &subject, &body, &n.Status, &n.Attempts, &created, &sent, &n.MerchantID, &n.MerchantName)
	n.CreatedAt, n.SentAt = fromMicros(created), timePtr(sent)
	n.Subject, n.Body = poscare.DecodeMsg(subject).In(lang), poscare.DecodeMsg(body).In(lang)
	return &n, err
}

// incidentVisible applies GetIncident's rule without loading the
// incident: an incident is visible to whoever may see its person, and one
// outside the actor's view is reported as not found.
func (t *Tx) incidentVisible(ctx context.Context, a poscare.Actor, id int64) error {
	var userID int64
	err := t.queryRow(ctx, "SELECT user_id FROM incidents WHERE id = ?", id).Scan(&userID)
	if err == sql.ErrNoRows {
		return poscare.NotFound(poscare.EntityIncident)
	}
	if err != nil {
		return t.s.translate(err)
	}
	person, err := t.getUser(ctx, userID)
	if err != nil || !a.CanSeeUser(person) {
		return poscare.NotFound(poscare.EntityIncident)
	}
	return nil
}

// messageScopeSQL is the condition over outbox o LEFT JOIN merchants m
// that keeps the messages an actor with scope sc may see: those to a
// merchant in the scope, and those to nobody's merchant (staff alerts).
func (s *Store) messageScopeSQL(sc poscare.Scope) (string, []any) {
	if sc.All {
		return "1=1", nil
	}
	cond, args := s.scopeSQL(sc)
	return "(o.merchant_id IS NULL OR " + cond + ")", args
}

// deliverySummary counts an incident's messages that pass cond (see
// messageScopeSQL) by status, and their merchants, reached or not.
func (t *Tx) deliverySummary(ctx context.Context, incidentID int64, cond string, condArgs []any) (DeliverySummary, error) {
	var sum DeliverySummary
	from := "FROM outbox o LEFT JOIN merchants m ON m.id = o.merchant_id WHERE o.incident_id = ? AND " + cond
	args := append([]any{incidentID}, condArgs...)
	rows, err := t.query(ctx, "SELECT o.status, COUNT(*) "+from+" GROUP BY o.status", args...)
	if err != nil {
		return sum, err
	}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			rows.Close()
			return sum, t.s.translate(err)
		}
		sum.Total += n
		switch status {
		case "queued":
			sum.Queued = n
		case "sending":
			sum.Sending = n
		case "sent":
			sum.Sent = n
		case "failed":
			sum.Failed = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sum, t.s.translate(err)
	}
	err = t.queryRow(ctx, `SELECT COUNT(DISTINCT o.merchant_id), COUNT(DISTINCT CASE WHEN o.status = 'sent' THEN o.merchant_id END) `+from,
		args...).Scan(&sum.Merchants, &sum.MerchantsReached)
	return sum, t.s.translate(err)
}
