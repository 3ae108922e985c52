package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// JobArgs is one piece of background work for the job engine (package
// jobs): Kind names the worker that does it, and the value is stored as
// JSON with the job. A capability defines its args types beside the
// change that causes the work, and registers their workers with the
// engine.
type JobArgs interface{ Kind() string }

// Enqueuer puts jobs on the engine's queue inside a store transaction, so
// that a job exists exactly when the change that causes it commits. The
// engine decides, by kind, whether a job is unique, how often it is
// retried and in which queue it waits.
type Enqueuer interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, args JobArgs) error
}

// Jobs of the store's own capabilities. They carry no data: each runs the
// store's batch (delivery, resume, check) over whatever is due, so a job
// that runs twice, or after another instance's, changes nothing more.
type (
	// DeliverOutbox sends what the outbox holds due, a batch at a time:
	// queued with every message.
	DeliverOutbox struct{}
	// ResumePlaybook finishes a recorded declaration whose playbook did not
	// commit: queued with the declaration's record, to run once its own
	// run should long have ended. Request names the declaration, so that
	// two declarations get a job each.
	ResumePlaybook struct {
		Request int64 `json:"request,omitempty"`
	}
	// MarkInformed ticks "merchants informed" on incidents whose notices
	// are all delivered: queued when a delivery empties the queue.
	MarkInformed struct{}
	// SweepSilence marks staff who went silent (periodic).
	SweepSilence struct{}
	// SweepStaleContacts creates the verification tasks of contacts due
	// for it (periodic).
	SweepStaleContacts struct{}
)

// Kind names the job's worker.
func (DeliverOutbox) Kind() string      { return "outbox.deliver" }
func (ResumePlaybook) Kind() string     { return "playbook.resume" }
func (MarkInformed) Kind() string       { return "playbook.informed" }
func (SweepSilence) Kind() string       { return "silence.sweep" }
func (SweepStaleContacts) Kind() string { return "contacts.freshness_sweep" }

// enqueue puts a job on the engine's queue in this transaction, once per
// transaction and kind with the same args (a playbook's thousands of
// notices need one delivery job). Without an engine (the command-line
// tools, the store's own tests) it does nothing: serve's periodic jobs
// find the work instead.
func (t *Tx) enqueue(ctx context.Context, args JobArgs) error {
	if t.s.Jobs == nil {
		return nil
	}
	key := args.Kind()
	if r, ok := args.(ResumePlaybook); ok {
		key += ":" + strconv.FormatInt(r.Request, 10)
	}
	if t.enqueued[key] {
		return nil
	}
	if err := t.s.Jobs.EnqueueTx(ctx, t.tx, args); err != nil {
		return t.s.translate(err)
	}
	if t.enqueued == nil {
		t.enqueued = map[string]bool{}
	}
	t.enqueued[key] = true
	return nil
}

// IsJobTable tells the job engine's own tables (River's, named river_*)
// from the records: they are neither copied nor compared by CopyTo, and
// the job engine creates them on the target itself.
func IsJobTable(name string) bool { return strings.HasPrefix(name, "river_") }

// JobsDB is the pool the job engine runs on: on SQLite the store's one
// writer, so the engine's writes queue with the store's instead of failing
// on a locked file; on PostgreSQL the store's pool, through which jobs are
// inserted in the store's transactions.
func (s *Store) JobsDB() *sql.DB { return s.write }

// WithMigrationLock runs fn holding the lock Migrate takes on PostgreSQL
// (a session advisory lock), so that two starting instances do not apply
// the job engine's migrations at once; fn migrates through other
// connections. On SQLite, whose writer is one connection, fn runs as is:
// the file's write lock already orders two migrators.
func (s *Store) WithMigrationLock(ctx context.Context, fn func() error) error {
	if s.dialect != Postgres {
		return fn()
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7020001)"); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(7020001)")
	return fn()
}
