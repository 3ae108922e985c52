package sqlstore

import (
	"context"

	"poscare"
	"poscare/continuity"
)

// staffBackupHoldings are the colleagues a person backs up.
type staffBackupHoldings struct{}

var _ = RegisterHolding(30, staffBackupHoldings{})

func (staffBackupHoldings) Kind() string { return poscare.HoldingStaffBackup }

// Load: backing a colleague up is no work until it is needed.
func (staffBackupHoldings) Load(context.Context, *Tx, int64) (map[int64]int, error) { return nil, nil }

func (staffBackupHoldings) Line(n int, _ *Handover) poscare.Msg {
	return continuity.StaffBackupsLine(n)
}

func (staffBackupHoldings) Hand(ctx context.Context, t *Tx, h *Handover) (int, error) {
	return handStaffBackups(ctx, t, h)
}

// handStaffBackups: colleagues whose backup the person was get the
// person's own backup (or none, to be named by their lead).
func handStaffBackups(ctx context.Context, t *Tx, h *Handover) (int, error) {
	covered, err := queryAllTx(ctx, t, "SELECT "+userCols+" FROM users WHERE backup_id = ?", []any{h.Run.Person.ID}, scanUser)
	if err != nil {
		return 0, err
	}
	for _, u := range covered {
		to := continuity.StaffBackupFor(h.Run, u.ID)
		if _, err := t.exec(ctx, "UPDATE users SET backup_id = ?, updated_at = ? WHERE id = ?", nullInt(to), micros(t.now), u.ID); err != nil {
			return 0, err
		}
		h.Handed(t, poscare.HoldingStaffBackup, u.ID, "", to)
	}
	return len(covered), nil
}
