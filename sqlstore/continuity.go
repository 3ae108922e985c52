package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"poscare"
)

// SetUserStatus changes a staff member's work status with a reason: on
// leave (with a cover and a return date), unreachable, disabled, or back
// to active. Missing and departed are declared through the playbook, and
// a person who is missing or departed comes back only through their
// incident's return (ReturnMerchants). Errors: EForbidden, ENotFound,
// EInvalid, EConflict.
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
		if before.Status.ComesBackByReturn() {
			return poscare.ErrReturnThroughIncident()
		}
		if err := c.Validate(before); err != nil {
			return err
		}
		// Leave and disabling are decisions, refused while a portfolio
		// depends on the person; unreachable is a fact and always taken.
		if c.Status == poscare.UserOnLeave || c.Status == poscare.UserDisabled {
			if err := t.lastCover(ctx, id); err != nil {
				return err
			}
		}
		if c.CoverID != nil {
			cover, err := t.getUser(ctx, *c.CoverID)
			if err != nil || !cover.Available() || !cover.Role.IsStaff() {
				p := poscare.Problems{}
				p.Say("cover_id", "callback.chain.cover_at_work")
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
		out = t.serviceContact(ctx, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// serviceContact resolves a merchant's service contact inside t.
func (t *Tx) serviceContact(ctx context.Context, m *poscare.Merchant) poscare.ServiceContact {
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
	return poscare.ResolveServiceContact(p, t.s.ServiceCentre)
}

// lastCover refuses to let a person stop working while a portfolio has
// nobody else before the team lead: they cover a colleague on leave, or
// they back up merchants whose account manager is away with no cover.
// Errors: EConflict naming the colleague.
func (t *Tx) lastCover(ctx context.Context, id int64) error {
	var name string
	err := t.queryRow(ctx, "SELECT name FROM users WHERE cover_id = ? AND status = 'on_leave' AND archived_at IS NULL LIMIT 1", id).Scan(&name)
	if err == nil {
		return poscare.Fail(poscare.EConflict, "callback.chain.covers_for", "name", name)
	}
	if err != sql.ErrNoRows {
		return t.s.translate(err)
	}
	err = t.queryRow(ctx, `SELECT u.name FROM users u JOIN merchants m ON m.account_manager_id = u.id
		WHERE u.status <> 'active' AND u.cover_id IS NULL AND m.backup_manager_id = ? AND m.archived_at IS NULL LIMIT 1`, id).Scan(&name)
	if err == nil {
		return poscare.Fail(poscare.EConflict, "callback.chain.last_backup", "name", name)
	}
	if err != sql.ErrNoRows {
		return t.s.translate(err)
	}
	return nil
}

// stillHolds refuses to archive a person who still manages merchants:
// they are handed over first (the playbook, or a reassignment), so that no
// merchant is left with somebody who is no longer there.
func (t *Tx) stillHolds(ctx context.Context, id int64) error {
	var n int
	if err := t.queryRow(ctx, "SELECT COUNT(*) FROM merchants WHERE account_manager_id = ? AND archived_at IS NULL", id).Scan(&n); err != nil {
		return t.s.translate(err)
	}
	if n > 0 {
		return poscare.Fail(poscare.EConflict, "removal.person.still_manages", "n", n)
	}
	return t.lastCover(ctx, id)
}

// Coverage is how a portfolio rests on people: how many live merchants
// have no backup who fits (poscare.FitsAsBackup), the first of them by
// name, and each account manager's load.
type Coverage struct {
	WithoutBackup int           `json:"merchants_without_backup"`
	Unbacked      []MerchantRef `json:"merchants_without_backup_first"`
	Load          []Load        `json:"load"`
}

// Load is what one person holds: merchants managed, of them how many have
// no backup who fits, and merchants backed up.
type Load struct {
	UserID        int64              `json:"user_id"`
	Name          string             `json:"name"`
	Role          poscare.Role       `json:"role"`
	Status        poscare.UserStatus `json:"status"`
	TeamID        *int64             `json:"team_id,omitempty"`
	Merchants     int                `json:"merchants"`
	WithoutBackup int                `json:"without_backup"`
	Backups       int                `json:"backups"`
}

// coverage counts, over the live merchants the actor may see, those
// without a backup who fits (poscare.FitsAsBackup) and the load of each
// person, most loaded first. It reads merchant_holdings, the live
// merchants counted per team, manager and backup (a few hundred rows,
// kept by triggers in every transaction that writes merchants), and
// applies the rule to each holding: so every view is as fresh as the
// database, on every instance, and costs the same after a write as
// before it.
func (t *Tx) coverage(ctx context.Context, a poscare.Actor) (*Coverage, error) {
	from, args := holdingsIn(a.MerchantScope())
	type holding struct{ team, manager, backup, n int64 }
	hs, err := queryAllTx(ctx, t, "SELECT team_id, account_manager_id, backup_manager_id, merchants FROM "+from, args,
		func(r scanner) (*holding, error) {
			var h holding
			return &h, r.Scan(&h.team, &h.manager, &h.backup, &h.n)
		})
	if err != nil {
		return nil, err
	}
	people := map[int64]*poscare.User{}
	person := func(id int64) *poscare.User {
		u, ok := people[id]
		if !ok {
			u, _ = t.getUser(ctx, id)
			people[id] = u
		}
		return u
	}
	out := &Coverage{Unbacked: []MerchantRef{}, Load: []Load{}}
	byID := map[int64]*Load{}
	get := func(id int64) *Load {
		if l, ok := byID[id]; ok {
			return l
		}
		l := &Load{UserID: id}
		if u := person(id); u != nil {
			l.Name, l.Role, l.Status, l.TeamID = u.Name, u.Role, u.Status, u.TeamID
		}
		byID[id] = l
		return l
	}
	var unfit []*holding
	for _, h := range hs {
		l := get(h.manager)
		l.Merchants += int(h.n)
		if h.backup != 0 {
			get(h.backup).Backups += int(h.n)
		}
		if h.backup == 0 || !poscare.FitsAsBackup(person(h.backup), h.manager, h.team) {
			l.WithoutBackup += int(h.n)
			out.WithoutBackup += int(h.n)
			unfit = append(unfit, h)
		}
	}
	for _, l := range byID {
		out.Load = append(out.Load, *l)
	}
	slices.SortFunc(out.Load, func(x, y Load) int {
		return cmp.Or(cmp.Compare(y.Merchants, x.Merchants), cmp.Compare(y.Backups, x.Backups), cmp.Compare(x.UserID, y.UserID))
	})
	// The first 50 of them by id: the first 50 of each such holding,
	// through the backup index (those without a fitting backup are few
	// beside those with one), merged.
	// (A scope is a set of holdings but for a single merchant's.)
	merchants := "merchants m"
	if t.s.dialect == SQLite {
		merchants += " INDEXED BY merchants_backup"
	}
	for _, h := range unfit {
		backup, bargs := "m.backup_manager_id IS NULL", []any{h.manager, h.team}
		if h.backup != 0 {
			backup, bargs = "m.backup_manager_id = ?", append(bargs, h.backup)
		}
		if id := a.MerchantScope().MerchantID; id != 0 {
			backup, bargs = backup+" AND m.id = ?", append(bargs, id)
		}
		refs, err := queryAllTx(ctx, t, "SELECT m.id, m.legal_name FROM "+merchants+` WHERE m.account_manager_id = ? AND m.team_id = ?
			AND `+backup+" AND m.archived_at IS NULL ORDER BY m.id LIMIT 50", bargs,
			func(r scanner) (*MerchantRef, error) { var x MerchantRef; return &x, r.Scan(&x.ID, &x.Name) })
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			out.Unbacked = append(out.Unbacked, *r)
		}
	}
	slices.SortFunc(out.Unbacked, func(x, y MerchantRef) int { return cmp.Compare(x.ID, y.ID) })
	out.Unbacked = out.Unbacked[:min(50, len(out.Unbacked))]
	return out, nil
}

// holdingsIn returns the holdings (team_id, account_manager_id,
// backup_manager_id with 0 for none, merchants) of the live merchants in
// scope sc, as a FROM clause: merchant_holdings filtered as scopeSQL
// filters merchants, or for a single merchant its own row grouped.
func holdingsIn(sc poscare.Scope) (string, []any) {
	const h = "merchant_holdings WHERE "
	switch {
	case sc.None:
		return h + "1=0", nil
	case sc.All:
		return h + "1=1", nil
	case sc.ManagerID != 0:
		cond, args := "(account_manager_id = ? OR backup_manager_id = ?", []any{sc.ManagerID, sc.ManagerID}
		if len(sc.Covers) > 0 {
			in, inArgs := inList(sc.Covers)
			cond, args = cond+" OR account_manager_id IN "+in, append(args, inArgs...)
		}
		return h + cond + ")", args
	case sc.TeamID != 0:
		return h + "team_id = ?", []any{sc.TeamID}
	case sc.MerchantID != 0:
		return `(SELECT team_id, account_manager_id, COALESCE(backup_manager_id, 0) AS backup_manager_id, 1 AS merchants
			FROM merchants WHERE id = ? AND archived_at IS NULL) one`, []any{sc.MerchantID}
	}
	return h + "1=0", nil
}
