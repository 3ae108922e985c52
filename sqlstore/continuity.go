package sqlstore

import (
	"context"

	"poscare"
)

// SetUserStatus changes a staff member's work status with a reason: on
// leave (with a cover and a return date), unreachable, missing, departed,
// or back to active. Missing and departed people lose their sessions and
// tokens in the same transaction. Errors: EForbidden, ENotFound, EInvalid.
func (s *Store) SetUserStatus(ctx context.Context, a poscare.Actor, id int64, c poscare.StatusChange) (*poscare.User, error) {
	if !a.Can(poscare.EntityUser, poscare.ActStatus) {
		return nil, poscare.Forbidden()
	}
	var out *poscare.User
	err := s.inWrite(ctx, func(t *Tx) error {
		before, err := t.getUser(ctx, id)
		if err != nil {
			return err
		}
		if !a.CanSeeUser(before) {
			return poscare.NotFound(poscare.EntityUser)
		}
		if !a.CanSetStatus(before) {
			return poscare.Forbidden()
		}
		if err := c.Validate(before); err != nil {
			return err
		}
		if c.Status != poscare.UserActive {
			// The last cover of a portfolio may not go without a replacement.
			var name string
			err := t.queryRow(ctx, "SELECT name FROM users WHERE cover_id = ? AND status = 'on_leave' AND archived_at IS NULL LIMIT 1", id).Scan(&name)
			if err == nil {
				return poscare.Errorf(poscare.EConflict, "此人正在为休假的%s代岗，请先安排新的代岗人", "this person covers for %s, who is on leave: name a new cover first", name)
			}
		}
		if c.CoverID != nil {
			cover, err := t.getUser(ctx, *c.CoverID)
			if err != nil || !cover.Available() || !cover.Role.IsStaff() {
				p := poscare.Problems{}
				p.Add("cover_id", "代岗人应为在岗员工", "the cover must be staff at work")
				return p.Err()
			}
		}
		var until any
		if c.AwayUntil != nil {
			until = string(*c.AwayUntil)
		}
		if _, err := t.exec(ctx, "UPDATE users SET status = ?, cover_id = ?, away_until = ?, status_reason = ?, updated_at = ? WHERE id = ?",
			c.Status, nullInt(c.CoverID), until, c.Reason, micros(t.now), id); err != nil {
			return err
		}
		if c.Status.LocksOut() {
			if err := t.revokeTokens(ctx, id); err != nil {
				return err
			}
		}
		if out, err = t.getUser(ctx, id); err != nil {
			return err
		}
		return t.record(ctx, a, "status", poscare.EntityUser, id, before, out)
	})
	return out, err
}

// ServiceContact resolves who a merchant should contact right now, through
// the chain of poscare.ResolveServiceContact. Errors: EForbidden, ENotFound.
func (s *Store) ServiceContact(ctx context.Context, a poscare.Actor, merchantID int64) (*poscare.ServiceContact, error) {
	if !a.Can(poscare.EntityMerchant, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	var out poscare.ServiceContact
	err := s.inRead(ctx, func(t *Tx) error {
		m, err := t.visibleMerchant(ctx, a, merchantID)
		if err != nil {
			return err
		}
		var p poscare.People
		p.Manager, _ = t.getUser(ctx, m.AccountManagerID)
		if p.Manager != nil && p.Manager.CoverID != nil {
			p.Cover, _ = t.getUser(ctx, *p.Manager.CoverID)
		}
		if m.BackupManagerID != nil {
			p.Backup, _ = t.getUser(ctx, *m.BackupManagerID)
		}
		if tm, err := t.getTeam(ctx, m.TeamID); err == nil && tm.LeadID != nil {
			p.Lead, _ = t.getUser(ctx, *tm.LeadID)
		}
		out = poscare.ResolveServiceContact(p, s.ServiceCentre)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
