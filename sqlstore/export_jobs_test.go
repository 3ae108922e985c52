package sqlstore

import "context"

// EnqueueInWrite runs one write transaction that enqueues args in order,
// as a store method does after the change that causes them.
func EnqueueInWrite(ctx context.Context, s *Store, args ...JobArgs) error {
	return s.inWrite(ctx, func(t *Tx) error {
		for _, a := range args {
			if err := t.enqueue(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
}
