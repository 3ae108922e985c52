package sqlstore

import (
	"context"

	"poscare"
	"poscare/continuity"
)

// SetBackup names a staff member's backup (nil for none): what a lead does
// for the own team and ops for anyone, without the admin's user form. The
// rules are continuity.CanSetBackup and CheckBackup; the change is
// audited as "set_backup" with the user before and after. Errors:
// EForbidden, ENotFound, EInvalid (backup_id).
func (s *Store) SetBackup(ctx context.Context, a poscare.Actor, id int64, backupID *int64) (*poscare.User, error) {
	if !a.Can(continuity.EntityBackup, poscare.ActUpdate) {
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
		if !continuity.CanSetBackup(a, before) {
			return poscare.Forbidden()
		}
		var backup *poscare.User
		if backupID != nil {
			if backup, err = t.getUser(ctx, *backupID); err != nil {
				p := poscare.Problems{}
				p.Say("backup_id", "user.must_be_active")
				return p.Err()
			}
		}
		if err := continuity.CheckBackup(a, before, backup); err != nil {
			return err
		}
		if sameInt(before.BackupID, backupID) {
			out = before
			return nil
		}
		if _, err := t.exec(ctx, "UPDATE users SET backup_id = ?, updated_at = ? WHERE id = ?", nullInt(backupID), micros(t.now), id); err != nil {
			return err
		}
		if out, err = t.getUser(ctx, id); err != nil {
			return err
		}
		return t.record(ctx, a, "set_backup", poscare.EntityUser, id, before, out)
	})
	return out, err
}

func sameInt(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
