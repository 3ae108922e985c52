package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"poscare"
	"poscare/servicedesk"
)

func (t *Tx) investigation(ctx context.Context, ticket int64) (*servicedesk.Investigation, error) {
	var x servicedesk.Investigation
	var approvedBy, approvedAt, updatedBy sql.NullInt64
	var updated int64
	err := t.queryRow(ctx, `SELECT ticket_id, findings, cause, result, compensation_fen, approved_by, approved_at, updated_by, updated_at
		FROM ticket_investigations WHERE ticket_id = ?`, ticket).
		Scan(&x.TicketID, &x.Findings, &x.Cause, &x.Result, &x.CompensationFen, &approvedBy, &approvedAt, &updatedBy, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	x.ApprovedBy, x.ApprovedAt, x.UpdatedBy, x.UpdatedAt = int64Ptr(approvedBy), timePtr(approvedAt), int64Ptr(updatedBy), fromMicros(updated)
	return &x, nil
}

// Investigation reads a ticket's investigation (empty while none is
// written); staff and the auditor only. Errors: EForbidden, ENotFound.
func (s *Store) Investigation(ctx context.Context, a poscare.Actor, ticket int64) (*servicedesk.Investigation, error) {
	if !a.Can(servicedesk.EntityTicket, servicedesk.ActNote) && a.Role != poscare.RoleAuditor {
		return nil, poscare.Forbidden()
	}
	var out *servicedesk.Investigation
	err := s.inRead(ctx, func(t *Tx) error {
		if _, _, err := t.visibleTicket(ctx, a, ticket); err != nil {
			return err
		}
		var err error
		if out, err = t.investigation(ctx, ticket); out == nil && err == nil {
			out = &servicedesk.Investigation{TicketID: ticket}
		}
		return err
	})
	return out, err
}

// SaveInvestigation writes what the desk found out about a ticket; the
// merchant never sees it. A changed compensation needs approving again.
// Errors: EForbidden, ENotFound, EInvalid.
func (s *Store) SaveInvestigation(ctx context.Context, a poscare.Actor, x *servicedesk.Investigation) error {
	if !a.Can(servicedesk.EntityTicket, poscare.ActUpdate) || !a.Can(servicedesk.EntityTicket, servicedesk.ActNote) {
		return poscare.Forbidden()
	}
	if err := x.Validate(); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		if _, _, err := t.visibleTicket(ctx, a, x.TicketID); err != nil {
			return err
		}
		before, err := t.investigation(ctx, x.TicketID)
		if err != nil {
			return err
		}
		x.ApprovedBy, x.ApprovedAt = nil, nil
		if before != nil && before.CompensationFen == x.CompensationFen {
			x.ApprovedBy, x.ApprovedAt = before.ApprovedBy, before.ApprovedAt
		}
		by := a.UserID
		x.UpdatedBy, x.UpdatedAt = &by, t.now
		if _, err := t.exec(ctx, "DELETE FROM ticket_investigations WHERE ticket_id = ?", x.TicketID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO ticket_investigations (ticket_id, findings, cause, result, compensation_fen, approved_by, approved_at, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, x.TicketID, x.Findings, x.Cause, x.Result, x.CompensationFen, nullInt(x.ApprovedBy), nullMicros(x.ApprovedAt),
			nullUser(a.UserID), micros(t.now)); err != nil {
			return err
		}
		if _, err := t.ticketEvent(ctx, a, x.TicketID, servicedesk.EventNote, "", "", false, "", poscare.M("sd.event.investigation"), ""); err != nil {
			return err
		}
		return t.record(ctx, a, "ticket_investigation", servicedesk.EntityTicket, x.TicketID, before, x)
	})
}

// ApproveCompensation approves a ticket's compensation: a lead (for the
// team's tickets) or ops, never whoever last wrote the investigation.
// Errors: EForbidden, ENotFound, EConflict (nothing to approve), EInvalid.
func (s *Store) ApproveCompensation(ctx context.Context, a poscare.Actor, ticket int64) error {
	if !a.Can(servicedesk.EntityTicket, servicedesk.ActApprove) {
		return poscare.Fail(poscare.EForbidden, "sd.approve.role")
	}
	return s.inWrite(ctx, func(t *Tx) error {
		if _, _, err := t.visibleTicket(ctx, a, ticket); err != nil {
			return err
		}
		x, err := t.investigation(ctx, ticket)
		if err != nil {
			return err
		}
		if x == nil || x.CompensationFen == 0 || x.ApprovedBy != nil {
			return poscare.Fail(poscare.EConflict, "sd.approve.none")
		}
		if x.UpdatedBy != nil && *x.UpdatedBy == a.UserID {
			return poscare.Fail(poscare.EForbidden, "sd.approve.self")
		}
		if _, err := t.exec(ctx, "UPDATE ticket_investigations SET approved_by = ?, approved_at = ? WHERE ticket_id = ?", a.UserID, micros(t.now), ticket); err != nil {
			return err
		}
		amount := yuanText(x.CompensationFen)
		if _, err := t.ticketEvent(ctx, a, ticket, servicedesk.EventNote, "", "", false, "", poscare.M("sd.event.approved", "amount", amount), ""); err != nil {
			return err
		}
		return t.record(ctx, a, "ticket_compensation_approve", servicedesk.EntityTicket, ticket, nil, map[string]any{"compensation_fen": x.CompensationFen})
	})
}

// yuanText is fen as yuan with two decimals.
func yuanText(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }
