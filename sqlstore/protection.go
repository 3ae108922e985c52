package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"poscare"
)

// Deletion protection (删除客户): one person may archive merchants or
// contacts, or remove contact details, at most BulkLimit times in
// BulkWindow. Beyond that the store refuses, and the person's lead and ops
// are alerted with the list, so that a salesperson cannot quietly erase
// the company's customers on the way out.
var (
	BulkLimit  = 20
	BulkWindow = time.Hour
)

// errBulkBlocked marks a refusal by the guard, so the caller can raise the
// alert after the refused transaction has rolled back.
var errBulkBlocked = &poscare.Error{Code: poscare.EForbidden,
	Message: poscare.Text{Zh: "短时间内删除/归档客户过多，操作已被拦截，主管和运营中心已收到通知", En: "too many removals in a short time: blocked, and your lead and operations have been alerted"}}

// guardRemovals refuses one more removal when the actor has reached the
// limit in the window. The system actor (imports, the playbook) is exempt.
func (t *Tx) guardRemovals(ctx context.Context, a poscare.Actor) error {
	if a.UserID == 0 {
		return nil
	}
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE actor_id = ? AND at >= ? AND
		((action = 'archive' AND entity IN ('merchant', 'contact')) OR action = 'remove_channel')`, a.UserID, micros(t.now.Add(-BulkWindow))).Scan(&n)
	if err != nil {
		return t.s.translate(err)
	}
	if n >= BulkLimit {
		return errBulkBlocked
	}
	return nil
}

// alertOnBlock raises the alert for a refused bulk removal: an audit entry
// and one message to the lead and to ops, at most once per window.
func (s *Store) alertOnBlock(ctx context.Context, a poscare.Actor, err error) error {
	if !errors.Is(err, errBulkBlocked) {
		return err
	}
	s.inWrite(ctx, func(t *Tx) error {
		person, gerr := t.getUser(ctx, a.UserID)
		if gerr != nil {
			return gerr
		}
		var recent []string
		rows, qerr := t.query(ctx, `SELECT entity, entity_id, action FROM audit_log WHERE actor_id = ? AND at >= ? AND
			((action = 'archive' AND entity IN ('merchant', 'contact')) OR action = 'remove_channel') ORDER BY seq DESC LIMIT 100`, a.UserID, micros(t.now.Add(-BulkWindow)))
		if qerr != nil {
			return qerr
		}
		for rows.Next() {
			var entity, action string
			var id int64
			rows.Scan(&entity, &id, &action)
			recent = append(recent, fmt.Sprintf("%s %s %d", action, entity, id))
		}
		rows.Close()
		if err := t.record(ctx, a, "bulk_blocked", poscare.EntityUser, a.UserID, nil, map[string]any{"recent": recent}); err != nil {
			return err
		}
		subject := poscare.Text{Zh: "【预警】批量删除客户已被拦截：" + person.Name, En: "[Alert] bulk removal of customers blocked: " + person.Name}
		body := poscare.Text{
			Zh: fmt.Sprintf("%s（%s）在%s内删除或归档客户%d次以上，后续操作已被拦截。最近的操作：\n%s\n主管可在控制台一键恢复。",
				person.Name, person.Login, BulkWindow, BulkLimit, strings.Join(recent, "\n")),
			En: fmt.Sprintf("%s (%s) removed or archived customers %d times within %s; further removals are refused. Latest:\n%s\nA lead can restore them all in one action from the console.",
				person.Name, person.Login, BulkLimit, BulkWindow, strings.Join(recent, "\n")),
		}
		// One alert per person and window: a repeated refusal adds none.
		if err := t.alertStaff(ctx, person, fmt.Sprintf("bulk:%d:%d", a.UserID, t.now.Truncate(BulkWindow).Unix()), subject, body); err != nil {
			return err
		}
		return nil
	})
	return err
}

// RestoreRemovals undoes, in one action, every merchant and contact
// archive and every contact-detail removal a person made since a time: a
// lead's answer to a salesperson who deleted customers. It returns how
// many it restored. Errors: EForbidden, ENotFound.
func (s *Store) RestoreRemovals(ctx context.Context, a poscare.Actor, userID int64, since time.Time) (int, error) {
	if !a.Can(poscare.EntityUser, poscare.ActStatus) {
		return 0, poscare.Forbidden()
	}
	n := 0
	err := s.inWrite(ctx, func(t *Tx) error {
		person, err := t.getUser(ctx, userID)
		if err != nil {
			return err
		}
		if !a.CanSeeUser(person) || !a.CanSetStatus(person) {
			return poscare.NotFound(poscare.EntityUser)
		}
		for _, k := range []struct{ table, entity string }{{"merchants", poscare.EntityMerchant}, {"contacts", poscare.EntityContact}} {
			rows, err := t.query(ctx, "SELECT id FROM "+k.table+" WHERE archived_by = ? AND archived_at >= ?", userID, micros(since))
			if err != nil {
				return err
			}
			var ids []int64
			for rows.Next() {
				var id int64
				rows.Scan(&id)
				ids = append(ids, id)
			}
			rows.Close()
			for _, id := range ids {
				if _, err := t.exec(ctx, "UPDATE "+k.table+" SET archived_at = NULL, archived_by = NULL, archive_reason = NULL, updated_at = ? WHERE id = ?", micros(t.now), id); err != nil {
					return err
				}
				if err := t.record(ctx, a, "restore", k.entity, id, nil, map[string]any{"reason": "undo removals by " + person.Login}); err != nil {
					return err
				}
				n++
			}
		}
		res, err := t.exec(ctx, "UPDATE contact_channels SET removed_at = NULL, removed_by = NULL WHERE removed_by = ? AND removed_at >= ?", userID, micros(since))
		if err != nil {
			return err
		}
		ch, _ := res.RowsAffected()
		n += int(ch)
		return t.record(ctx, a, "restore_removals", poscare.EntityUser, userID, nil, map[string]any{"since": since, "restored": n})
	})
	return n, err
}
