package sqlstore

import (
	"context"
	"maps"
	"slices"

	"poscare"
	"poscare/continuity"
)

// backupHoldings are the backup roles a person fills for merchants.
type backupHoldings struct{}

var _ = RegisterHolding(10, backupHoldings{})

func (backupHoldings) Kind() string { return poscare.HoldingBackup }

// Load: a backup role is no work until it is needed.
func (backupHoldings) Load(context.Context, *Tx, int64) (map[int64]int, error) { return nil, nil }

func (backupHoldings) Line(n int, _ *Handover) poscare.Msg { return continuity.BackupRolesLine(n) }

func (backupHoldings) Hand(ctx context.Context, t *Tx, h *Handover) (int, error) {
	return handBackupRoles(ctx, t, h)
}

// handBackupRoles: where the person was a merchant's backup manager
// (archived merchants too), and wherever a merchant of the person's team
// has no backup who fits now (its manager just became its backup, say),
// a colleague of the merchant's team at work steps in, by
// continuity.PlanBackups. Only the person's own backup roles are counted.
func handBackupRoles(ctx context.Context, t *Tx, h *Handover) (int, error) {
	type merchant struct{ id, team int64 }
	ms, err := queryAllTx(ctx, t, "SELECT id, team_id FROM merchants WHERE backup_manager_id = ?", []any{h.Run.Person.ID},
		func(r scanner) (*merchant, error) { var m merchant; return &m, r.Scan(&m.id, &m.team) })
	if err != nil {
		return 0, err
	}
	teams := []int64{}
	if h.Run.Person.TeamID != nil {
		teams = append(teams, *h.Run.Person.TeamID)
	}
	for _, m := range ms {
		if !slices.Contains(teams, m.team) {
			teams = append(teams, m.team)
		}
	}
	given := map[int64]int64{}
	for _, team := range teams {
		changed, left, err := t.fixBackups(ctx, h.Actor, h.IncidentID, team, h.teamPeople(ctx, t))
		if err != nil {
			return 0, err
		}
		h.Run.NoBackup += left
		maps.Copy(given, changed)
	}
	// A merchant the person managed and backed up both (old data) had its
	// backup put right with its handover.
	maps.Copy(given, h.backupsGiven)
	roles := make([]int64, 0, len(ms)+len(h.backedByPerson))
	for _, m := range ms {
		roles = append(roles, m.id)
	}
	roles = append(roles, h.backedByPerson...)
	for _, m := range roles {
		var to *int64
		if b := given[m]; b != 0 {
			to = &b
		}
		h.Handed(t, poscare.HoldingBackup, m, "", to)
	}
	return len(roles), nil
}
