package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"poscare"
	"poscare/continuity"
)

// merchantHoldings are the merchants a person manages.
type merchantHoldings struct{}

var _ = RegisterHolding(0, merchantHoldings{})

func (merchantHoldings) Kind() string { return poscare.HoldingMerchant }

// Load counts each one's live merchants.
func (merchantHoldings) Load(ctx context.Context, t *Tx, team int64) (map[int64]int, error) {
	return t.countsBy(ctx, "SELECT account_manager_id, COUNT(*) FROM merchants WHERE team_id = ? AND archived_at IS NULL GROUP BY account_manager_id", team)
}

func (merchantHoldings) Line(n int, h *Handover) poscare.Msg {
	return continuity.MerchantsLine(n, h.Run)
}

func (merchantHoldings) Hand(ctx context.Context, t *Tx, h *Handover) (int, error) {
	return handMerchants(ctx, t, h)
}

// handMerchants gives the person's merchants, archived ones too (a
// merchant restored later must not come back to someone gone), to their
// backup or spreads them over the team's agents by load (the run's
// strategy), in chunks of 500. Each merchant's backup is put right in the
// same write and the same audit entry (its new manager may have been its
// backup, say), by continuity.PlanBackups: a 10,000-merchant handover is one
// row rewrite and one entry per merchant, not two. handBackupRoles then
// puts right the backups of the rest of the team.
func handMerchants(ctx context.Context, t *Tx, h *Handover) (int, error) {
	type held struct {
		id, team, backup int64
		archived         bool
	}
	ms, err := queryAllTx(ctx, t, "SELECT id, team_id, COALESCE(backup_manager_id, 0), archived_at IS NOT NULL FROM merchants WHERE account_manager_id = ? ORDER BY id", []any{h.Run.Person.ID},
		func(r scanner) (*held, error) { var x held; return &x, r.Scan(&x.id, &x.team, &x.backup, &x.archived) })
	if err != nil {
		return 0, err
	}
	ids := make([]int64, len(ms))
	archived := map[int64]bool{}
	for i, m := range ms {
		ids[i] = m.id
		archived[m.id] = m.archived
	}
	// Archived merchants change hands but are not told: nobody serves
	// them until they are restored, and Restore tells them then.
	plan, err := h.Run.PlanMerchants(ids, archived)
	if err != nil {
		return 0, err
	}
	// Their backups, team by team, with the new manager.
	needs := map[int64][]continuity.BackupNeed{}
	oldBackup := make(map[int64]int64, len(ms))
	for _, m := range ms {
		needs[m.team] = append(needs[m.team], continuity.BackupNeed{Merchant: m.id, Manager: plan.To[m.id], Backup: m.backup})
		oldBackup[m.id] = m.backup
		if m.backup == h.Run.Person.ID {
			h.backedByPerson = append(h.backedByPerson, m.id)
		}
	}
	backups := map[int64]int64{} // merchant → new backup (0: none), for those whose backup changes
	for _, team := range slices.Sorted(maps.Keys(needs)) {
		tp, err := h.teamPeople(ctx, t)(team)
		if err != nil {
			return 0, err
		}
		maps.Copy(backups, continuity.PlanBackups(needs[team], team, tp.people, tp.candidates, tp.backupLoad))
	}
	h.backupsGiven = backups
	type write struct {
		to, backup int64
		setBackup  bool
	}
	groups := map[write][]int64{}
	for _, m := range ids {
		w := write{to: plan.To[m]}
		w.backup, w.setBackup = backups[m]
		groups[w] = append(groups[w], m)
	}
	for w, ms := range groups {
		for start := 0; start < len(ms); start += 500 {
			in, inArgs := inList(ms[start:min(start+500, len(ms))])
			set, args := "account_manager_id = ?", []any{w.to}
			if w.setBackup {
				set, args = set+", backup_manager_id = ?", append(args, nullInt64(w.backup))
			}
			if _, err := t.exec(ctx, "UPDATE merchants SET "+set+", updated_at = ? WHERE id IN "+in, append(append(args, micros(t.now)), inArgs...)...); err != nil {
				return 0, err
			}
		}
		for _, m := range ms {
			detail := ""
			if archived[m] {
				detail = handedArchived
			}
			h.Handed(t, poscare.HoldingMerchant, m, detail, &w.to)
			var before, after json.RawMessage
			if w.setBackup {
				before = json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d,"backup_manager_id":%s}`, h.Run.Person.ID, jsonID(oldBackup[m])))
				after = json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d,"backup_manager_id":%s,"incident_id":%d}`, w.to, jsonID(w.backup), h.IncidentID))
			} else {
				before = json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d}`, h.Run.Person.ID))
				after = json.RawMessage(fmt.Sprintf(`{"account_manager_id":%d,"incident_id":%d}`, w.to, h.IncidentID))
			}
			if err := t.record(ctx, h.Actor, "handover", poscare.EntityMerchant, m, before, after); err != nil {
				return 0, err
			}
		}
	}
	return len(ids), nil
}
