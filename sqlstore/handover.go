package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"

	"poscare"
	"poscare/continuity"
)

// A Holding is one kind of thing staff hold that the emergency playbook
// hands over when they go missing or leave: merchants they manage, the
// backup roles they fill, onboarding stages and tasks they own, and any
// kind a later capability adds (tickets, repair jobs, visits). Each kind
// registers itself (RegisterHolding, a file per kind); the playbook asks
// every registered kind in turn and knows none of them by name, and
// poscare.HandoverSum counts a kind without a field of its own under its
// name. Who takes what is decided by the continuity package's rules.
type Holding interface {
	// Kind names the kind, in handovers.kind and HandoverSum.
	Kind() string
	// Load is how many items of the kind each member of team holds now,
	// counted toward the load by which merchants and items are spread;
	// nil when the kind does not count.
	Load(ctx context.Context, t *Tx, team int64) (map[int64]int, error)
	// Hand moves everything h's person holds of the kind inside t,
	// calling h.Handed once per item moved, and returns how many it moved.
	Hand(ctx context.Context, t *Tx, h *Handover) (int, error)
	// Line is the timeline's line for n handed over (n > 0).
	Line(n int, h *Handover) poscare.Msg
}

// registeredHolding is a kind with the rank it runs at.
type registeredHolding struct {
	rank int
	Holding
}

// holdings are the registered kinds, by rank.
var holdings []registeredHolding

// RegisterHolding adds a kind of holding to the playbook, run at rank
// (lower first). Merchants run first (rank 0), because the other kinds
// follow a merchant to its new account manager (Handover.TakerFor); a
// later kind takes a rank after theirs. It panics on a kind registered
// twice, and returns true so that a file can register as a variable
// declaration.
func RegisterHolding(rank int, h Holding) bool {
	for _, r := range holdings {
		if r.Kind() == h.Kind() {
			panic("sqlstore: holding registered twice: " + h.Kind())
		}
	}
	holdings = append(holdings, registeredHolding{rank, h})
	sort.SliceStable(holdings, func(i, j int) bool { return holdings[i].rank < holdings[j].rank })
	return true
}

// Handover is one playbook run as the holdings see it: the rules' state
// (Run: who can take over, their load, the merchants' plan) and what
// storage keeps while it writes.
type Handover struct {
	Run        *continuity.Run
	IncidentID int64
	Actor      poscare.Actor
	rows       [][]any         // handovers rows, written at the end
	managers   map[int64]int64 // account managers read by readManagers (0: no such merchant)
	teams      map[int64]*teamPeople
	// backupsGiven is the new backup (0: none) of each of the person's
	// merchants whose backup changed with its handover; backedByPerson,
	// those of them the person backed up as well.
	backupsGiven   map[int64]int64
	backedByPerson []int64
}

// Handed notes one item handed over (to may be nil: nobody needed), for
// the handovers table.
func (h *Handover) Handed(t *Tx, kind string, record int64, detail string, to *int64) {
	h.rows = append(h.rows, []any{h.IncidentID, kind, record, detail, h.Run.Person.ID, nullInt(to), micros(t.now)})
}

// Left notes one item nobody at work could take: it stays with the person
// and waits for the lead, and the person's access ends all the same.
func (h *Handover) Left() { h.Run.Left++ }

// TakerFor is who takes an item tied to merchant (0: none), by the rule
// of continuity.Run.TakerFor; 0 if nobody. It reads the merchant's account
// manager when readManagers has not.
func (h *Handover) TakerFor(ctx context.Context, t *Tx, merchant int64) (int64, error) {
	var am int64
	if _, planned := h.Run.Plan[merchant]; !planned && merchant != 0 {
		var read bool
		am, read = h.managers[merchant]
		if !read {
			err := t.queryRow(ctx, "SELECT account_manager_id FROM merchants WHERE id = ?", merchant).Scan(&am)
			if err != nil && err != sql.ErrNoRows {
				return 0, t.s.translate(err)
			}
		}
	}
	return h.Run.TakerFor(merchant, am), nil
}

// countsBy runs a query of (user id, count) rows: a load.
func (t *Tx) countsBy(ctx context.Context, q string, args ...any) (map[int64]int, error) {
	type load struct {
		id int64
		n  int
	}
	loads, err := queryAllTx(ctx, t, q, args, func(r scanner) (*load, error) { var l load; return &l, r.Scan(&l.id, &l.n) })
	if err != nil {
		return nil, err
	}
	out := make(map[int64]int, len(loads))
	for _, l := range loads {
		out[l.id] += l.n
	}
	return out, nil
}

// jsonID is id as JSON, null for 0.
func jsonID(id int64) string {
	if id == 0 {
		return "null"
	}
	return strconv.FormatInt(id, 10)
}

// handedArchived marks, in handovers.detail, a merchant handed over while
// archived and not yet told; Restore tells it and marks it handedTold.
const (
	handedArchived = "archived"
	handedTold     = "archived_told"
)

// inChunks calls fn with an IN list and its arguments for each chunk of
// ids, at most chunkIDs to a statement.
func inChunks(ids []int64, fn func(in string, args []any) error) error {
	for start := 0; start < len(ids); start += chunkIDs {
		in, args := inList(ids[start:min(start+chunkIDs, len(ids))])
		if err := fn(in, args); err != nil {
			return err
		}
	}
	return nil
}

// chunkIDs is how many ids one IN list holds.
const chunkIDs = 5000

// readManagers reads, in a few statements, the account managers of the
// merchants TakerFor will be asked about that the run's plan does not
// cover, so that it need not read them one by one.
func (h *Handover) readManagers(ctx context.Context, t *Tx, merchants []int64) error {
	if h.managers == nil {
		h.managers = map[int64]int64{}
	}
	var ask []int64
	for _, m := range merchants {
		if _, ok := h.Run.Plan[m]; ok || m == 0 {
			continue
		}
		if _, ok := h.managers[m]; !ok {
			h.managers[m] = 0 // asked: 0 until read, and if there is none
			ask = append(ask, m)
		}
	}
	return inChunks(ask, func(in string, args []any) error {
		rows, err := t.query(ctx, "SELECT id, account_manager_id FROM merchants WHERE id IN "+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, am int64
			if err := rows.Scan(&id, &am); err != nil {
				return t.s.translate(err)
			}
			h.managers[id] = am
		}
		return t.s.translate(rows.Err())
	})
}

// teamPeople is who of one team can hold merchants, for the backup rules.
type teamPeople struct {
	people     map[int64]*poscare.User // the team's agents and leads who are not gone
	candidates []*poscare.User         // of them, those at work
	backupLoad map[int64]int           // live merchants each backs up now
}

// teamPeople returns a loader of teamPeople that keeps what it loaded for
// the rest of the run.
func (h *Handover) teamPeople(ctx context.Context, t *Tx) func(int64) (*teamPeople, error) {
	return func(team int64) (*teamPeople, error) {
		if h.teams == nil {
			h.teams = map[int64]*teamPeople{}
		}
		if tp, ok := h.teams[team]; ok {
			return tp, nil
		}
		tp, err := t.loadTeamPeople(ctx, team)
		h.teams[team] = tp
		return tp, err
	}
}

// loadTeamPeople reads who of a team can hold merchants and how many
// merchants each backs up.
func (t *Tx) loadTeamPeople(ctx context.Context, team int64) (*teamPeople, error) {
	users, err := queryAllTx(ctx, t, "SELECT "+userCols+` FROM users WHERE team_id = ? AND role IN ('agent', 'lead')
		AND status NOT IN ('disabled', 'missing', 'departed') AND archived_at IS NULL ORDER BY id`, []any{team}, scanUser)
	if err != nil {
		return nil, err
	}
	tp := &teamPeople{people: map[int64]*poscare.User{}, backupLoad: map[int64]int{}}
	for _, u := range users {
		tp.people[u.ID] = u
		if poscare.HoldsPortfolio(u, team) {
			tp.candidates = append(tp.candidates, u)
		}
	}
	type load struct {
		id int64
		n  int
	}
	loads, err := queryAllTx(ctx, t, "SELECT backup_manager_id, COUNT(*) FROM merchants WHERE team_id = ? AND archived_at IS NULL AND backup_manager_id IS NOT NULL GROUP BY backup_manager_id",
		[]any{team}, func(r scanner) (*load, error) { var l load; return &l, r.Scan(&l.id, &l.n) })
	if err != nil {
		return nil, err
	}
	for _, l := range loads {
		tp.backupLoad[l.id] = l.n
	}
	return tp, nil
}

// unfitBackup is the SQL form of "not poscare.FitsAsBackup" for a
// merchant m and its backup b (LEFT JOINed): the playbook repairs with it,
// so it must say what the rule says (the dashboard applies the rule
// itself, per group of merchants).
const unfitBackup = `(b.id IS NULL OR b.id = m.account_manager_id OR b.team_id IS NULL OR b.team_id <> m.team_id
	OR b.role NOT IN ('agent', 'lead') OR b.status IN ('disabled', 'missing', 'departed') OR b.archived_at IS NOT NULL)`

// fixBackups gives every merchant of a team (archived ones too) whose
// backup does not fit a colleague who does, by continuity.PlanBackups, with
// an audit entry each. It returns the new backup of each merchant changed
// (0: none) and how many live merchants are left without a backup because
// nobody else in the team is at work.
func (t *Tx) fixBackups(ctx context.Context, a poscare.Actor, incidentID, team int64, load func(int64) (*teamPeople, error)) (map[int64]int64, int, error) {
	type need struct {
		continuity.BackupNeed
		archived bool
	}
	ns, err := queryAllTx(ctx, t, `SELECT m.id, m.account_manager_id, COALESCE(m.backup_manager_id, 0), m.archived_at IS NOT NULL
		FROM merchants m LEFT JOIN users b ON b.id = m.backup_manager_id WHERE m.team_id = ? AND `+unfitBackup+" ORDER BY m.id", []any{team},
		func(r scanner) (*need, error) {
			var n need
			return &n, r.Scan(&n.Merchant, &n.Manager, &n.Backup, &n.archived)
		})
	if err != nil || len(ns) == 0 {
		return nil, 0, err
	}
	tp, err := load(team)
	if err != nil {
		return nil, 0, err
	}
	needs := make([]continuity.BackupNeed, len(ns))
	for i, n := range ns {
		needs[i] = n.BackupNeed
	}
	plan := continuity.PlanBackups(needs, team, tp.people, tp.candidates, tp.backupLoad)
	left := 0
	byTo := map[int64][]int64{}
	for _, n := range ns {
		to, ok := plan[n.Merchant]
		if !ok || to == 0 {
			if !n.archived && !poscare.FitsAsBackup(tp.people[n.Backup], n.Manager, team) {
				left++
			}
			if !ok {
				continue
			}
		}
		byTo[to] = append(byTo[to], n.Merchant)
	}
	for to, ms := range byTo {
		var b any
		if to != 0 {
			b = to
		}
		for start := 0; start < len(ms); start += 500 {
			in, args := inList(ms[start:min(start+500, len(ms))])
			if _, err := t.exec(ctx, "UPDATE merchants SET backup_manager_id = ?, updated_at = ? WHERE id IN "+in, append([]any{b, micros(t.now)}, args...)...); err != nil {
				return nil, 0, err
			}
		}
	}
	for _, n := range ns {
		to, ok := plan[n.Merchant]
		if !ok {
			continue
		}
		after := map[string]any{"backup_manager_id": nullInt64(to)}
		if incidentID != 0 {
			after["incident_id"] = incidentID
		}
		if err := t.record(ctx, a, "handover_backup", poscare.EntityMerchant, n.Merchant, map[string]any{"backup_manager_id": nullInt64(n.Backup)}, after); err != nil {
			return nil, 0, err
		}
	}
	return plan, left, nil
}

// nullInt64 is id, or nil for 0, for an audit entry.
func nullInt64(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// restoredMerchant puts a merchant that comes back into use in the hands
// of people at work. An account manager who is not at work in its team
// (gone, on leave, moved) hands it over by the playbook's rules: to its
// backup if at work, else the least loaded agent, the lead last; nobody at
// work refuses the restore. A backup who no longer fits is replaced. The
// merchant is told its contact when it changed, or when the playbook
// handed it over while it was archived and so never told it.
// Errors: EConflict.
func (t *Tx) restoredMerchant(ctx context.Context, a poscare.Actor, id int64) error {
	m, err := t.getMerchant(ctx, id)
	if err != nil {
		return err
	}
	tp, err := t.loadTeamPeople(ctx, m.TeamID)
	if err != nil {
		return err
	}
	var incident any
	tell := false
	var handed int64
	err = t.queryRow(ctx, "SELECT incident_id FROM handovers WHERE kind = 'merchant' AND record_id = ? AND detail = ? ORDER BY id DESC LIMIT 1", id, handedArchived).Scan(&handed)
	switch {
	case err == nil:
		incident, tell = handed, true
		if _, err := t.exec(ctx, "UPDATE handovers SET detail = ? WHERE kind = 'merchant' AND record_id = ? AND detail = ?", handedTold, id, handedArchived); err != nil {
			return err
		}
	case err != sql.ErrNoRows:
		return t.s.translate(err)
	}
	if mgr := tp.people[m.AccountManagerID]; !poscare.HoldsPortfolio(mgr, m.TeamID) {
		var backup *poscare.User
		if m.BackupManagerID != nil {
			backup = tp.people[*m.BackupManagerID]
		}
		byID, err := merchantHoldings{}.Load(ctx, t, m.TeamID)
		if err != nil {
			return err
		}
		plan, err := continuity.PlanHandover([]int64{id}, poscare.StrategyBackup, backup, tp.candidates, byID)
		if err != nil {
			return poscare.Fail(poscare.EConflict, "playbook.error.restore_nobody")
		}
		to := plan.To[id]
		if _, err := t.exec(ctx, "UPDATE merchants SET account_manager_id = ?, updated_at = ? WHERE id = ?", to, micros(t.now), id); err != nil {
			return err
		}
		if err := t.record(ctx, a, "handover", poscare.EntityMerchant, id, map[string]any{"account_manager_id": m.AccountManagerID},
			map[string]any{"account_manager_id": to, "restored": true}); err != nil {
			return err
		}
		m.AccountManagerID, tell = to, true
	}
	backup := int64(0)
	if m.BackupManagerID != nil {
		backup = *m.BackupManagerID
	}
	need := continuity.BackupNeed{Merchant: id, Manager: m.AccountManagerID, Backup: backup}
	// A merchant that never had a backup is not given one by a restore
	// alone; one whose backup or manager is gone is put right.
	if to, ok := continuity.PlanBackups([]continuity.BackupNeed{need}, m.TeamID, tp.people, tp.candidates, tp.backupLoad)[id]; ok && (backup != 0 || tell) {
		if _, err := t.exec(ctx, "UPDATE merchants SET backup_manager_id = ?, updated_at = ? WHERE id = ?", nullInt64(to), micros(t.now), id); err != nil {
			return err
		}
		if err := t.record(ctx, a, "handover_backup", poscare.EntityMerchant, id, map[string]any{"backup_manager_id": nullInt64(backup)},
			map[string]any{"backup_manager_id": nullInt64(to), "restored": true}); err != nil {
			return err
		}
	}
	if !tell {
		return nil
	}
	plan := map[int64]int64{id: m.AccountManagerID}
	key := func(kind string) func(int64) string {
		return func(mid int64) string { return fmt.Sprintf("restore:%d:%s:%d", micros(t.now), kind, mid) }
	}
	_, silent, err := t.queueNotices(ctx, incident, key("merchant"), plan, tp.people)
	if err != nil || len(silent) == 0 {
		return err
	}
	return t.tellEachInPerson(ctx, key("tell"), silent, plan)
}
