package sqlstore

import (
	"context"
	"database/sql"
	"sort"

	"poscare"
)

// IncidentReceiver is one colleague who took something in an incident's
// handover: how many of each kind, and the merchants.
type IncidentReceiver struct {
	UserID int64
	Name   string // empty for items nobody took (a backup role left empty)
	Counts poscare.HandoverSum
	// Merchants are the merchants they took, by id (archived and given
	// back ones too, marked by Detail).
	Merchants []HandedMerchant
}

// HandedMerchant is one merchant an incident handed over.
type HandedMerchant struct {
	ID     int64
	Name   string
	Detail string // "", "archived", "archived_told", "returned"
}

// IncidentReceivers lists who received what in an incident's handover,
// from the handovers table: the most merchants first.
// Errors: EForbidden, ENotFound.
func (s *Store) IncidentReceivers(ctx context.Context, a poscare.Actor, incidentID int64) ([]*IncidentReceiver, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	var out []*IncidentReceiver
	err := s.inRead(ctx, func(t *Tx) error {
		if err := t.incidentVisible(ctx, a, incidentID); err != nil {
			return err
		}
		by := map[int64]*IncidentReceiver{}
		get := func(id int64, name string) *IncidentReceiver {
			r := by[id]
			if r == nil {
				r = &IncidentReceiver{UserID: id, Name: name}
				by[id] = r
				out = append(out, r)
			}
			return r
		}
		type count struct {
			to   int64
			name string
			kind string
			n    int
		}
		counts, err := queryAllTx(ctx, t, `SELECT COALESCE(h.to_user, 0), COALESCE(u.name, ''), h.kind, COUNT(*) FROM handovers h LEFT JOIN users u ON u.id = h.to_user
			WHERE h.incident_id = ? GROUP BY h.to_user, u.name, h.kind`, []any{incidentID},
			func(r scanner) (*count, error) { var c count; return &c, r.Scan(&c.to, &c.name, &c.kind, &c.n) })
		if err != nil {
			return err
		}
		for _, c := range counts {
			get(c.to, c.name).Counts.Add(c.kind, c.n)
		}
		type handed struct {
			to int64
			HandedMerchant
		}
		ms, err := queryAllTx(ctx, t, `SELECT COALESCE(h.to_user, 0), m.id, m.legal_name, h.detail FROM handovers h JOIN merchants m ON m.id = h.record_id
			WHERE h.incident_id = ? AND h.kind = 'merchant' ORDER BY m.id`, []any{incidentID},
			func(r scanner) (*handed, error) { var x handed; return &x, r.Scan(&x.to, &x.ID, &x.Name, &x.Detail) })
		if err != nil {
			return err
		}
		for _, m := range ms {
			r := get(m.to, "")
			r.Merchants = append(r.Merchants, m.HandedMerchant)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Counts.Merchants != out[j].Counts.Merchants {
			return out[i].Counts.Merchants > out[j].Counts.Merchants
		}
		return out[i].UserID < out[j].UserID
	})
	return out, err
}

// CallListEntry is one merchant to phone about its new account manager:
// its first live contact and that contact's first live phone number
// (empty when there is none).
type CallListEntry struct {
	MerchantID   int64
	MerchantName string
	Contact      string
	Phone        string
	Manager      string // the merchant's account manager now
	ManagerID    int64
}

// IncidentCallList lists the live merchants an incident handed over and
// has not given back, with whom to call and the number, for staff to tell
// them by phone when no message channel delivers the notices.
// Errors: EForbidden, ENotFound.
func (s *Store) IncidentCallList(ctx context.Context, a poscare.Actor, incidentID int64) ([]*CallListEntry, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	var out []*CallListEntry
	err := s.inRead(ctx, func(t *Tx) error {
		if err := t.incidentVisible(ctx, a, incidentID); err != nil {
			return err
		}
		cond, args := s.scopeSQL(a.MerchantScope())
		rows, err := t.query(ctx, `SELECT m.id, m.legal_name, COALESCE(c.name, ''), COALESCE(ch.value, ''), m.account_manager_id, COALESCE(u.name, '')
			FROM handovers h JOIN merchants m ON m.id = h.record_id
			LEFT JOIN users u ON u.id = m.account_manager_id
			LEFT JOIN contacts c ON c.merchant_id = m.id AND c.archived_at IS NULL
			LEFT JOIN contact_channels ch ON ch.contact_id = c.id AND ch.removed_at IS NULL AND ch.kind = 'phone'
			WHERE h.incident_id = ? AND h.kind = 'merchant' AND h.detail = '' AND m.archived_at IS NULL AND `+cond+`
			ORDER BY m.id, c.id, ch.id`, append([]any{incidentID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		seen := map[int64]*CallListEntry{}
		for rows.Next() {
			var e CallListEntry
			var contact, phone sql.NullString
			if err := rows.Scan(&e.MerchantID, &e.MerchantName, &contact, &phone, &e.ManagerID, &e.Manager); err != nil {
				return t.s.translate(err)
			}
			e.Contact, e.Phone = contact.String, phone.String
			// The first contact with a phone wins; else the first contact.
			if cur := seen[e.MerchantID]; cur != nil {
				if cur.Phone == "" && e.Phone != "" {
					*cur = e
				}
				continue
			}
			x := e
			seen[e.MerchantID] = &x
			out = append(out, &x)
		}
		return t.s.translate(rows.Err())
	})
	return out, err
}
