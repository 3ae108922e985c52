package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"poscare"
	"poscare/continuity"
)

// Message is an outbox row claimed for sending.
type Message struct {
	ID         int64
	DedupeKey  string
	MerchantID *int64
	Channel    string
	Address    string
	Subject    string
	Body       string
	Attempts   int   // failed attempts when it was claimed (for logs)
	due        int64 // when it was due, in micros: the order of a claim
	// lease is the claim's token: the end of its lease, in micros, as the
	// claim wrote it into next_attempt_at. A later claim (after the lease
	// ran out) writes a later one, so an outcome is recorded only while
	// the row still carries this claim's.
	lease int64
}

// ErrLeaseLost is returned by MessageSent, MessageFailed and
// ReleaseMessages for a message whose lease ran out and that another
// worker has claimed since (or that is no longer being sent): nothing is
// recorded, the message belongs to its new holder.
var ErrLeaseLost = errors.New("sqlstore: the message's lease ran out and another worker holds it")

// Outbox sending: a claimed message is leased for SendLease; a worker
// that dies mid-send leaves it to be claimed again after the lease. After
// MaxAttempts failures the message fails and, where the merchant has
// another way to be reached, a copy goes out through it. Both are the
// defaults of a store's Outbox settings.
const (
	SendLease   = 2 * time.Minute
	MaxAttempts = 3
)

// Outbox is a store's sending settings; zero values mean SendLease and
// MaxAttempts.
type Outbox struct {
	Lease    time.Duration // how long a claim holds a message
	Attempts int           // failures before a message fails for good
}

// SendLeaseOf is how long this store's claims hold a message.
func (o Outbox) SendLeaseOf() time.Duration {
	if o.Lease > 0 {
		return o.Lease
	}
	return SendLease
}

// MaxAttemptsOf is how many failures this store allows a message.
func (o Outbox) MaxAttemptsOf() int {
	if o.Attempts > 0 {
		return o.Attempts
	}
	return MaxAttempts
}

// ClaimMessages leases up to n messages that are due, so that several
// workers (on several instances) never take the same one. On PostgreSQL
// the due rows are locked as they are picked (FOR UPDATE SKIP LOCKED): a
// row another instance is claiming is passed over, and one it claimed in
// the meantime is no longer due when locked. On SQLite the transaction
// holds the only write lock; the lease is still taken only where the row
// is still due, and only the rows it took are handed out.
func (s *Store) ClaimMessages(ctx context.Context, n int) ([]*Message, error) {
	var out []*Message
	err := s.inWrite(ctx, func(t *Tx) error {
		var err error
		out = nil // afresh on every run: inWrite may retry
		scan := func(r scanner) (*Message, error) {
			var m Message
			var merchant sql.NullInt64
			var lang, subject, body string
			err := r.Scan(&m.ID, &m.DedupeKey, &merchant, &m.Channel, &m.Address, &lang, &subject, &body, &m.Attempts, &m.due)
			m.MerchantID = int64Ptr(merchant)
			// Put into words now, in the reader's language.
			m.Subject, m.Body = poscare.DecodeMsg(subject).In(lang), poscare.DecodeMsg(body).In(lang)
			return &m, err
		}
		lease := micros(t.now.Add(t.s.SendLeaseOf()))
		const due = `SELECT id, next_attempt_at FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`
		if t.s.dialect == Postgres {
			out, err = queryAllTx(ctx, t, `WITH due AS (`+due+` FOR UPDATE SKIP LOCKED)
				UPDATE outbox o SET status = 'sending', next_attempt_at = ? FROM due WHERE o.id = due.id
				RETURNING o.id, o.dedupe_key, o.merchant_id, o.channel, o.address, o.lang, o.subject_msg, o.body_msg, o.attempts, due.next_attempt_at`,
				[]any{micros(t.now), n, lease}, scan)
			for _, m := range out {
				m.lease = lease
			}
			slices.SortFunc(out, func(a, b *Message) int { return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(a.ID, b.ID)) })
			return err
		}
		found, err := queryAllTx(ctx, t, `SELECT id, dedupe_key, merchant_id, channel, address, lang, subject_msg, body_msg, attempts, next_attempt_at FROM outbox
			WHERE status IN ('queued', 'sending') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, []any{micros(t.now), n}, scan)
		if err != nil || len(found) == 0 {
			return err
		}
		ids := make([]int64, len(found))
		for i, m := range found {
			ids[i] = m.ID
		}
		in, args := inList(ids)
		taken, err := queryAllTx(ctx, t, `UPDATE outbox SET status = 'sending', next_attempt_at = ?
			WHERE id IN `+in+` AND status IN ('queued', 'sending') AND next_attempt_at <= ? RETURNING id`,
			append(append([]any{lease}, args...), micros(t.now)),
			func(r scanner) (*int64, error) { var id int64; return &id, r.Scan(&id) })
		if err != nil {
			return err
		}
		claimed := map[int64]bool{}
		for _, id := range taken {
			claimed[*id] = true
		}
		for _, m := range found {
			if claimed[m.ID] {
				m.lease = lease
				out = append(out, m)
			}
		}
		return nil
	})
	return out, err
}

// ReleaseMessages hands claimed messages that were never sent back to
// the queue, due now, their attempts untouched: a worker that stops hands
// back what it had claimed but not begun. A message whose lease ran out
// and that another worker has claimed since stays with that worker; if
// any did, the others are still released and ErrLeaseLost is returned.
func (s *Store) ReleaseMessages(ctx context.Context, ms []*Message) error {
	if len(ms) == 0 {
		return nil
	}
	lost := 0
	err := s.inWrite(ctx, func(t *Tx) error {
		lost = 0 // afresh on every run: inWrite may retry
		for _, m := range ms {
			ok, err := t.holding(ctx, m, "status = 'queued', next_attempt_at = ?", micros(t.now))
			if err != nil {
				return err
			}
			if !ok {
				lost++
			}
		}
		return nil
	})
	if err == nil && lost > 0 {
		return fmt.Errorf("%d of %d messages not released: %w", lost, len(ms), ErrLeaseLost)
	}
	return err
}

// holding applies set to the message if its claim still holds: the row is
// being sent under this claim's lease. It reports whether it did.
func (t *Tx) holding(ctx context.Context, m *Message, set string, args ...any) (bool, error) {
	res, err := t.exec(ctx, "UPDATE outbox SET "+set+" WHERE id = ? AND status = 'sending' AND next_attempt_at = ?",
		append(args, m.ID, m.lease)...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, t.s.translate(err)
	}
	return n == 1, nil
}

// MessageSent records a delivery by the worker that claimed m, if its
// lease still holds; otherwise it records nothing and returns
// ErrLeaseLost.
func (s *Store) MessageSent(ctx context.Context, m *Message) error {
	return s.inWrite(ctx, func(t *Tx) error {
		ok, err := t.holding(ctx, m, "status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = ''", micros(t.now))
		if err == nil && !ok {
			err = ErrLeaseLost
		}
		return err
	})
}

// MessageFailed records a failed attempt by the worker that claimed m, if
// its lease still holds (otherwise nothing, and ErrLeaseLost): the message
// is retried or fails for good as continuity.AfterFailure says (backoff
// from 30 s, doubling, until the store's attempts), and a failed one falls
// back to the merchant's next preferred channel (see fallBack). The attempts are counted in the row, not from
// what the claim read.
func (s *Store) MessageFailed(ctx context.Context, m *Message, cause error) error {
	return s.inWrite(ctx, func(t *Tx) error {
		var attempts int
		err := t.queryRow(ctx, "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'sending' AND next_attempt_at = ? RETURNING attempts",
			cause.Error(), m.ID, m.lease).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLeaseLost
		}
		if err != nil {
			return t.s.translate(err)
		}
		if retryIn, failed := continuity.AfterFailure(attempts, t.s.MaxAttemptsOf()); !failed {
			_, err := t.exec(ctx, "UPDATE outbox SET status = 'queued', next_attempt_at = ? WHERE id = ?", micros(t.now.Add(retryIn)), m.ID)
			return err
		}
		if _, err := t.exec(ctx, "UPDATE outbox SET status = 'failed' WHERE id = ?", m.ID); err != nil {
			return err
		}
		return t.fallBack(ctx, m)
	})
}

// fallBack queues a copy of a failed message through the merchant's next
// route in continuity.FallbackOrder that this message chain (the first
// message and its copies) has not tried: first the other channels of the
// contact the chain began with, then the merchant's other contacts, first
// contact first; within each contact its preferred kind of channel first.
func (t *Tx) fallBack(ctx context.Context, m *Message) error {
	if m.MerchantID == nil {
		return nil
	}
	// Every copy keeps the merchant of the first message, so the chain is
	// found among the merchant's few messages by its base key; a LIKE on
	// the key would also take merchant 12's chain for merchant 1's.
	base := continuity.BaseKey(m.DedupeKey)
	first := continuity.Route{Channel: m.Channel, Address: m.Address}
	tried := map[continuity.Route]bool{first: true}
	rows, err := t.query(ctx, "SELECT dedupe_key, channel, address FROM outbox WHERE merchant_id = ?", *m.MerchantID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var key string
		var r continuity.Route
		if err := rows.Scan(&key, &r.Channel, &r.Address); err != nil {
			rows.Close()
			return t.s.translate(err)
		}
		if continuity.BaseKey(key) != base {
			continue
		}
		tried[r] = true
		if key == base {
			first = r
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t.s.translate(err)
	}

	rows, err = t.query(ctx, `SELECT c.id, c.preferred_channel, ch.kind, ch.value FROM contacts c JOIN contact_channels ch ON ch.contact_id = c.id
		WHERE c.merchant_id = ? AND c.archived_at IS NULL AND ch.removed_at IS NULL ORDER BY c.id, ch.id`, *m.MerchantID)
	if err != nil {
		return err
	}
	var contacts []continuity.Reachable
	for rows.Next() {
		var id int64
		var preferred, kind, value string
		if err := rows.Scan(&id, &preferred, &kind, &value); err != nil {
			rows.Close()
			return t.s.translate(err)
		}
		if n := len(contacts); n == 0 || contacts[n-1].ID != id {
			contacts = append(contacts, continuity.Reachable{ID: id, Preferred: channelFor[poscare.ChannelKind(preferred)]})
		}
		c := &contacts[len(contacts)-1]
		c.Routes = append(c.Routes, continuity.Route{Channel: channelFor[poscare.ChannelKind(kind)], Address: value})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t.s.translate(err)
	}

	r, ok := continuity.NextFallback(contacts, first, tried)
	if !ok {
		return nil
	}
	_, err = t.exec(ctx, `INSERT INTO outbox (dedupe_key, merchant_id, incident_id, channel, address, lang, subject_msg, body_msg, status, next_attempt_at, created_at)
		SELECT ?, merchant_id, incident_id, ?, ?, lang, subject_msg, body_msg, 'queued', ?, ? FROM outbox WHERE id = ?`,
		continuity.FallbackKey(m.DedupeKey, r), r.Channel, r.Address, micros(t.now), micros(t.now), m.ID)
	if err != nil {
		return err
	}
	return t.enqueue(ctx, DeliverOutbox{})
}

// OutboxCounts reports how many messages are in each status, for health
// pages and tests.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	rows, err := s.read.QueryContext(ctx, "SELECT status, COUNT(*) FROM outbox GROUP BY status")
	if err != nil {
		return nil, s.translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, s.translate(err)
		}
		out[st] = n
	}
	return out, s.translate(rows.Err())
}
