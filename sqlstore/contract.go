package sqlstore

import (
	"context"
	"database/sql"

	"poscare"
)

const contractCols = `k.id, k.merchant_id, k.starts_on, k.ends_on, k.deposit_fen, k.monthly_comm_fee_fen, k.monthly_maint_fee_fen,
	k.credit_rate_e5, k.debit_rate_e5, k.debit_cap_fen, k.qr_rate_e5, k.created_at, k.updated_at, k.archived_at, k.archived_by, k.archive_reason`

func scanContract(r scanner) (*poscare.Contract, error) {
	var c poscare.Contract
	var created, updated int64
	var arch archCols
	if err := r.Scan(&c.ID, &c.MerchantID, &c.StartsOn, &c.EndsOn, &c.DepositFen, &c.MonthlyCommFeeFen, &c.MonthlyMaintFeeFen,
		&c.Fees.Credit, &c.Fees.Debit, &c.Fees.DebitCapFen, &c.Fees.QR, &created, &updated, &arch.at, &arch.by, &arch.reason); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt, c.Archived = fromMicros(created), fromMicros(updated), arch.archival()
	return &c, nil
}

func (t *Tx) visibleContract(ctx context.Context, a poscare.Actor, id int64) (*poscare.Contract, error) {
	c, err := scanContract(t.queryRow(ctx, "SELECT "+contractCols+" FROM contracts k WHERE k.id = ?", id))
	if err == sql.ErrNoRows {
		return nil, poscare.NotFound(poscare.EntityContract)
	}
	if err != nil {
		return nil, t.s.translate(err)
	}
	if _, err := t.visibleMerchant(ctx, a, c.MerchantID); err != nil {
		return nil, poscare.NotFound(poscare.EntityContract)
	}
	return c, nil
}

// CreateContract records a contract with a merchant the actor may see.
// Errors: EForbidden, EInvalid.
func (s *Store) CreateContract(ctx context.Context, a poscare.Actor, c *poscare.Contract) error {
	if !a.Can(poscare.EntityContract, poscare.ActCreate) {
		return poscare.Forbidden()
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		m, err := t.visibleMerchant(ctx, a, c.MerchantID)
		if err != nil {
			p := poscare.Problems{}
			p.Say("merchant_id", "record.no_merchant")
			return p.Err()
		}
		if m.Archived != nil {
			return errArchivedMerchant()
		}
		id, err := t.insert(ctx, `INSERT INTO contracts (merchant_id, starts_on, ends_on, deposit_fen, monthly_comm_fee_fen,
			monthly_maint_fee_fen, credit_rate_e5, debit_rate_e5, debit_cap_fen, qr_rate_e5, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.MerchantID, string(c.StartsOn), string(c.EndsOn), c.DepositFen,
			c.MonthlyCommFeeFen, c.MonthlyMaintFeeFen, c.Fees.Credit, c.Fees.Debit, c.Fees.DebitCapFen, c.Fees.QR, micros(t.now), micros(t.now))
		if err != nil {
			return err
		}
		c.ID, c.CreatedAt, c.UpdatedAt = id, t.now, t.now
		return t.record(ctx, a, "create", poscare.EntityContract, id, nil, c)
	})
}

// UpdateContract changes a contract's term, money or rates.
func (s *Store) UpdateContract(ctx context.Context, a poscare.Actor, c *poscare.Contract) error {
	if !a.Can(poscare.EntityContract, poscare.ActUpdate) {
		return poscare.Forbidden()
	}
	return s.inWrite(ctx, func(t *Tx) error {
		before, err := t.visibleContract(ctx, a, c.ID)
		if err != nil {
			return err
		}
		c.MerchantID = before.MerchantID
		if err := c.Validate(); err != nil {
			return err
		}
		if before.Archived != nil {
			return poscare.Fail(poscare.EConflict, "record.contract.restore")
		}
		if _, err := t.exec(ctx, `UPDATE contracts SET starts_on = ?, ends_on = ?, deposit_fen = ?, monthly_comm_fee_fen = ?,
			monthly_maint_fee_fen = ?, credit_rate_e5 = ?, debit_rate_e5 = ?, debit_cap_fen = ?, qr_rate_e5 = ?, updated_at = ? WHERE id = ?`,
			string(c.StartsOn), string(c.EndsOn), c.DepositFen, c.MonthlyCommFeeFen, c.MonthlyMaintFeeFen,
			c.Fees.Credit, c.Fees.Debit, c.Fees.DebitCapFen, c.Fees.QR, micros(t.now), c.ID); err != nil {
			return err
		}
		c.CreatedAt, c.UpdatedAt = before.CreatedAt, t.now
		return t.record(ctx, a, "update", poscare.EntityContract, c.ID, before, c)
	})
}

// GetContract returns a contract the actor may see.
func (s *Store) GetContract(ctx context.Context, a poscare.Actor, id int64) (*poscare.Contract, error) {
	if !a.Can(poscare.EntityContract, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	return readOne(ctx, s, func(t *Tx) (*poscare.Contract, error) { return t.visibleContract(ctx, a, id) })
}

// ListContracts lists contracts of merchants the actor may see.
func (s *Store) ListContracts(ctx context.Context, a poscare.Actor, f poscare.ContractFilter) ([]*poscare.Contract, error) {
	if !a.Can(poscare.EntityContract, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	f.Normalize()
	w, _, ok, err := s.childList(ctx, a, "k", f.MerchantID, f.Archived)
	if err != nil || !ok {
		return []*poscare.Contract{}, err
	}
	q := "SELECT " + contractCols + " FROM contracts k JOIN merchants m ON m.id = k.merchant_id" + w.String() + " ORDER BY k.id DESC LIMIT ? OFFSET ?"
	return queryAll(ctx, s, q, append(w.args, f.Limit+1, f.Offset), scanContract)
}
