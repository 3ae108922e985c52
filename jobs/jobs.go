// Package jobs runs poscare's durable background work on River
// (github.com/riverqueue/river): jobs live in the database beside the
// records, are inserted in the transaction of the change that causes them
// (sqlstore.Store.Jobs), are unique where two at once would be waste,
// retried with backoff when they fail, and periodic ones are inserted by
// one elected leader, so each period's job runs once across all
// instances, on whichever instance fetches it first.
//
// On SQLite the engine runs on the store's one writer connection (River's
// riversqlite driver; its writes queue with the store's instead of
// failing on a locked file). On PostgreSQL a River client on a pgx pool
// of its own (riverpgxv5, with LISTEN/NOTIFY) works the jobs, and jobs are
// inserted through the store's database/sql transactions
// (riverdatabasesql).
//
// The engine knows no job of its own: each capability registers its kinds
// with Add (args type, worker, uniqueness, schedule) before Start, so a
// new capability adds its jobs without changing this package.
package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"poscare/sqlstore"
)

// Queues every engine has. A kind names its queue; a capability may add
// its own with AddQueue.
const (
	// QueueDefault holds most jobs: sweeps, resumes, checks.
	QueueDefault = river.QueueDefault
	// QueueOutbox holds the outbox deliveries, apart so that a long
	// delivery never waits behind a sweep nor holds one up.
	QueueOutbox = "outbox"
)

// Observer hears every run of a job: the server's metrics
// (observe.Metrics.Job). A run cut short by shutdown ends in
// context.Canceled.
type Observer interface {
	Job(kind string, start time.Time, err error)
}

// Config is how the engine runs.
type Config struct {
	// DSN is the PostgreSQL URL River's own pool connects to (the store's
	// DSN); unused on SQLite.
	DSN string
	// Instance names this process among those on one database, in River's
	// leader election and in its own queue (Kind.Local). Default: random.
	Instance string
	// Logger hears the engine's and River's warnings and errors.
	Logger *slog.Logger
	// Observer hears every run (metrics); nil hears nothing.
	Observer Observer
	// DefaultWorkers is how many jobs of the default queue one instance
	// runs at once; default 4.
	DefaultWorkers int
	// OutboxWorkers is how many deliveries one instance runs at once (each
	// sends a batch with several senders); default 1.
	OutboxWorkers int
}

// Kind registers one kind of job: its args type T (whose Kind names it)
// and what doing it means.
type Kind[T sqlstore.JobArgs] struct {
	// Work does the job. It must be safe to repeat: a job whose instance
	// died mid-run is run again, and a failed one is retried.
	Work func(ctx context.Context, args T) error
	// Label names the kind in metrics and logs (poscare_jobs_total's kind
	// label); default the kind with dots as underscores.
	Label string
	// Queue is the queue the jobs wait in; default QueueDefault.
	Queue string
	// Local jobs wait in this instance's own queue and run here: work on
	// per-process state, like a cache. Only Enqueue inserts them.
	Local bool
	// Unique keeps at most one job of this kind and args waiting or
	// running among those Enqueue and EnqueueTx insert: inserting another
	// meanwhile is a no-op. A job that failed and waits for its retry
	// does not count.
	Unique bool
	// Every, when set (at least 1 s), makes the kind periodic as well: the
	// elected leader inserts one job (with T's zero value) every Every,
	// and one when it is elected; those are unique in their period, so
	// each period's job runs once across all instances. Jobs inserted
	// otherwise are not counted against them.
	Every time.Duration
	// Delay makes an inserted job wait this long before it may run.
	Delay time.Duration
	// MaxAttempts bounds the runs of one job before River discards it;
	// default 5. Retries back off (1 s, 16 s, 81 s, 4 min …).
	MaxAttempts int
	// Timeout bounds one run; default 1 min, -1 for none.
	Timeout time.Duration
}

// kindInfo is what the engine keeps of a registered kind for inserting it.
type kindInfo struct {
	label string
	queue string
	local bool
	delay time.Duration
	opts  river.InsertOpts
}

// Engine is the job engine of one poscare process.
type Engine struct {
	store *sqlstore.Store
	cfg   Config
	log   *slog.Logger

	mu       sync.Mutex
	kinds    map[string]*kindInfo
	queues   map[string]river.QueueConfig
	workers  *river.Workers
	periodic []*river.PeriodicJob
	// inserter inserts in the store's *sql.Tx; on SQLite it is also the
	// runner.
	inserter *river.Client[*sql.Tx]
	runner   runner
	pool     *pgxpool.Pool // PostgreSQL: the runner's
	started  bool
}

// runner is the River client that works the jobs: a Client[*sql.Tx] on
// SQLite, a Client[pgx.Tx] on PostgreSQL.
type runner interface {
	Start(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Stopped() <-chan struct{}
}

// New returns an engine for the store, with no kinds registered.
func New(store *sqlstore.Store, cfg Config) *Engine {
	if cfg.Instance == "" {
		b := make([]byte, 4)
		rand.Read(b)
		cfg.Instance = hex.EncodeToString(b)
	}
	if cfg.DefaultWorkers <= 0 {
		cfg.DefaultWorkers = 4
	}
	if cfg.OutboxWorkers <= 0 {
		cfg.OutboxWorkers = 1
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	e := &Engine{store: store, cfg: cfg, log: log, kinds: map[string]*kindInfo{}, workers: river.NewWorkers()}
	e.queues = map[string]river.QueueConfig{
		QueueDefault:   {MaxWorkers: cfg.DefaultWorkers},
		QueueOutbox:    {MaxWorkers: cfg.OutboxWorkers},
		e.localQueue(): {MaxWorkers: 1},
	}
	return e
}

// localQueue is this instance's own queue.
func (e *Engine) localQueue() string {
	return "local_" + strings.ToLower(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, e.cfg.Instance))
}

// AddQueue adds a queue that runs up to workers jobs at once on every
// instance. Call it before Start.
func (e *Engine) AddQueue(name string, workers int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return errors.New("jobs: AddQueue after Start")
	}
	if _, dup := e.queues[name]; dup {
		return fmt.Errorf("jobs: queue %q added twice", name)
	}
	e.queues[name] = river.QueueConfig{MaxWorkers: max(workers, 1)}
	return nil
}

// requiredStates are the states a unique job is unique in: waiting or
// running. River requires these four; a job waiting for its retry
// (retryable) is left out, so that it does not hold up the next one.
var requiredStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRunning, rivertype.JobStateScheduled}

// Add registers a kind of job. Call it before Start.
func Add[T sqlstore.JobArgs](e *Engine, k Kind[T]) error {
	var zero T
	name := zero.Kind()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return fmt.Errorf("jobs: %s added after Start", name)
	}
	if _, dup := e.kinds[name]; dup {
		return fmt.Errorf("jobs: kind %s added twice", name)
	}
	if k.Work == nil {
		return fmt.Errorf("jobs: kind %s has no Work", name)
	}
	info := &kindInfo{label: k.Label, queue: k.Queue, local: k.Local, delay: k.Delay}
	if info.label == "" {
		info.label = strings.ReplaceAll(name, ".", "_")
	}
	if info.queue == "" {
		info.queue = QueueDefault
	}
	if _, ok := e.queues[info.queue]; !ok && !k.Local {
		return fmt.Errorf("jobs: kind %s names queue %q, which was not added", name, info.queue)
	}
	if k.Local && k.Every > 0 {
		return fmt.Errorf("jobs: kind %s is local and periodic: periodic jobs run on any instance", name)
	}
	info.opts = river.InsertOpts{Queue: info.queue, MaxAttempts: k.MaxAttempts}
	if info.opts.MaxAttempts <= 0 {
		info.opts.MaxAttempts = 5
	}
	periodic := info.opts
	if k.Unique {
		info.opts.UniqueOpts = river.UniqueOpts{ByArgs: true, ByQueue: k.Local, ByState: requiredStates}
	}
	// A periodic job is unique in its period: one per period however many
	// leaders come and go (each inserts one when elected). A job of an
	// earlier period that is still running, or stuck as running on an
	// instance that died, does not hold up this period's.
	periodic.UniqueOpts = river.UniqueOpts{ByArgs: true, ByPeriod: k.Every}
	if err := river.AddWorkerSafely(e.workers, &worker[T]{e: e, k: k, label: info.label}); err != nil {
		return err
	}
	e.kinds[name] = info
	if k.Every > 0 {
		if k.Every < time.Second {
			return fmt.Errorf("jobs: kind %s runs every %s: at least 1s", name, k.Every)
		}
		opts := periodic
		e.periodic = append(e.periodic, river.NewPeriodicJob(river.PeriodicInterval(k.Every),
			func() (river.JobArgs, *river.InsertOpts) { return zero, &opts },
			&river.PeriodicJobOpts{ID: name, RunOnStart: true}))
	}
	return nil
}

// worker runs one kind's jobs, counting each run.
type worker[T sqlstore.JobArgs] struct {
	river.WorkerDefaults[T]
	e     *Engine
	k     Kind[T]
	label string
}

func (w *worker[T]) Timeout(*river.Job[T]) time.Duration { return w.k.Timeout }

func (w *worker[T]) Work(ctx context.Context, j *river.Job[T]) error {
	start := time.Now()
	err := w.k.Work(ctx, j.Args)
	if w.e.cfg.Observer != nil {
		w.e.cfg.Observer.Job(w.label, start, err)
	}
	if err != nil && ctx.Err() == nil {
		w.e.log.Error("job failed", "kind", w.label, "attempt", j.Attempt, "of", j.MaxAttempts, "err", err)
	}
	return err
}

// insertOpts are the options of one insert of args.
func (e *Engine) insertOpts(args sqlstore.JobArgs) (*river.InsertOpts, error) {
	e.mu.Lock()
	info, ok := e.kinds[args.Kind()]
	e.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("jobs: no kind %s is registered", args.Kind())
	}
	opts := info.opts
	if info.local {
		opts.Queue = e.localQueue()
	}
	if info.delay > 0 {
		opts.ScheduledAt = time.Now().Add(info.delay)
	}
	return &opts, nil
}

// EnqueueTx inserts a job in the store's transaction tx: it exists once tx
// commits, and not at all if it rolls back (sqlstore.Enqueuer). A unique
// job that already waits is not inserted again.
func (e *Engine) EnqueueTx(ctx context.Context, tx *sql.Tx, args sqlstore.JobArgs) error {
	c, err := e.client()
	if err != nil {
		return err
	}
	opts, err := e.insertOpts(args)
	if err != nil {
		return err
	}
	_, err = c.InsertTx(ctx, tx, args, opts)
	return err
}

// Enqueue inserts a job on its own.
func (e *Engine) Enqueue(ctx context.Context, args sqlstore.JobArgs) error {
	c, err := e.client()
	if err != nil {
		return err
	}
	opts, err := e.insertOpts(args)
	if err != nil {
		return err
	}
	_, err = c.Insert(ctx, args, opts)
	return err
}

func (e *Engine) client() (*river.Client[*sql.Tx], error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.inserter == nil {
		return nil, errors.New("jobs: the engine is not started")
	}
	return e.inserter, nil
}

// riverConfig is the River client's configuration with the kinds
// registered so far.
func (e *Engine) riverConfig() *river.Config {
	return &river.Config{
		ID:           e.cfg.Instance,
		Logger:       riverLogger(e.log),
		Queues:       e.queues,
		Workers:      e.workers,
		PeriodicJobs: e.periodic,
		// Done jobs are kept an hour (for looking into), not River's day:
		// a sweep every second would otherwise keep 86,400 rows.
		CompletedJobRetentionPeriod: time.Hour,
		CancelledJobRetentionPeriod: 24 * time.Hour,
		DiscardedJobRetentionPeriod: 7 * 24 * time.Hour,
	}
}

// Start builds the River clients and starts working jobs until Stop. The
// database must have River's tables (Migrate).
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.started {
		e.mu.Unlock()
		return errors.New("jobs: started twice")
	}
	e.started = true
	e.mu.Unlock()
	cfg := e.riverConfig()
	var (
		inserter *river.Client[*sql.Tx]
		run      runner
		err      error
	)
	switch e.store.Dialect() {
	case sqlstore.Postgres:
		pcfg, perr := pgxpool.ParseConfig(e.cfg.DSN)
		if perr != nil {
			return fmt.Errorf("jobs: %w", perr)
		}
		pcfg.MaxConns = 8
		pool, perr := pgxpool.NewWithConfig(ctx, pcfg)
		if perr != nil {
			return fmt.Errorf("jobs: %w", perr)
		}
		e.pool = pool
		rc, rerr := river.NewClient(riverpgxv5.New(pool), cfg)
		if rerr != nil {
			pool.Close()
			return fmt.Errorf("jobs: %w", rerr)
		}
		run = rc
		// Inserts go through the store's own transactions; this client
		// only inserts (and lists, for the metrics).
		inserter, err = river.NewClient(riverdatabasesql.New(e.store.JobsDB()), &river.Config{Logger: cfg.Logger})
	default:
		inserter, err = river.NewClient(riversqlite.New(e.store.JobsDB()), cfg)
		run = inserter
	}
	if err != nil {
		e.closePool()
		return fmt.Errorf("jobs: %w", err)
	}
	if err := run.Start(ctx); err != nil {
		e.closePool()
		return fmt.Errorf("jobs: start: %w", err)
	}
	e.mu.Lock()
	e.inserter, e.runner = inserter, run
	e.mu.Unlock()
	return nil
}

// Running reports whether the engine works jobs: started and not stopped.
func (e *Engine) Running() bool {
	e.mu.Lock()
	r := e.runner
	e.mu.Unlock()
	if r == nil {
		return false
	}
	select {
	case <-r.Stopped():
		return false
	default:
		return true
	}
}

// Stop stops fetching jobs, cancels the context of those under way and
// waits until they have returned or ctx ends: a delivery lets the sends
// under way finish and records them (its own grace), hands back what it
// had not begun; a sweep rolls back and runs again later. This instance
// stops being the leader, so another one takes the periodic jobs over.
func (e *Engine) Stop(ctx context.Context) error {
	e.mu.Lock()
	r := e.runner
	e.mu.Unlock()
	if r == nil {
		return nil
	}
	err := r.StopAndCancel(ctx)
	e.closePool()
	return err
}

func (e *Engine) closePool() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pool != nil {
		e.pool.Close()
		e.pool = nil
	}
}

// QueueStat is how many jobs of a kind are in a state, and, for those
// available, how long the longest has waited to run.
type QueueStat struct {
	Kind   string // the kind's label
	State  string // available, scheduled, retryable or running
	Count  int
	Oldest time.Duration // available: since the oldest became due
}

// Stats counts the jobs waiting or running, by kind and state (the
// metrics' queue depth and age).
func (e *Engine) Stats(ctx context.Context) ([]QueueStat, error) {
	c, err := e.client()
	if err != nil {
		return nil, err
	}
	db := e.store.JobsDB()
	rows, err := db.QueryContext(ctx, `SELECT kind, state, COUNT(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY kind, state`)
	if err != nil {
		return nil, err
	}
	var out []QueueStat
	var kinds []string // River's kind of each of out
	labels := e.labels()
	for rows.Next() {
		var s QueueStat
		var kind string
		if err := rows.Scan(&kind, &s.State, &s.Count); err != nil {
			rows.Close()
			return nil, err
		}
		if s.Kind = labels[kind]; s.Kind == "" {
			s.Kind = "other" // a kind this binary does not know: labels stay bounded
		}
		out, kinds = append(out, s), append(kinds, kind)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, s := range out {
		if s.State != string(rivertype.JobStateAvailable) {
			continue
		}
		res, err := c.JobList(ctx, river.NewJobListParams().Kinds(kinds[i]).States(rivertype.JobStateAvailable).
			OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1))
		if err != nil {
			return nil, err
		}
		if len(res.Jobs) > 0 {
			out[i].Oldest = max(time.Since(res.Jobs[0].ScheduledAt), 0)
		}
	}
	return out, nil
}

func (e *Engine) labels() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]string, len(e.kinds))
	for k, info := range e.kinds {
		out[k] = info.label
	}
	return out
}

// migrator returns River's migrator for the store's database.
func migrator(store *sqlstore.Store) (*rivermigrate.Migrator[*sql.Tx], error) {
	var d riverdriver.Driver[*sql.Tx]
	switch store.Dialect() {
	case sqlstore.Postgres:
		d = riverdatabasesql.New(store.JobsDB())
	default:
		d = riversqlite.New(store.JobsDB())
	}
	return rivermigrate.New(d, &rivermigrate.Config{Logger: riverLogger(slog.Default())})
}

// Migrate creates or updates River's tables (river_job, river_leader …)
// in the store's database with River's own migrations, under the store's
// migration lock, and returns how many it applied. poscare migrate and
// serve run it after the store's migrations.
func Migrate(ctx context.Context, store *sqlstore.Store) (int, error) {
	m, err := migrator(store)
	if err != nil {
		return 0, err
	}
	var n int
	err = store.WithMigrationLock(ctx, func() error {
		res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if res != nil {
			n = len(res.Versions)
		}
		return err
	})
	if err != nil {
		return n, fmt.Errorf("job engine: migrate: %w", err)
	}
	return n, nil
}

// CheckSchema refuses a database without River's tables at the version
// this binary knows.
func CheckSchema(ctx context.Context, store *sqlstore.Store) error {
	m, err := migrator(store)
	if err != nil {
		return err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("job engine: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("job engine tables not current (run `poscare migrate`): %s", strings.Join(res.Messages, "; "))
	}
	return nil
}
