// Package sqlstore keeps poscare's records in SQLite (the default, embedded,
// pure Go) or PostgreSQL (for several instances in front of one database).
// One implementation serves both: queries are written once with '?'
// placeholders and rewritten for PostgreSQL, and the few places where the
// dialects differ (full-text search, identity columns, triggers) are named.
//
// Every exported method runs in its own transaction, writes its audit entry
// in that same transaction, and fixes "now" once, so a record and the proof
// of its change are committed together or not at all.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"

	"poscare"
	"poscare/vault"
)

// Dialect names the database behind a store.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is poscare's storage. It is safe for concurrent use.
type Store struct {
	dialect Dialect
	write   *sql.DB // SQLite: one connection, so writers queue instead of failing
	read    *sql.DB // SQLite: a pool of readers beside the writer; PostgreSQL: same as write
	vault   *vault.Vault
	// SQLite: a connection that copies committed pages from the WAL into
	// the database file after each write, beside the writer instead of in
	// its commit (see checkpointer).
	ckpt      *sql.DB
	ckptMu    sync.Mutex // guards committed, closed by Close
	committed chan struct{}
	ckptDone  chan struct{}
	// Now returns the current time; tests replace it to get fixed timestamps.
	Now func() time.Time
	// ServiceCentre is the last link of every merchant's service-contact
	// chain; the server sets it from configuration.
	ServiceCentre poscare.ServiceCentre
	// Policy holds the continuity thresholds (silence, bulk removals,
	// contact freshness); the server sets it from configuration.
	Policy poscare.ContinuityPolicy
	// AlertChannels are how staff alerts go out: "email", "sms" (to the
	// reader's mobile), "wechat" (to their WeChat ID); the server sets the
	// channels it has. Open sets email only.
	AlertChannels []string
	// AuditCheckpoints is the file that CheckpointAudit appends the audit
	// chain's head to and that VerifyAudit holds the chain against; empty
	// means none (VerifyAudit then checks the links alone).
	AuditCheckpoints string
	auditCkptMu      sync.Mutex
	auditCkptLast    poscare.AuditCheckpoint // the newest checkpoint this store wrote or found in the file
	auditCkptLoaded  bool                    // whether the file's newest has been read
	// Log receives what the store cannot return to a caller, such as an
	// alert that could not be queued after a refused removal. Open sets
	// slog.Default().
	Log *slog.Logger
	// statements counts the statements sent inside transactions
	// (prepares included): round trips, for the tests that hold bulk
	// paths to a number of statements that does not grow with the rows.
	statements atomic.Int64
	// PGBin is the folder of pg_dump for PostgreSQL backups; empty: PATH,
	// then /usr/lib/postgresql/*/bin.
	PGBin string
	// BackupDir is where backups taken from an incident go; the server
	// sets it from configuration.
	BackupDir string
	// Passwords holds the password costs and the gate of password checks.
	Passwords
	// Outbox holds the sending lease and attempts (defaults when zero).
	Outbox
	// Desk holds the service desk's hours and escalation step.
	Desk
	dsn string // as opened, for backups
	// Observer hears playbook runs and failed logins (observer.go); the
	// server sets its metrics. Nil hears nothing.
	Observer Observer
	// Jobs, when set (by serve), puts background jobs on the job engine's
	// queue in the transaction of the change that causes them (jobs.go).
	Jobs Enqueuer
	// beforeTx, when set (by tests), runs first in every write
	// transaction, to make it collide with another on purpose.
	beforeTx func(context.Context, *sql.Tx) error
}

// DefaultServiceCentre is used until configuration names the real one.
var DefaultServiceCentre = poscare.DefaultServiceCentre

// DialectOf tells which database a DSN names: a postgres:// URL, or else a
// SQLite file path.
func DialectOf(dsn string) Dialect {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// Open connects to the database and checks it is reachable. It does not
// migrate; call Migrate (the server does so at start) and then
// CheckSchema.
func Open(ctx context.Context, dsn string, v *vault.Vault) (*Store, error) {
	s := &Store{dialect: DialectOf(dsn), dsn: dsn, vault: v, Now: time.Now, ServiceCentre: DefaultServiceCentre,
		Policy: poscare.DefaultContinuityPolicy, AlertChannels: []string{"email"}, Log: slog.Default()}
	switch s.dialect {
	case Postgres:
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		db.SetConnMaxIdleTime(5 * time.Minute)
		s.write, s.read = db, db
	default:
		path := strings.TrimPrefix(dsn, "sqlite://")
		if err := ownerOnly(path); err != nil {
			return nil, err
		}
		// busy_timeout first, so that even setting WAL waits for a lock
		// rather than failing; then WAL, NORMAL sync and foreign keys.
		q := url.Values{}
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)", "cache_size(-32000)", "temp_store(MEMORY)"} {
			q.Add("_pragma", p)
		}
		// The writer gets a page cache big enough for a bulk import's
		// dirty pages (128 MiB; spilling them mid-transaction journals
		// each page once more), and leaves checkpoints to the checkpointer.
		w, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode()+"&_txlock=immediate&_pragma=cache_size(-131072)&_pragma=wal_autocheckpoint(0)")
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		if s.ckpt, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode()); err != nil {
			w.Close()
			return nil, err
		}
		s.ckpt.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode()+"&_pragma=query_only(ON)&_pragma=mmap_size(4294967296)")
		if err != nil {
			w.Close()
			s.ckpt.Close()
			return nil, err
		}
		r.SetMaxOpenConns(8)
		s.write, s.read = w, r
		s.committed = make(chan struct{}, 1)
		s.ckptDone = make(chan struct{})
		go s.checkpointer(s.committed)
	}
	if err := s.write.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s database: %w", s.dialect, err)
	}
	return s, nil
}

// ownerOnly creates the SQLite file at path readable and writable by its
// owner only (0600, like the keys file) before SQLite opens it, because
// SQLite creates the -wal and -shm files with the main file's mode: a
// file SQLite created itself would follow the umask, typically 0644, and
// let every local user read the merchants. A file that already exists
// with wider permissions is narrowed, with its -wal and -shm.
func ownerOnly(path string) error {
	if path == "" || path == ":memory:" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open sqlite database %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 == 0 {
		return nil
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restrict sqlite database %s: %w", p, err)
		}
	}
	return nil
}

// Optimize refreshes the query planner's statistics where they are stale
// (SQLite's PRAGMA optimize; on PostgreSQL, ANALYZE of the schema's
// tables that were never analyzed or have grown or changed by a tenth
// since). The server runs it at start; bulk loads should run it after:
// PostgreSQL's autovacuum gets there too, but up to a minute later, and
// until then a freshly loaded table looks empty to the planner (the
// playbook's notice query took 1 s per 500 merchants instead of 5 ms).
func (s *Store) Optimize(ctx context.Context) error {
	if s.dialect == Postgres {
		return s.analyzeStale(ctx)
	}
	// analysis_limit keeps the statistics pass cheap on big tables.
	if _, err := s.write.ExecContext(ctx, "PRAGMA analysis_limit=1000"); err != nil {
		return err
	}
	_, err := s.write.ExecContext(ctx, "PRAGMA optimize=0x10002")
	return err
}

// analyzeStale runs ANALYZE on the tables of the current schema whose
// statistics are missing or stale. Growth is judged by the table's size on
// disk against the pages the last analysis saw, which needs no statistics
// collector (its counts reach pg_stat_user_tables up to seconds late); the
// collector's count of changed rows catches updates in place.
func (s *Store) analyzeStale(ctx context.Context) error {
	rows, err := s.write.QueryContext(ctx, `SELECT quote_ident(c.relname) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
		LEFT JOIN pg_stat_user_tables st ON st.relid = c.oid
		WHERE c.relkind = 'r' AND (c.reltuples < 0
			OR pg_relation_size(c.oid) / current_setting('block_size')::bigint > c.relpages * 1.1 + 8
			OR COALESCE(st.n_mod_since_analyze, 0) > c.reltuples * 0.1 + 50)
		ORDER BY 1`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(tables) == 0 {
		return err
	}
	_, err = s.write.ExecContext(ctx, "ANALYZE "+strings.Join(tables, ", "))
	return err
}

// Dialect returns which database the store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// Vault returns the store's field encryption.
func (s *Store) Vault() *vault.Vault { return s.vault }

// Close closes the connection pools.
func (s *Store) Close() error {
	var err error
	s.ckptMu.Lock()
	committed := s.committed
	s.committed = nil
	s.ckptMu.Unlock()
	if committed != nil {
		close(committed)
		<-s.ckptDone
		err = s.ckpt.Close()
	}
	if s.read != nil && s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	if s.write != nil {
		err = errors.Join(err, s.write.Close())
	}
	return err
}

// checkpointer runs a passive checkpoint after writes, until Close. SQLite
// would otherwise checkpoint inside the commit that crosses its threshold,
// so one writer in a thousand would wait for a thousand pages to be
// copied; here the copy runs on another core while the next transaction
// goes on. Passive checkpoints never block readers or the writer; a
// checkpoint that could not finish is taken up again after the next write.
// Errors are left for the next round: the WAL keeps every page meanwhile.
func (s *Store) checkpointer(committed <-chan struct{}) {
	// committed is passed in, not read from s: Close clears the field,
	// maybe before this goroutine first runs.
	defer close(s.ckptDone)
	for range committed {
		s.ckpt.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// written tells the checkpointer that a write transaction committed.
func (s *Store) written() {
	s.ckptMu.Lock()
	defer s.ckptMu.Unlock()
	if s.committed == nil {
		return // not SQLite, or closed
	}
	select {
	case s.committed <- struct{}{}:
	default: // a checkpoint is already due
	}
}

// Ping reports whether the database answers; /healthz uses it.
func (s *Store) Ping(ctx context.Context) error { return s.read.PingContext(ctx) }

// rebind rewrites '?' placeholders as $1, $2 … for PostgreSQL. Queries in
// this package never contain a literal '?' in a string.
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Tx is a transaction with the store's dialect and one fixed "now".
type Tx struct {
	tx  *sql.Tx
	s   *Store
	now time.Time
	// The audit chain's head, read once per transaction under the lock and
	// then advanced in memory, so a bulk import does not re-read it.
	audit     auditChain
	auditRead bool
	// auditWait, when set, waits for entries computed aside (recordAside).
	auditWait func() error
	// PostgreSQL: entries recorded before the chain's head was read, in
	// order; readAuditHead links them, at flush at the latest.
	unlinked []poscare.AuditEntry
	// Statements prepared in this transaction, by query text: a bulk import
	// runs the same few statements thousands of times, and parsing SQL
	// each time would cost more than running it.
	stmts map[string]*sql.Stmt
	// Rows queued for flush, written in multi-row statements before commit.
	pendingAudit  [][]any
	pendingSearch [][]any
	nextID        map[string]int64
	// Jobs enqueued in this transaction, by kind and args (jobs.go).
	enqueued map[string]bool
}

// stmt returns the prepared form of q in this transaction.
func (t *Tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := t.stmts[q]; ok {
		return st, nil
	}
	t.s.statements.Add(1)
	st, err := t.tx.PrepareContext(ctx, t.s.rebind(q))
	if err != nil {
		return nil, t.s.translate(err)
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = st
	return st, nil
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	t.s.statements.Add(1)
	r, err := st.ExecContext(ctx, args...)
	return r, t.s.translate(err)
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	t.s.statements.Add(1)
	r, err := t.tx.QueryContext(ctx, t.s.rebind(q), args...)
	return r, t.s.translate(err)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	t.s.statements.Add(1)
	return t.tx.QueryRowContext(ctx, t.s.rebind(q), args...)
}

// insert runs an INSERT … RETURNING id and returns the new id.
func (t *Tx) insert(ctx context.Context, q string, args ...any) (int64, error) {
	st, err := t.stmt(ctx, q+" RETURNING id")
	if err != nil {
		return 0, err
	}
	var id int64
	t.s.statements.Add(1)
	err = st.QueryRowContext(ctx, args...).Scan(&id)
	return id, t.s.translate(err)
}

// inWrite runs fn in a write transaction and commits if fn returns nil.
// A transaction that fails on a concurrent one (PostgreSQL's serialization
// failure or deadlock, SQLite's busy or locked database: see retryable) is
// run again, up to writeAttempts times in all, after a short random pause;
// fn must therefore be safe to repeat: it writes only through t, and sets
// whatever it hands back to its caller afresh on every run.
func (s *Store) inWrite(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.inTx(ctx, s.write, false, fn)
		if err == nil || !retryable(err) || attempt == writeAttempts {
			break
		}
		if werr := retryPause(ctx, attempt); werr != nil {
			break
		}
	}
	return err
}

// writeAttempts bounds the runs of one write transaction that keeps
// failing on concurrent ones.
const writeAttempts = 5

// retryPause waits a random time up to 2^attempt milliseconds (2, 4, 8,
// 16 ms), so that transactions that collided do not collide again in step.
func retryPause(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(time.Millisecond<<attempt))) + time.Millisecond
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// inRead runs fn in a read-only transaction, so a multi-query read sees one
// consistent snapshot.
func (s *Store) inRead(ctx context.Context, fn func(*Tx) error) error {
	return s.inTx(ctx, s.read, true, fn)
}

func (s *Store) inTx(ctx context.Context, db *sql.DB, readOnly bool, fn func(*Tx) error) error {
	var opts *sql.TxOptions
	if readOnly && s.dialect == Postgres {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return poscare.Internal(err)
	}
	t := &Tx{tx: tx, s: s, now: s.Now().UTC().Truncate(time.Microsecond)}
	defer func() {
		for _, st := range t.stmts {
			st.Close()
		}
	}()
	if s.beforeTx != nil && !readOnly {
		if err := s.beforeTx(ctx, t.tx); err != nil {
			tx.Rollback()
			return s.translate(err)
		}
	}
	err = fn(t)
	if t.auditWait != nil {
		if werr := t.auditWait(); err == nil {
			err = werr
		}
	}
	if err == nil {
		err = t.flush(ctx)
	}
	if err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.translate(err)
	}
	if !readOnly {
		s.written()
	}
	return nil
}

// micros and fromMicros store times as integer microseconds since the Unix
// epoch in UTC, which sorts and compares the same way on both databases.
func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func int64Ptr(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	x := v.Int64
	return &x
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// scanAll reads every row of rows with scan and closes them.
func scanAll[T any](s *Store, rows *sql.Rows, scan func(scanner) (*T, error)) ([]*T, error) {
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.translate(err)
		}
		out = append(out, v)
	}
	return out, s.translate(rows.Err())
}

// queryAll runs a read query outside any transaction and scans its rows.
func queryAll[T any](ctx context.Context, s *Store, q string, args []any, scan func(scanner) (*T, error)) ([]*T, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, s.translate(err)
	}
	return scanAll(s, rows, scan)
}

// readOne runs load in a read transaction: the shape of every Get.
func readOne[T any](ctx context.Context, s *Store, load func(*Tx) (*T, error)) (*T, error) {
	var v *T
	err := s.inRead(ctx, func(t *Tx) (err error) {
		v, err = load(t)
		return err
	})
	return v, err
}
