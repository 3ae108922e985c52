package sqlstore

import (
	"context"
	"database/sql"

	"poscare"
)

const teamCols = "id, name, lead_id, created_at, updated_at, archived_at, archived_by, archive_reason"

func scanTeam(r scanner) (*poscare.Team, error) {
	var tm poscare.Team
	var lead sql.NullInt64
	var created, updated int64
	var arch archCols
	if err := r.Scan(&tm.ID, &tm.Name, &lead, &created, &updated, &arch.at, &arch.by, &arch.reason); err != nil {
		return nil, err
	}
	tm.LeadID, tm.CreatedAt, tm.UpdatedAt, tm.Archived = int64Ptr(lead), fromMicros(created), fromMicros(updated), arch.archival()
	return &tm, nil
}

func (t *Tx) getTeam(ctx context.Context, id int64) (*poscare.Team, error) {
	tm, err := scanTeam(t.queryRow(ctx, "SELECT "+teamCols+" FROM teams WHERE id = ?", id))
	if err == sql.ErrNoRows {
		return nil, poscare.NotFound(poscare.EntityTeam)
	}
	return tm, t.s.translate(err)
}

func (t *Tx) checkTeamLead(ctx context.Context, tm *poscare.Team) error {
	if tm.LeadID == nil {
		return nil
	}
	u, err := t.getUser(ctx, *tm.LeadID)
	if err != nil || u.Role != poscare.RoleLead {
		p := poscare.Problems{}
		p.Say("lead_id", "record.team.lead_role")
		return p.Err()
	}
	return nil
}

// CreateTeam adds a sales team. Errors: EForbidden, EInvalid, EConflict.
func (s *Store) CreateTeam(ctx context.Context, a poscare.Actor, tm *poscare.Team) error {
	if !a.Can(poscare.EntityTeam, poscare.ActCreate) {
		return poscare.Forbidden()
	}
	if err := tm.Validate(); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		if err := t.checkTeamLead(ctx, tm); err != nil {
			return err
		}
		id, err := t.insert(ctx, "INSERT INTO teams (name, lead_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
			tm.Name, nullInt(tm.LeadID), micros(t.now), micros(t.now))
		if err != nil {
			return err
		}
		tm.ID, tm.CreatedAt, tm.UpdatedAt = id, t.now, t.now
		return t.record(ctx, a, "create", poscare.EntityTeam, id, nil, tm)
	})
}

// UpdateTeam renames a team or changes its lead.
func (s *Store) UpdateTeam(ctx context.Context, a poscare.Actor, tm *poscare.Team) error {
	if !a.Can(poscare.EntityTeam, poscare.ActUpdate) {
		return poscare.Forbidden()
	}
	if err := tm.Validate(); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		before, err := t.getTeam(ctx, tm.ID)
		if err != nil {
			return err
		}
		if err := t.checkTeamLead(ctx, tm); err != nil {
			return err
		}
		if _, err := t.exec(ctx, "UPDATE teams SET name = ?, lead_id = ?, updated_at = ? WHERE id = ?",
			tm.Name, nullInt(tm.LeadID), micros(t.now), tm.ID); err != nil {
			return err
		}
		tm.CreatedAt, tm.UpdatedAt, tm.Archived = before.CreatedAt, t.now, before.Archived
		return t.record(ctx, a, "update", poscare.EntityTeam, tm.ID, before, tm)
	})
}

// GetTeam returns a team; every staff role may see the list of teams.
func (s *Store) GetTeam(ctx context.Context, a poscare.Actor, id int64) (*poscare.Team, error) {
	if !a.Can(poscare.EntityTeam, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	return readOne(ctx, s, func(t *Tx) (*poscare.Team, error) { return t.getTeam(ctx, id) })
}

// ListTeams lists teams, live or archived.
func (s *Store) ListTeams(ctx context.Context, a poscare.Actor, archived bool, p poscare.Page) ([]*poscare.Team, error) {
	if !a.Can(poscare.EntityTeam, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	p.Normalize()
	return queryAll(ctx, s, "SELECT "+teamCols+" FROM teams WHERE "+archivedCond(archived)+" ORDER BY id LIMIT ? OFFSET ?", []any{p.Rows(), p.Offset}, scanTeam)
}
