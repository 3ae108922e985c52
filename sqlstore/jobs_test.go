package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"

	"poscare"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// recordingEnqueuer keeps what was enqueued, with the transaction it was
// enqueued in.
type recordingEnqueuer struct {
	kinds []string
	txs   []*sql.Tx
	fail  error
}

func (r *recordingEnqueuer) EnqueueTx(ctx context.Context, tx *sql.Tx, args sqlstore.JobArgs) error {
	if r.fail != nil {
		return r.fail
	}
	r.kinds = append(r.kinds, args.Kind())
	r.txs = append(r.txs, tx)
	return nil
}

// TestEnqueueOncePerTransaction: a transaction enqueues a kind (with the
// same args) once however often it asks, in its own *sql.Tx; a store
// without an engine enqueues nothing and does not fail; an engine that
// fails to insert fails the transaction.
func TestEnqueueOncePerTransaction(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := sqlstore.EnqueueInWrite(ctx, s, sqlstore.DeliverOutbox{}); err != nil {
				t.Fatalf("without an engine: %v", err)
			}
			r := &recordingEnqueuer{}
			s.Jobs = r
			defer func() { s.Jobs = nil }()
			err := sqlstore.EnqueueInWrite(ctx, s, sqlstore.DeliverOutbox{}, sqlstore.DeliverOutbox{}, sqlstore.ResumePlaybook{Request: 1},
				sqlstore.ResumePlaybook{Request: 2}, sqlstore.ResumePlaybook{Request: 1}, sqlstore.DeliverOutbox{})
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"outbox.deliver", "playbook.resume", "playbook.resume"}; !slices.Equal(r.kinds, want) {
				t.Errorf("enqueued %v, want %v", r.kinds, want)
			}
			for _, tx := range r.txs {
				if tx == nil || tx != r.txs[0] {
					t.Errorf("enqueued outside the one transaction: %v", r.txs)
				}
			}
			if err := sqlstore.EnqueueInWrite(ctx, s, sqlstore.DeliverOutbox{}); err != nil || len(r.kinds) != 4 {
				t.Errorf("the next transaction enqueues afresh: %v, %v", err, r.kinds)
			}
			r.fail = errors.New("queue unreachable")
			if err := sqlstore.EnqueueInWrite(ctx, s, sqlstore.DeliverOutbox{}); poscare.ErrorCode(err) != poscare.EInternal {
				t.Errorf("a failed insert: %v, want an internal error", err)
			}
		})
	}
}
