package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"poscare"
)

const applicationCols = "x.id, x.merchant_id, x.documents, x.completed_at, x.created_at, x.updated_at, x.archived_at, x.archived_by, x.archive_reason"

func scanApplication(r scanner) (*poscare.Application, error) {
	var x poscare.Application
	var docs string
	var completed sql.NullInt64
	var created, updated int64
	var arch archCols
	if err := r.Scan(&x.ID, &x.MerchantID, &docs, &completed, &created, &updated, &arch.at, &arch.by, &arch.reason); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(docs), &x.Documents); err != nil {
		return nil, err
	}
	x.CompletedAt, x.CreatedAt, x.UpdatedAt, x.Archived = timePtr(completed), fromMicros(created), fromMicros(updated), arch.archival()
	return &x, nil
}

func (t *Tx) loadSteps(ctx context.Context, xs ...*poscare.Application) error {
	for _, x := range xs {
		rows, err := t.query(ctx, "SELECT stage, responsible_id, due_at, completed_at, completed_by FROM application_stages WHERE application_id = ? ORDER BY position", x.ID)
		if err != nil {
			return err
		}
		x.Steps = nil
		for rows.Next() {
			var st poscare.StageStep
			var due int64
			var done, by sql.NullInt64
			if err := rows.Scan(&st.Stage, &st.ResponsibleID, &due, &done, &by); err != nil {
				rows.Close()
				return t.s.translate(err)
			}
			st.DueAt, st.CompletedAt, st.CompletedByID = fromMicros(due), timePtr(done), int64Ptr(by)
			x.Steps = append(x.Steps, st)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t.s.translate(err)
		}
	}
	return nil
}

func (t *Tx) visibleApplication(ctx context.Context, a poscare.Actor, id int64) (*poscare.Application, *poscare.Merchant, error) {
	x, err := scanApplication(t.queryRow(ctx, "SELECT "+applicationCols+" FROM applications x WHERE x.id = ?", id))
	if err == sql.ErrNoRows {
		return nil, nil, poscare.NotFound(poscare.EntityApplication)
	}
	if err != nil {
		return nil, nil, t.s.translate(err)
	}
	m, err := t.visibleMerchant(ctx, a, x.MerchantID)
	if err != nil {
		return nil, nil, poscare.NotFound(poscare.EntityApplication)
	}
	return x, m, t.loadSteps(ctx, x)
}

// checkResponsible makes sure every stage's responsible person is active staff.
func (t *Tx) checkResponsible(ctx context.Context, x *poscare.Application) error {
	p := poscare.Problems{}
	seen := map[int64]bool{}
	for _, st := range x.Steps {
		if seen[st.ResponsibleID] {
			continue
		}
		seen[st.ResponsibleID] = true
		if u, err := t.getUser(ctx, st.ResponsibleID); err != nil || !u.Role.IsStaff() || u.Status != poscare.UserActive || u.Archived != nil {
			p.Say("responsible_id", "record.application.responsible")
		}
	}
	return p.Err()
}

// writeApplication stores the application row's derived columns (current
// stage and its deadline, which the overdue queue reads) and its stages.
func (t *Tx) writeApplication(ctx context.Context, x *poscare.Application, insert bool) error {
	docs, _ := json.Marshal(x.Documents)
	var due any
	cur := x.CurrentStage()
	x.CompletedAt = nil
	for _, st := range x.Steps {
		if st.Stage == cur {
			due = micros(st.DueAt)
		}
	}
	if cur == "" && len(x.Steps) > 0 {
		x.CompletedAt = x.Steps[len(x.Steps)-1].CompletedAt
	}
	var err error
	if insert {
		x.ID, err = t.insert(ctx, `INSERT INTO applications (merchant_id, documents, current_stage, current_due_at, completed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, x.MerchantID, string(docs), string(cur), due, nullMicros(x.CompletedAt), micros(t.now), micros(t.now))
		x.CreatedAt = t.now
	} else {
		_, err = t.exec(ctx, "UPDATE applications SET documents = ?, current_stage = ?, current_due_at = ?, completed_at = ?, updated_at = ? WHERE id = ?",
			string(docs), string(cur), due, nullMicros(x.CompletedAt), micros(t.now), x.ID)
		if err == nil {
			_, err = t.exec(ctx, "DELETE FROM application_stages WHERE application_id = ?", x.ID)
		}
	}
	if err != nil {
		return err
	}
	x.UpdatedAt = t.now
	for i, st := range x.Steps {
		if _, err := t.exec(ctx, `INSERT INTO application_stages (application_id, position, stage, responsible_id, due_at, completed_at, completed_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, x.ID, i, st.Stage, st.ResponsibleID, micros(st.DueAt), nullMicros(st.CompletedAt), nullInt(st.CompletedByID)); err != nil {
			return err
		}
	}
	return nil
}

// CreateApplication opens onboarding for a merchant. With no stages given,
// the five stages get the account manager and default deadlines.
// Errors: EForbidden, ENotFound, EInvalid.
func (s *Store) CreateApplication(ctx context.Context, a poscare.Actor, x *poscare.Application) error {
	if !a.Can(poscare.EntityApplication, poscare.ActCreate) {
		return poscare.Forbidden()
	}
	return s.inWrite(ctx, func(t *Tx) error {
		m, err := t.visibleMerchant(ctx, a, x.MerchantID)
		if err != nil {
			p := poscare.Problems{}
			p.Say("merchant_id", "record.no_merchant")
			return p.Err()
		}
		if m.Archived != nil {
			return errArchivedMerchant()
		}
		// Completion moves only through AdvanceApplication, which records
		// who and when; a new application starts with nothing done.
		for i := range x.Steps {
			x.Steps[i].CompletedAt, x.Steps[i].CompletedByID = nil, nil
		}
		if len(x.Steps) == 0 {
			def := poscare.NewApplication(m.ID, m.AccountManagerID, m.Type, t.now)
			x.Steps = def.Steps
			if len(x.Documents) == 0 {
				x.Documents = def.Documents
			}
		}
		if err := x.Validate(m.Type); err != nil {
			return err
		}
		if err := t.checkResponsible(ctx, x); err != nil {
			return err
		}
		if err := t.writeApplication(ctx, x, true); err != nil {
			return err
		}
		return t.record(ctx, a, "create", poscare.EntityApplication, x.ID, nil, x)
	})
}

// UpdateApplication changes responsible people, deadlines and the
// document checklist. Completed stages stay completed: completion moves
// only through AdvanceApplication, which records who and when.
func (s *Store) UpdateApplication(ctx context.Context, a poscare.Actor, x *poscare.Application) error {
	if !a.Can(poscare.EntityApplication, poscare.ActUpdate) {
		return poscare.Forbidden()
	}
	return s.inWrite(ctx, func(t *Tx) error {
		before, m, err := t.visibleApplication(ctx, a, x.ID)
		if err != nil {
			return err
		}
		if before.Archived != nil {
			return poscare.Fail(poscare.EConflict, "record.application.restore")
		}
		x.MerchantID = before.MerchantID
		if len(x.Steps) == len(before.Steps) {
			for i := range x.Steps {
				x.Steps[i].CompletedAt, x.Steps[i].CompletedByID = before.Steps[i].CompletedAt, before.Steps[i].CompletedByID
			}
		}
		if err := x.Validate(m.Type); err != nil {
			return err
		}
		if err := t.checkResponsible(ctx, x); err != nil {
			return err
		}
		if err := t.writeApplication(ctx, x, false); err != nil {
			return err
		}
		x.CreatedAt = before.CreatedAt
		return t.record(ctx, a, "update", poscare.EntityApplication, x.ID, before, x)
	})
}

// AdvanceApplication completes the current stage, recording who and when.
// Errors: EForbidden, ENotFound, EConflict (already complete).
func (s *Store) AdvanceApplication(ctx context.Context, a poscare.Actor, id int64) (*poscare.Application, error) {
	if !a.Can(poscare.EntityApplication, poscare.ActUpdate) {
		return nil, poscare.Forbidden()
	}
	var out *poscare.Application
	err := s.inWrite(ctx, func(t *Tx) error {
		x, _, err := t.visibleApplication(ctx, a, id)
		if err != nil {
			return err
		}
		if x.Archived != nil {
			return poscare.Fail(poscare.EConflict, "record.application.archived")
		}
		before := *x
		before.Steps = append([]poscare.StageStep(nil), x.Steps...)
		cur := x.CurrentStage()
		if cur == "" {
			return poscare.Fail(poscare.EConflict, "record.application.complete")
		}
		for i := range x.Steps {
			if x.Steps[i].Stage == cur {
				now, by := t.now, a.UserID
				x.Steps[i].CompletedAt, x.Steps[i].CompletedByID = &now, &by
			}
		}
		if err := t.writeApplication(ctx, x, false); err != nil {
			return err
		}
		out = x
		return t.record(ctx, a, "advance", poscare.EntityApplication, id, &before, x)
	})
	return out, err
}

// GetApplication returns an application the actor may see.
func (s *Store) GetApplication(ctx context.Context, a poscare.Actor, id int64) (*poscare.Application, error) {
	if !a.Can(poscare.EntityApplication, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	var x *poscare.Application
	err := s.inRead(ctx, func(t *Tx) (err error) {
		x, _, err = t.visibleApplication(ctx, a, id)
		return err
	})
	return x, err
}

// ListApplications lists applications the actor may see. Overdue selects
// open applications whose current stage is past its deadline.
func (s *Store) ListApplications(ctx context.Context, a poscare.Actor, f poscare.ApplicationFilter) ([]*poscare.Application, error) {
	if !a.Can(poscare.EntityApplication, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	f.Normalize()
	w, _, ok, err := s.childList(ctx, a, "x", f.MerchantID, f.Archived)
	if err != nil || !ok {
		return []*poscare.Application{}, err
	}
	if f.Stage != "" {
		w.and("x.current_stage = ?", f.Stage)
	}
	if f.Overdue {
		w.and("x.completed_at IS NULL AND x.current_due_at < ?", micros(s.Now()))
	}
	if f.ResponsibleID != nil {
		w.and("x.id IN (SELECT application_id FROM application_stages WHERE responsible_id = ? AND completed_at IS NULL)", *f.ResponsibleID)
	}
	order := " ORDER BY x.id DESC"
	if f.Overdue {
		order = " ORDER BY x.current_due_at, x.id"
	}
	q := "SELECT " + applicationCols + " FROM applications x JOIN merchants m ON m.id = x.merchant_id" + w.String() + order + " LIMIT ? OFFSET ?"
	args := append(w.args, f.Limit+1, f.Offset)
	var out []*poscare.Application
	err = s.inRead(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		out = []*poscare.Application{}
		for rows.Next() {
			x, err := scanApplication(rows)
			if err != nil {
				rows.Close()
				return t.s.translate(err)
			}
			out = append(out, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t.s.translate(err)
		}
		return t.loadSteps(ctx, out...)
	})
	return out, err
}
