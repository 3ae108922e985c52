package sqlstore

import (
	"context"

	"poscare"
)

// MerchantActivity is the merchant's own history (the portal's recent
// changes): the changes to the merchant and to its contacts, terminals,
// applications and contracts, newest first, each told by the role that
// made it and without the provider's internal events. It is what merchant
// users get instead of the audit trail; staff who can see the merchant may
// read it too, to see what the merchant sees.
// Errors: ENotFound (the merchant is not the actor's to see).
func (s *Store) MerchantActivity(ctx context.Context, a poscare.Actor, merchantID int64, p poscare.Page) ([]poscare.MerchantEvent, error) {
	if !a.Can(poscare.EntityMerchant, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	p.Normalize()
	var out []poscare.MerchantEvent
	err := s.inRead(ctx, func(t *Tx) error {
		if _, err := t.visibleMerchant(ctx, a, merchantID); err != nil {
			return err
		}
		in, args := inList(poscare.MerchantFacingActions())
		q := "SELECT " + prefixed("al.", auditCols) + `, COALESCE(u.role, '') FROM audit_log al LEFT JOIN users u ON u.id = al.actor_id
			WHERE al.action IN ` + in + ` AND (
				(al.entity = 'merchant' AND al.entity_id = ?)
				OR (al.entity = 'contact' AND al.entity_id IN (SELECT id FROM contacts WHERE merchant_id = ?))
				OR (al.entity = 'terminal' AND al.entity_id IN (SELECT id FROM terminals WHERE merchant_id = ?))
				OR (al.entity = 'application' AND al.entity_id IN (SELECT id FROM applications WHERE merchant_id = ?))
				OR (al.entity = 'contract' AND al.entity_id IN (SELECT id FROM contracts WHERE merchant_id = ?)))
			ORDER BY al.seq DESC LIMIT ? OFFSET ?`
		args = append(args, merchantID, merchantID, merchantID, merchantID, merchantID, p.Rows(), p.Offset)
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var role string
			e, err := scanAuditRow(withRole{rows, &role})
			if err != nil {
				return t.s.translate(err)
			}
			if ev, ok := poscare.MerchantView(e, poscare.Role(role)); ok {
				out = append(out, ev)
			}
		}
		return t.s.translate(rows.Err())
	})
	return out, err
}

// withRole scans an audit row followed by its actor's role.
type withRole struct {
	r    scanner
	role *string
}

func (w withRole) Scan(dest ...any) error { return w.r.Scan(append(dest, w.role)...) }
