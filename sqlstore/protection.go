package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"poscare"
	"poscare/continuity"
)

// Deletion protection: the rule (how many removals in the window, the
// refusal, the alert and its words) is continuity's (continuity.
// GuardRemovals, continuity.BlockedAlert); storage counts the person's
// removals and writes the refusal's audit entry and alert.

// removalActions is the SQL condition on audit entries that are removals
// the guard counts: archives of merchants and contacts, and removed
// contact details.
const removalActions = "((action = 'archive' AND entity IN ('merchant', 'contact')) OR action = 'remove_channel')"

// guardRemovals refuses one more removal when the actor has reached the
// limit in the window (continuity.GuardRemovals).
func (t *Tx) guardRemovals(ctx context.Context, a poscare.Actor) error {
	if !continuity.Guarded(a) {
		return nil
	}
	// On PostgreSQL two removals at once by the same person would each
	// count without the other: a lock of that person's own, held to the
	// commit, makes the count see every removal of theirs committed before
	// it. (Not the audit chain's lock: taken before the record's row lock,
	// it would deadlock with an edit that takes them the other way round.)
	if t.s.dialect == Postgres {
		if _, err := t.exec(ctx, "SELECT pg_advisory_xact_lock(7020003, CAST(? AS INTEGER))", a.UserID); err != nil {
			return err
		}
	}
	var n int
	err := t.queryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE actor_id = ? AND at >= ? AND "+removalActions,
		a.UserID, micros(continuity.RemovalsSince(t.now, t.s.Policy))).Scan(&n)
	if err != nil {
		return t.s.translate(err)
	}
	return continuity.GuardRemovals(n, t.s.Policy)
}

// alertOnBlock raises the alert for a refused bulk removal: an audit entry
// and one message to the lead and to ops, at most once per window, listing
// what the person removed by name. The refusal stands even when the alert
// cannot be written; that failure goes to the store's log.
func (s *Store) alertOnBlock(ctx context.Context, a poscare.Actor, err error) error {
	if !errors.Is(err, continuity.ErrRemovalsBlocked) {
		return err
	}
	aerr := s.inWrite(ctx, func(t *Tx) error {
		person, err := t.getUser(ctx, a.UserID)
		if err != nil {
			return err
		}
		recent, err := queryAllTx(ctx, t, `SELECT a.entity, a.entity_id, a.action, COALESCE(m.legal_name, c.name, ''), COALESCE(cm.legal_name, '')
			FROM audit_log a
			LEFT JOIN merchants m ON a.entity = 'merchant' AND m.id = a.entity_id
			LEFT JOIN contacts c ON a.entity = 'contact' AND c.id = a.entity_id
			LEFT JOIN merchants cm ON cm.id = c.merchant_id
			WHERE a.actor_id = ? AND a.at >= ? AND ((a.action = 'archive' AND a.entity IN ('merchant', 'contact')) OR a.action = 'remove_channel')
			ORDER BY a.seq DESC LIMIT 100`, []any{a.UserID, micros(continuity.RemovalsSince(t.now, t.s.Policy))},
			func(r scanner) (*continuity.Removed, error) {
				var x continuity.Removed
				return &x, r.Scan(&x.Entity, &x.ID, &x.Action, &x.Name, &x.Merchant)
			})
		if err != nil {
			return err
		}
		list := make([]string, len(recent))
		removed := make([]continuity.Removed, len(recent))
		for i, x := range recent {
			list[i], removed[i] = x.Audit(), *x
		}
		if err := t.record(ctx, a, "bulk_blocked", poscare.EntityUser, a.UserID, nil, map[string]any{"recent": list}); err != nil {
			return err
		}
		// One alert per person and window: a repeated refusal adds none.
		return t.raise(ctx, continuity.BlockedAlert(person, removed, t.s.Policy, t.now))
	})
	if aerr != nil {
		s.Log.Error("bulk removal refused, but its alert could not be queued", "user_id", a.UserID, "err", aerr)
	}
	return err
}

// Removal is one thing a person took out of use and that is still out:
// an archived merchant or contact, or a removed phone, email or WeChat ID
// (Channel set), with the reason they gave.
type Removal struct {
	Entity       string           `json:"entity"` // merchant or contact
	ID           int64            `json:"id"`
	Name         string           `json:"name"`
	MerchantID   int64            `json:"merchant_id"`
	MerchantName string           `json:"merchant_name"`
	Channel      *poscare.Channel `json:"channel,omitempty"`
	Reason       string           `json:"reason"`
	At           time.Time        `json:"at"`
}

// MaxRemovalsListed bounds the list of a person's removals; RestoreRemovals
// has no such bound.
const MaxRemovalsListed = 1000

// removalsOf checks that the actor may undo a person's removals: a lead
// for their team, ops and admins for anyone (as for status changes).
func (t *Tx) removalsOf(ctx context.Context, a poscare.Actor, userID int64) (*poscare.User, error) {
	person, err := t.getUser(ctx, userID)
	if err != nil || !a.CanSeeUser(person) || !a.CanSetStatus(person) {
		return nil, poscare.NotFound(poscare.EntityUser)
	}
	return person, nil
}

// Removals lists, newest first, what a person archived or removed since a
// time and is still out of use, so that their lead sees it before undoing
// it. Errors: EForbidden, ENotFound.
func (s *Store) Removals(ctx context.Context, a poscare.Actor, userID int64, since time.Time) ([]Removal, error) {
	if !a.Can(poscare.EntityUser, poscare.ActStatus) {
		return nil, poscare.Forbidden()
	}
	var out []Removal
	err := s.inRead(ctx, func(t *Tx) error {
		if _, err := t.removalsOf(ctx, a, userID); err != nil {
			return err
		}
		from := micros(since)
		scan := func(r scanner) (*Removal, error) {
			var x Removal
			var at int64
			var kind, value sql.NullString
			var chID sql.NullInt64
			err := r.Scan(&x.Entity, &x.ID, &x.Name, &x.MerchantID, &x.MerchantName, &chID, &kind, &value, &x.Reason, &at)
			x.At = fromMicros(at)
			if chID.Valid {
				x.Channel = &poscare.Channel{ID: chID.Int64, Kind: poscare.ChannelKind(kind.String), Value: value.String}
			}
			return &x, err
		}
		// Only merchants the actor may see now: a person's removals can
		// include merchants they backed up for another team.
		cond, sa := s.scopeSQL(a.MerchantScope())
		q := `SELECT 'merchant', m.id, m.legal_name, m.id, m.legal_name, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), COALESCE(m.archive_reason, ''), m.archived_at
				FROM merchants m WHERE m.archived_by = ? AND m.archived_at >= ? AND ` + cond + `
			UNION ALL SELECT 'contact', c.id, c.name, m.id, m.legal_name, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), COALESCE(c.archive_reason, ''), c.archived_at
				FROM contacts c JOIN merchants m ON m.id = c.merchant_id WHERE c.archived_by = ? AND c.archived_at >= ? AND ` + cond + `
			UNION ALL SELECT 'contact', c.id, c.name, m.id, m.legal_name, ch.id, ch.kind, ch.value, ch.removed_reason, ch.removed_at
				FROM contact_channels ch JOIN contacts c ON c.id = ch.contact_id JOIN merchants m ON m.id = c.merchant_id
				WHERE ch.removed_by = ? AND ch.removed_at >= ? AND ` + cond + `
			ORDER BY 10 DESC LIMIT ?`
		var args []any
		for range 3 {
			args = append(append(args, userID, from), sa...)
		}
		rs, err := queryAllTx(ctx, t, q, append(args, MaxRemovalsListed), scan)
		for _, r := range rs {
			out = append(out, *r)
		}
		return err
	})
	return out, err
}

// RestoreRemovals undoes, in one action, every merchant and contact
// archive and every contact-detail removal a person made since a time: a
// lead's answer to a salesperson who deleted customers. Like Removals, it
// touches only merchants the actor may see. Each restored record gets its
// own audit entry. It returns how many it restored.
// Errors: EForbidden, ENotFound.
func (s *Store) RestoreRemovals(ctx context.Context, a poscare.Actor, userID int64, since time.Time) (int, error) {
	return s.restoreRemovals(ctx, a, userID, since, nil)
}

// RemovalRef names one row of Removals: a merchant or contact by its id,
// or a removed contact detail by its contact and channel ids.
type RemovalRef struct {
	Entity    string `json:"entity"` // merchant or contact
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id,omitempty"`
}

// RestoreChosenRemovals undoes only the chosen rows of a person's
// removals since a time, as RestoreRemovals does for all of them: a row
// that is not among the person's removals (restored already, another
// person's, a merchant the actor cannot see) is left alone and not
// counted. Choosing nothing is refused, so that it can never mean all.
// Errors: EForbidden, ENotFound, EInvalid (restore).
func (s *Store) RestoreChosenRemovals(ctx context.Context, a poscare.Actor, userID int64, since time.Time, chosen []RemovalRef) (int, error) {
	if len(chosen) == 0 {
		p := poscare.Problems{}
		p.Say("restore", "removal.none_chosen")
		return 0, p.Err()
	}
	set := map[RemovalRef]bool{}
	for _, r := range chosen {
		set[r] = true
	}
	return s.restoreRemovals(ctx, a, userID, since, set)
}

// restoreRemovals restores the person's removals since a time, those in
// only when it is not nil.
func (s *Store) restoreRemovals(ctx context.Context, a poscare.Actor, userID int64, since time.Time, only map[RemovalRef]bool) (int, error) {
	if !a.Can(poscare.EntityUser, poscare.ActStatus) {
		return 0, poscare.Forbidden()
	}
	n := 0
	err := s.inWrite(ctx, func(t *Tx) error {
		n = 0 // afresh on every run: inWrite may retry
		person, err := t.removalsOf(ctx, a, userID)
		if err != nil {
			return err
		}
		why := map[string]any{"reason": "undo removals by " + person.Login}
		cond, sa := s.scopeSQL(a.MerchantScope())
		args := append([]any{userID, micros(since)}, sa...)
		for _, k := range []struct{ table, from, entity string }{
			{"merchants", "merchants x JOIN merchants m ON m.id = x.id", poscare.EntityMerchant},
			{"contacts", "contacts x JOIN merchants m ON m.id = x.merchant_id", poscare.EntityContact},
		} {
			ids, err := queryAllTx(ctx, t, "SELECT x.id FROM "+k.from+" WHERE x.archived_by = ? AND x.archived_at >= ? AND "+cond, args,
				func(r scanner) (*int64, error) { var id int64; return &id, r.Scan(&id) })
			if err != nil {
				return err
			}
			for _, id := range ids {
				if only != nil && !only[RemovalRef{Entity: k.entity, ID: *id}] {
					continue
				}
				if _, err := t.exec(ctx, "UPDATE "+k.table+" SET archived_at = NULL, archived_by = NULL, archive_reason = NULL, updated_at = ? WHERE id = ?", micros(t.now), *id); err != nil {
					return err
				}
				if err := t.record(ctx, a, "restore", k.entity, *id, nil, why); err != nil {
					return err
				}
				// As any restore: to someone at work, and the merchant told.
				if k.entity == poscare.EntityMerchant {
					if err := t.restoredMerchant(ctx, a, *id); err != nil {
						return err
					}
				}
				n++
			}
		}
		type removed struct {
			contact int64
			ch      poscare.Channel
		}
		chs, err := queryAllTx(ctx, t, `SELECT ch.contact_id, ch.id, ch.kind, ch.value FROM contact_channels ch
			JOIN contacts c ON c.id = ch.contact_id JOIN merchants m ON m.id = c.merchant_id
			WHERE ch.removed_by = ? AND ch.removed_at >= ? AND `+cond+" ORDER BY ch.contact_id, ch.id",
			args, func(r scanner) (*removed, error) {
				var x removed
				return &x, r.Scan(&x.contact, &x.ch.ID, &x.ch.Kind, &x.ch.Value)
			})
		if err != nil {
			return err
		}
		for _, x := range chs {
			if only != nil && !only[RemovalRef{Entity: poscare.EntityContact, ID: x.contact, ChannelID: x.ch.ID}] {
				continue
			}
			if _, err := t.exec(ctx, "UPDATE contact_channels SET removed_at = NULL, removed_by = NULL, removed_reason = '' WHERE contact_id = ? AND id = ?", x.contact, x.ch.ID); err != nil {
				return err
			}
			if err := t.record(ctx, a, "restore_channel", poscare.EntityContact, x.contact, nil, map[string]any{"channel": x.ch, "reason": why["reason"]}); err != nil {
				return err
			}
			n++
		}
		return t.record(ctx, a, "restore_removals", poscare.EntityUser, userID, nil, map[string]any{"since": since, "restored": n})
	})
	return n, err
}
