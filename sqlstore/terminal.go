package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"poscare"
)

const terminalCols = "t.id, t.serial, t.model, t.vendor, t.tid, t.merchant_id, t.mid, t.status, t.install_address, t.warranty_end, t.created_at, t.updated_at, t.archived_at, t.archived_by, t.archive_reason"

func scanTerminal(r scanner) (*poscare.Terminal, error) {
	var x poscare.Terminal
	var tid, mid, warranty sql.NullString
	var merchant sql.NullInt64
	var created, updated int64
	var arch archCols
	if err := r.Scan(&x.ID, &x.Serial, &x.Model, &x.Vendor, &tid, &merchant, &mid, &x.Status, &x.InstallAddress, &warranty,
		&created, &updated, &arch.at, &arch.by, &arch.reason); err != nil {
		return nil, err
	}
	x.TID, x.MID, x.MerchantID = tid.String, mid.String, int64Ptr(merchant)
	if warranty.Valid {
		d := poscare.Date(warranty.String)
		x.WarrantyEnd = &d
	}
	x.CreatedAt, x.UpdatedAt, x.Archived = fromMicros(created), fromMicros(updated), arch.archival()
	return &x, nil
}

func (t *Tx) getTerminal(ctx context.Context, id int64) (*poscare.Terminal, error) {
	x, err := scanTerminal(t.queryRow(ctx, "SELECT "+terminalCols+" FROM terminals t WHERE t.id = ?", id))
	if err == sql.ErrNoRows {
		return nil, poscare.NotFound(poscare.EntityTerminal)
	}
	return x, t.s.translate(err)
}

// visibleTerminal loads a terminal the actor may see: central roles see all
// terminals, the others only those bound to merchants they may see.
func (t *Tx) visibleTerminal(ctx context.Context, a poscare.Actor, id int64) (*poscare.Terminal, error) {
	x, err := t.getTerminal(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.MerchantScope().All {
		return x, nil
	}
	if x.MerchantID == nil {
		return nil, poscare.NotFound(poscare.EntityTerminal)
	}
	if _, err := t.visibleMerchant(ctx, a, *x.MerchantID); err != nil {
		return nil, poscare.NotFound(poscare.EntityTerminal)
	}
	return x, nil
}

// checkBinding enforces the one-to-one binding of the PBoC notice Yinfa
// [2021] No. 259: a deployed terminal carries its merchant's own MID.
func (t *Tx) checkBinding(ctx context.Context, a poscare.Actor, x *poscare.Terminal) error {
	if x.MerchantID == nil {
		return nil
	}
	m, err := t.visibleMerchant(ctx, a, *x.MerchantID)
	if err != nil {
		p := poscare.Problems{}
		p.Say("merchant_id", "record.no_merchant")
		return p.Err()
	}
	if m.Archived != nil {
		return errArchivedMerchant()
	}
	if x.Deployed() && (m.Status == poscare.MerchantTerminated || m.Status == poscare.MerchantProspect) {
		p := poscare.Problems{}
		p.Say("merchant_id", "record.terminal.merchant_not_live")
		return p.Err()
	}
	if x.MID != "" && x.MID != m.MID {
		p := poscare.Problems{}
		p.Say("mid", "record.terminal.mid_differs")
		return p.Err()
	}
	return nil
}

// CreateTerminal registers a terminal. Errors: EForbidden, EInvalid, EConflict.
func (s *Store) CreateTerminal(ctx context.Context, a poscare.Actor, x *poscare.Terminal) error {
	return s.CreateTerminals(ctx, a, []*poscare.Terminal{x})
}

// CreateTerminals registers many terminals in one transaction.
func (s *Store) CreateTerminals(ctx context.Context, a poscare.Actor, xs []*poscare.Terminal) error {
	if !a.Can(poscare.EntityTerminal, poscare.ActCreate) {
		return poscare.Forbidden()
	}
	p := poscare.Problems{}
	for i, x := range xs {
		if err := x.Validate(); err != nil {
			e, ok := err.(*poscare.Error)
			if !ok || len(xs) == 1 {
				return err
			}
			for k, v := range e.Fields {
				p[fmt.Sprintf("%d.%s", i, k)] = v
			}
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		for _, x := range xs {
			if err := t.checkBinding(ctx, a, x); err != nil {
				return err
			}
			id, err := t.insert(ctx, `INSERT INTO terminals (serial, model, vendor, tid, merchant_id, mid, status, install_address,
				warranty_end, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				x.Serial, x.Model, x.Vendor, nullStr(x.TID), nullInt(x.MerchantID), nullStr(x.MID), x.Status, x.InstallAddress,
				nullDate(x.WarrantyEnd), micros(t.now), micros(t.now))
			if err != nil {
				return err
			}
			x.ID, x.CreatedAt, x.UpdatedAt = id, t.now, t.now
			if err := t.record(ctx, a, "create", poscare.EntityTerminal, id, nil, x); err != nil {
				return err
			}
		}
		return nil
	})
}

func nullDate(d *poscare.Date) any {
	if d == nil || *d == "" {
		return nil
	}
	return string(*d)
}

// UpdateTerminal changes a terminal: its status, binding or warranty.
// Errors: EForbidden, ENotFound, EInvalid, EConflict.
func (s *Store) UpdateTerminal(ctx context.Context, a poscare.Actor, x *poscare.Terminal) error {
	if !a.Can(poscare.EntityTerminal, poscare.ActUpdate) {
		return poscare.Forbidden()
	}
	if err := x.Validate(); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		before, err := t.visibleTerminal(ctx, a, x.ID)
		if err != nil {
			return err
		}
		if before.Archived != nil {
			return poscare.Fail(poscare.EConflict, "record.terminal.restore")
		}
		if err := t.checkBinding(ctx, a, x); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE terminals SET serial = ?, model = ?, vendor = ?, tid = ?, merchant_id = ?, mid = ?, status = ?,
			install_address = ?, warranty_end = ?, updated_at = ? WHERE id = ?`,
			x.Serial, x.Model, x.Vendor, nullStr(x.TID), nullInt(x.MerchantID), nullStr(x.MID), x.Status, x.InstallAddress,
			nullDate(x.WarrantyEnd), micros(t.now), x.ID); err != nil {
			return err
		}
		x.CreatedAt, x.UpdatedAt = before.CreatedAt, t.now
		return t.record(ctx, a, "update", poscare.EntityTerminal, x.ID, before, x)
	})
}

// GetTerminal returns a terminal the actor may see.
func (s *Store) GetTerminal(ctx context.Context, a poscare.Actor, id int64) (*poscare.Terminal, error) {
	if !a.Can(poscare.EntityTerminal, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	return readOne(ctx, s, func(t *Tx) (*poscare.Terminal, error) { return t.visibleTerminal(ctx, a, id) })
}

// ListTerminals lists terminals the actor may see; Q matches a serial
// number, TID or MID exactly.
func (s *Store) ListTerminals(ctx context.Context, a poscare.Actor, f poscare.TerminalFilter) ([]*poscare.Terminal, error) {
	if !a.Can(poscare.EntityTerminal, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	f.Normalize()
	w, joinM, ok, err := s.childList(ctx, a, "t", f.MerchantID, f.Archived)
	if err != nil || !ok {
		return []*poscare.Terminal{}, err
	}
	q := "SELECT " + terminalCols + " FROM terminals t"
	if joinM {
		q += " JOIN merchants m ON m.id = t.merchant_id"
	}
	if f.Status != "" {
		w.and("t.status = ?", f.Status)
	}
	if v := strings.ToUpper(strings.TrimSpace(f.Q)); v != "" {
		w.and("(t.serial = ? OR t.tid = ? OR t.mid = ?)", v, v, v)
	}
	q += w.String() + " ORDER BY t.id DESC LIMIT ? OFFSET ?"
	return queryAll(ctx, s, q, append(w.args, f.Limit+1, f.Offset), scanTerminal)
}
