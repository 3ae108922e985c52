package sqlstore

import (
	"context"

	"poscare"
)

// Stats are the numbers of a role's dashboard, over what the actor may see.
type Stats struct {
	MerchantsByStatus map[poscare.MerchantStatus]int
	OpenByStage       map[poscare.Stage]int
	Overdue           int
	Terminals         map[poscare.TerminalStatus]int
}

// Stats counts the actor's merchants by status, open applications by
// stage and overdue ones, and terminals by status.
func (s *Store) Stats(ctx context.Context, a poscare.Actor) (*Stats, error) {
	if !a.Can(poscare.EntityMerchant, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	st := &Stats{MerchantsByStatus: map[poscare.MerchantStatus]int{}, OpenByStage: map[poscare.Stage]int{}, Terminals: map[poscare.TerminalStatus]int{}}
	cond, args := s.scopeSQL(a.MerchantScope())
	err := s.inRead(ctx, func(t *Tx) error {
		count := func(q string, args []any, put func(key string, n int)) error {
			rows, err := t.query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				var n int
				if err := rows.Scan(&k, &n); err != nil {
					return t.s.translate(err)
				}
				put(k, n)
			}
			return t.s.translate(rows.Err())
		}
		if err := count("SELECT m.status, COUNT(*) FROM merchants m WHERE m.archived_at IS NULL AND "+cond+" GROUP BY m.status", args,
			func(k string, n int) { st.MerchantsByStatus[poscare.MerchantStatus(k)] = n }); err != nil {
			return err
		}
		if err := count("SELECT x.current_stage, COUNT(*) FROM applications x JOIN merchants m ON m.id = x.merchant_id WHERE x.archived_at IS NULL AND x.completed_at IS NULL AND "+cond+" GROUP BY x.current_stage", args,
			func(k string, n int) { st.OpenByStage[poscare.Stage(k)] = n }); err != nil {
			return err
		}
		if err := t.queryRow(ctx, "SELECT COUNT(*) FROM applications x JOIN merchants m ON m.id = x.merchant_id WHERE x.archived_at IS NULL AND x.completed_at IS NULL AND x.current_due_at < ? AND "+cond,
			append([]any{micros(t.now)}, args...)...).Scan(&st.Overdue); err != nil {
			return t.s.translate(err)
		}
		tq := "SELECT t.status, COUNT(*) FROM terminals t WHERE t.archived_at IS NULL GROUP BY t.status"
		targs := []any(nil)
		if !a.MerchantScope().All {
			tq = "SELECT t.status, COUNT(*) FROM terminals t JOIN merchants m ON m.id = t.merchant_id WHERE t.archived_at IS NULL AND " + cond + " GROUP BY t.status"
			targs = args
		}
		return count(tq, targs, func(k string, n int) { st.Terminals[poscare.TerminalStatus(k)] = n })
	})
	return st, err
}
