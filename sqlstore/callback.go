package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"poscare"
	"poscare/continuity"
)

// CallbackRequest is a merchant's request to be called back and who it
// went to.
type CallbackRequest struct {
	Task    *Task                  `json:"task"`
	Contact poscare.ServiceContact `json:"service_contact"`
	// Existing is true when an open request was already there: asking
	// twice does not queue a second call.
	Existing bool `json:"existing"`
}

// RequestCallback records that a merchant wants to be called back — asked
// in the portal by the merchant, or logged by staff who took the call. It
// becomes a task for whoever is the merchant's service contact right now,
// due within Policy.CallbackWithin, and the assignee is told by message
// (the rules of continuity.CallbackTask and continuity.CallbackAlerts:
// when the chain falls to the service centre, the task stays on the
// account manager's list and the centre, the lead and ops are alerted).
// A request while one is open returns the open one.
// Errors: EForbidden, ENotFound, EInvalid.
func (s *Store) RequestCallback(ctx context.Context, a poscare.Actor, merchantID int64, note string) (*CallbackRequest, error) {
	if !a.Can(poscare.EntityCallback, poscare.ActCreate) {
		return nil, poscare.Forbidden()
	}
	note = strings.TrimSpace(note)
	if err := poscare.ValidateNote("note", note, poscare.MaxCallbackNote); err != nil {
		return nil, err
	}
	out := &CallbackRequest{}
	err := s.inWrite(ctx, func(t *Tx) error {
		*out = CallbackRequest{} // afresh on every run: inWrite may retry
		m, err := t.visibleMerchant(ctx, a, merchantID)
		if err != nil {
			return err
		}
		// On PostgreSQL two requests at once would each find no open
		// callback and open one each: the merchant's row, locked to the
		// commit, makes the second find the first's.
		if t.s.dialect == Postgres {
			if _, err := t.exec(ctx, "SELECT id FROM merchants WHERE id = ? FOR UPDATE", m.ID); err != nil {
				return err
			}
		}
		out.Contact = t.serviceContact(ctx, m)
		if out.Task, err = t.openCallback(ctx, m.ID); err != nil || out.Task != nil {
			out.Existing = out.Task != nil
			return err
		}
		task := continuity.CallbackTask(m, out.Contact, note, t.now, t.s.Policy)
		id, err := t.insert(ctx, `INSERT INTO tasks (dedupe_key, kind, user_id, merchant_id, title_msg, notes, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			task.Key, task.Kind, task.UserID, task.MerchantID, task.Title.Encode(), task.Notes, micros(task.Due), micros(t.now))
		if err != nil {
			return err
		}
		if out.Task, err = scanTask(t.queryRow(ctx, "SELECT "+taskCols+" FROM tasks WHERE id = ?", id)); err != nil {
			return t.s.translate(err)
		}
		// The assignee told; with nobody in the chain at work, the service
		// centre, the lead and ops too, so that somebody calls as promised.
		for _, al := range continuity.CallbackAlerts(id, m, out.Contact, task, t.s.Policy) {
			if err := t.raise(ctx, al); err != nil {
				return err
			}
		}
		return t.record(ctx, a, "callback_request", poscare.EntityMerchant, m.ID, nil, out.Task)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// OpenCallback is the merchant's open callback request, if any, for the
// portal to say it is on its way. Errors: EForbidden, ENotFound.
func (s *Store) OpenCallback(ctx context.Context, a poscare.Actor, merchantID int64) (*Task, error) {
	if !a.Can(poscare.EntityMerchant, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	return readOne(ctx, s, func(t *Tx) (*Task, error) {
		if _, err := t.visibleMerchant(ctx, a, merchantID); err != nil {
			return nil, err
		}
		return t.openCallback(ctx, merchantID)
	})
}

// openCallback is a merchant's open callback request, or nil.
func (t *Tx) openCallback(ctx context.Context, merchantID int64) (*Task, error) {
	x, err := scanTask(t.queryRow(ctx, "SELECT "+taskCols+" FROM tasks WHERE merchant_id = ? AND kind = ? AND done_at IS NULL ORDER BY id LIMIT 1", merchantID, TaskCallback))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return x, t.s.translate(err)
}
