package sqlstore

import (
	"context"

	"poscare"
	"poscare/vault"
)

// RotateKeys re-encrypts every sensitive value that is not yet under the
// active data key and recomputes its blind index (so the index key can be
// rotated too). It works in batches, each batch in its own transaction, so
// it can run beside a live server and be resumed after an interruption.
// It returns how many merchants were re-encrypted.
func (s *Store) RotateKeys(ctx context.Context, a poscare.Actor) (int, error) {
	active := s.vault.ActiveKeyID()
	total := 0
	lastID := int64(0)
	for {
		// Set afresh by every run of the transaction (it may be retried)
		// and taken up only once it committed.
		n, changed, batchLast := 0, 0, lastID
		err := s.inWrite(ctx, func(t *Tx) error {
			rows, err := t.query(ctx, "SELECT id, principal_id_enc, settlement_enc FROM merchants WHERE id > ? ORDER BY id LIMIT 500", lastID)
			if err != nil {
				return err
			}
			type row struct {
				id        int64
				pid, acct string
			}
			var batch []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.pid, &r.acct); err != nil {
					rows.Close()
					return t.s.translate(err)
				}
				batch = append(batch, r)
			}
			rows.Close()
			n, changed, batchLast = len(batch), 0, lastID
			for _, r := range batch {
				batchLast = r.id
				pid, err := s.reseal(fieldPrincipalID, r.pid, active)
				if err != nil {
					return err
				}
				acct, err := s.reseal(fieldSettlement, r.acct, active)
				if err != nil {
					return err
				}
				if _, err := t.exec(ctx, "UPDATE merchants SET principal_id_enc = ?, principal_id_hash = ?, settlement_enc = ?, settlement_hash = ? WHERE id = ?",
					pid.enc, pid.hash, acct.enc, acct.hash, r.id); err != nil {
					return err
				}
				changed++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total, lastID = total+changed, batchLast
		if n < 500 {
			break
		}
	}
	err := s.Record(ctx, a, poscare.AuditKeyRotate, "vault", 0, map[string]any{"active_key": active, "merchants": total})
	return total, err
}

func (s *Store) reseal(field, ct, active string) (sealed, error) {
	if ct == "" {
		return sealed{}, nil
	}
	clear, err := s.vault.Decrypt(field, ct)
	if err != nil {
		return sealed{}, poscare.Internal(err)
	}
	out := sealed{enc: ct, hash: s.vault.BlindIndex(field, clear), set: true}
	if vault.KeyID(ct) != active {
		if out.enc, err = s.vault.Encrypt(field, clear); err != nil {
			return sealed{}, poscare.Internal(err)
		}
	}
	return out, nil
}
