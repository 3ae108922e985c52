// Command poscare is the whole platform in one binary: the server with its
// JSON API, demo data, migrations and the administrative commands.
//
//	poscare serve   [--db DSN] [--listen ADDR]   run the server
//	poscare demo    [--db DSN] [--listen ADDR]   create demo data once, then serve
//	poscare migrate [--db DSN]                   apply database migrations
//	poscare user add --login L --name N --role R [--team-id N] …
//	poscare keys generate | keys rotate          manage the encryption and signing keys
//	poscare audit verify                         check the audit trail against its checkpoints
//	poscare copy --from DB --to POSTGRES-URL     move the whole database onto a new, empty one
//	poscare config                               print the settings (secrets redacted)
//	poscare version
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"poscare"
	"poscare/console"
	"poscare/demo"
	"poscare/httpapi"
	"poscare/jobs"
	"poscare/notify"
	"poscare/observe"
	"poscare/password"
	"poscare/sqlstore"
	"poscare/vault"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() { os.Exit(runProcess()) }

// runProcess runs the command line as a process: SIGINT and SIGTERM end
// its context, which serve takes as the signal to shut down cleanly.
func runProcess() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

const usage = `poscare — operations platform for POS payment service providers

usage:
  poscare serve   [--db DSN] [--listen ADDR]    run the server (migrates first)
  poscare demo    [--db DSN] [--listen ADDR]    fill a SQLite file (or PostgreSQL) with demo data once, then serve
  poscare migrate [--db DSN]                    apply database migrations
  poscare user add --login L --name N --role R [--password P] [--team-id N] [--mobile M] [--email E]
  poscare staff declare-missing|declare-departed ID --reason R [--strategy backup|spread]
                                                run the emergency playbook for a staff member
  poscare keys generate                         print fresh keys for POSCARE_DATA_KEYS, _INDEX_KEY, _AUDIT_KEY, _LINK_KEY
  poscare keys rotate  [--db DSN]               re-encrypt sensitive fields under the first data key
  poscare audit verify [--db DSN] [--checkpoints PATH]
                                                check the audit trail's chain and hold it against its checkpoints
  poscare backup --db DSN --to PATH             take a consistent backup (while serve runs)
  poscare backup verify PATH [--db POSTGRES-URL]  restore a backup into a temporary database and check it
  poscare restore --from PATH --db DSN          restore a backup onto a new, empty database
  poscare copy --from poscare.db --to postgres://…
                                                copy every record and the audit trail onto a new, empty database
  poscare config                                print the settings, secrets redacted
  poscare version

Settings come from flags or POSCARE_* environment variables; see 'poscare config'.
Every subcommand takes -h/--help.
`

// synopses are the first line of each subcommand's --help, by flag set
// name.
var synopses = map[string]string{
	"serve":                  "poscare serve [flags]   run the server (migrates first)",
	"demo":                   "poscare demo [flags]    fill a SQLite file or a PostgreSQL database with demo data once, then serve",
	"migrate":                "poscare migrate [--db DSN]   apply database migrations",
	"user add":               "poscare user add --login L --name N --role R [flags]   add a staff or merchant user",
	"staff declare-missing":  "poscare staff declare-missing ID --reason R [--strategy backup|spread]   run the emergency playbook for a missing staff member",
	"staff declare-departed": "poscare staff declare-departed ID --reason R [--strategy backup|spread]   run the emergency playbook for a departed staff member",
	"keys generate":          "poscare keys generate   print fresh keys for POSCARE_DATA_KEYS, _INDEX_KEY, _AUDIT_KEY and _LINK_KEY",
	"keys rotate":            "poscare keys rotate [--db DSN]   re-encrypt sensitive fields under the first data key",
	"audit verify":           "poscare audit verify [--db DSN]   check the audit trail's hash chain",
	"backup":                 "poscare backup --db DSN --to PATH   take a consistent copy of the database (SQLite online, PostgreSQL with pg_dump)",
	"backup verify":          "poscare backup verify PATH [--db POSTGRES-URL]   restore a backup into a temporary database and check its schema and audit trail",
	"restore":                "poscare restore --from PATH --db DSN   restore a backup onto a new, empty database",
	"copy":                   "poscare copy --from DSN --to DSN   copy every record and the whole audit trail onto a new, empty database (SQLite to PostgreSQL), checked there",
	"config":                 "poscare config [flags]   print the settings, secrets redacted",
	"version":                "poscare version   print the version",
}

// groups are the subcommands that only name further subcommands.
var groups = map[string][]string{
	"user":  {"add"},
	"staff": {"declare-missing", "declare-departed"},
	"keys":  {"generate", "rotate"},
	"audit": {"verify"},
}

// isHelp tells whether an argument asks for usage.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// newFlags returns a subcommand's flag set; its --help goes to stdout.
func newFlags(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	return fs
}

// run is main without the process: tests call it with their own context,
// arguments and writers. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if subs, ok := groups[cmd]; ok {
		switch {
		case len(rest) > 0 && isHelp(rest[0]):
			for _, sub := range subs {
				fmt.Fprintln(stdout, "usage: "+synopses[cmd+" "+sub])
			}
			return 0
		case len(rest) == 0 || !slices.Contains(subs, rest[0]):
			got := ""
			if len(rest) > 0 {
				got = fmt.Sprintf(" %q", rest[0])
			}
			fmt.Fprintf(stderr, "poscare: unknown %s subcommand%s; one of: %s\n", cmd, got, strings.Join(subs, ", "))
			return 2
		}
	}
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, rest, stdout, stderr, false)
	case "demo":
		err = cmdServe(ctx, rest, stdout, stderr, true)
	case "migrate":
		err = cmdMigrate(ctx, rest, stdout, stderr)
	case "user":
		err = cmdUserAdd(ctx, rest[1:], stdout, stderr)
	case "staff":
		err = cmdStaff(ctx, rest, stdout, stderr)
	case "keys":
		switch rest[0] {
		case "generate":
			if _, _, err = parseConfig(newFlags("keys generate", stdout), rest[1:]); err == nil {
				fmt.Fprintf(stdout, "POSCARE_DATA_KEYS=%s\nPOSCARE_INDEX_KEY=%s\nPOSCARE_AUDIT_KEY=%s\nPOSCARE_LINK_KEY=%s\n",
					vault.NewKeyString(keyID()), newIndexKey(), newIndexKey(), newIndexKey())
			}
		case "rotate":
			err = cmdKeysRotate(ctx, rest[1:], stdout, stderr)
		}
	case "audit":
		err = cmdAuditVerify(ctx, rest[1:], stdout, stderr)
	case "backup":
		if len(rest) > 0 && rest[0] == "verify" {
			err = cmdBackupVerify(ctx, rest[1:], stdout)
			break
		}
		err = cmdBackup(ctx, rest, stdout)
	case "restore":
		err = cmdRestore(ctx, rest, stdout)
	case "copy":
		err = cmdCopy(ctx, rest, stdout)
	case "config":
		var c config
		names := []string{}
		for _, o := range options {
			names = append(names, o.name)
		}
		if c, _, err = parseConfig(newFlags("config", stdout), rest, names...); err == nil {
			c.dump(stdout)
		}
	case "version":
		if _, _, err = parseConfig(newFlags("version", stdout), rest); err == nil {
			fmt.Fprintln(stdout, "poscare", version)
		}
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "poscare: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "poscare:", describe(err))
		return 1
	}
	return 0
}

// describe renders an error for the terminal, with field errors listed.
func describe(err error) string {
	var e *poscare.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(e.Message.Zh + " / " + e.Message.En)
	for k, v := range e.Fields {
		fmt.Fprintf(&b, "\n  %s: %s / %s", k, v.Zh, v.En)
	}
	return b.String()
}

func keyID() string { return "k" + time.Now().UTC().Format("20060102") }

func newIndexKey() string {
	k := vault.NewKeyString("x")
	return k[2:]
}

// openStore opens the configured database with its keys: each from its
// flag or environment variable, else from the keys file (keysFile, else
// --keys-file). All four are required: the data and index keys for the
// sealed fields, the audit key for the audit chain, the link key for
// confirmation links.
func openStore(ctx context.Context, c config, keysFile string) (*sqlstore.Store, error) {
	keys := map[string]string{}
	complete := true
	for _, k := range keySettings {
		keys[k.option] = c[k.option]
		complete = complete && keys[k.option] != ""
	}
	if keysFile == "" {
		keysFile = c["keys-file"]
	}
	if !complete && keysFile != "" {
		lines, err := readKeysFile(keysFile)
		if err != nil {
			return nil, fmt.Errorf("keys file: %w", err)
		}
		for _, k := range keySettings {
			if keys[k.option] == "" {
				keys[k.option] = lines[k.line]
			}
		}
	}
	if keys["data-keys"] == "" || keys["index-key"] == "" {
		hint := ""
		// The demo keeps its keys beside its database; say so rather than
		// pick them up unasked.
		if demo := c["db"] + ".keys"; !strings.HasPrefix(c["db"], "postgres") && fileExists(demo) {
			hint = fmt.Sprintf("; the demo's keys are in %s: add --keys-file %s", demo, demo)
		}
		return nil, errors.New("no encryption keys: set POSCARE_DATA_KEYS and POSCARE_INDEX_KEY (see `poscare keys generate`) or --keys-file" + hint)
	}
	if keys["audit-key"] == "" || keys["link-key"] == "" {
		return nil, errors.New("no signing keys: set POSCARE_AUDIT_KEY and POSCARE_LINK_KEY (see `poscare keys generate`), or AUDIT_KEY= and LINK_KEY= lines in --keys-file")
	}
	ring, err := vault.ParseKeys(keys["data-keys"])
	if err != nil {
		return nil, err
	}
	secret := map[string][]byte{}
	for _, name := range []string{"index-key", "audit-key", "link-key"} {
		if secret[name], err = base64.StdEncoding.DecodeString(keys[name]); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	v, err := vault.New(ring, secret["index-key"])
	if err == nil {
		v, err = v.WithSigningKeys(secret["audit-key"], secret["link-key"])
	}
	if err != nil {
		return nil, err
	}
	return sqlstore.Open(ctx, c["db"], v)
}

// ensureDemoKeys creates a key file beside the demo database the first
// time, readable only by its owner, and adds the signing keys to one
// written before they existed, so an old demo database keeps its data
// keys. Demo only: real deployments take keys from their secret store
// through the environment.
func ensureDemoKeys(path string) error {
	lines, err := readKeysFile(path)
	if errors.Is(err, os.ErrNotExist) {
		body := fmt.Sprintf("# poscare demo keys: keep private, back up with the database\nDATA_KEYS=%s\nINDEX_KEY=%s\nAUDIT_KEY=%s\nLINK_KEY=%s\n",
			vault.NewKeyString(keyID()), newIndexKey(), newIndexKey(), newIndexKey())
		return os.WriteFile(path, []byte(body), 0o600)
	}
	if err != nil {
		return err
	}
	var add string
	for _, line := range []string{"AUDIT_KEY", "LINK_KEY"} {
		if lines[line] == "" {
			add += line + "=" + newIndexKey() + "\n"
		}
	}
	if add == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("\n" + add)
	return errors.Join(err, f.Close())
}

// auditCheckpoints is where the audit chain's head is checkpointed: the
// setting, else beside a SQLite database. PostgreSQL has no file of its
// own to sit beside, so there it must be named.
func auditCheckpoints(c config) (string, error) {
	if p := c["audit-checkpoints"]; p != "" {
		return p, nil
	}
	if sqlstore.DialectOf(c["db"]) == sqlstore.SQLite {
		return strings.TrimPrefix(c["db"], "sqlite://") + ".audit-checkpoints", nil
	}
	return "", errors.New("--audit-checkpoints (POSCARE_AUDIT_CHECKPOINTS) is required with PostgreSQL: the audit chain's head is checkpointed to a file outside the database")
}

// auditCheckpointEvery is how often serve checkpoints the audit chain's
// head, when it moved.
const auditCheckpointEvery = time.Minute

// checkpointAudit writes a checkpoint at start and then every
// auditCheckpointEvery until ctx ends.
func checkpointAudit(ctx context.Context, store *sqlstore.Store, logger *slog.Logger, m *observe.Metrics) {
	t := time.NewTicker(auditCheckpointEvery)
	defer t.Stop()
	for {
		start := time.Now()
		m.Job("audit_checkpoint", start, writeAuditCheckpoint(ctx, store, logger))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// writeAuditCheckpoint checkpoints the head to the file and repeats the
// line in the log, for log shipping to carry off the machine. It returns
// the error it logged.
func writeAuditCheckpoint(ctx context.Context, store *sqlstore.Store, logger *slog.Logger) error {
	cp, written, err := store.CheckpointAudit(ctx)
	if err != nil {
		if ctx.Err() == nil {
			logger.Error("audit checkpoint", "err", err)
		}
		return err
	}
	if written {
		logger.Info(sqlstore.AuditCheckpointMarker, "seq", cp.Seq, "hash", cp.Hash, "at", cp.At.Format(time.RFC3339Nano), "mac", cp.MAC)
	}
	return nil
}

// newLogger logs at --log-level, as text (key=value) or one JSON object a
// line (--log-format).
func newLogger(c config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(c["log-level"]))
	opts := &slog.HandlerOptions{Level: lvl}
	if c["log-format"] == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, withDemo bool) error {
	name := "serve"
	if withDemo {
		name = "demo"
	}
	fs := newFlags(name, stdout)
	defaults := []string{"db", "listen", "data-keys", "index-key", "keys-file", "audit-checkpoints", "log-level", "secure-cookies", "service-phone", "service-email", "service-wechat", "smtp-addr", "smtp-from", "sms-webhook", "wechat-webhook",
		"silent-days", "failed-attempts", "attempt-window", "overdue-tasks", "bulk-limit", "bulk-window", "stale-days", "callback-within",
		"backup-dir", "backup-every", "backup-keep", "pg-bin", "shutdown-grace"}
	defaults = append(defaults, "trusted-proxies", "sweep-every")
	defaults = append(defaults, "smtp-url", "smtp-ca-file")
	defaults = append(defaults, observeOptions...)
	c, _, err := parseConfig(fs, args, defaults...)
	if err != nil {
		return err
	}
	policy, err := c.policy()
	if err != nil {
		return err
	}
	proxies, err := c.trustedProxies()
	if err != nil {
		return err
	}
	email, err := c.emailChannel()
	if err != nil {
		return err
	}
	logger := newLogger(c, stderr)
	keysFile := ""
	if withDemo {
		if keysFile, err = demoFiles(c); err != nil {
			return err
		}
	}
	checkpoints, err := auditCheckpoints(c)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, c, keysFile)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := store.CheckSchema(ctx); err != nil {
		return err
	}
	if _, err := jobs.Migrate(ctx, store); err != nil {
		return err
	}
	store.ServiceCentre = poscare.ServiceCentre{Name: sqlstore.DefaultServiceCentre.Name, Phone: c["service-phone"], Email: c["service-email"], WeChat: c["service-wechat"]}
	store.Desk.PublicURL = strings.TrimRight(c["public-url"], "/")
	store.Policy, store.Log, store.AuditCheckpoints = policy, logger, checkpoints
	metrics := observe.New(version)
	metrics.WatchStore(store)
	ready := &observe.Readiness{Store: store, Logger: logger}
	if err := store.Optimize(ctx); err != nil {
		logger.Warn("optimize", "err", err)
	}
	if withDemo {
		store.PasswordParams = password.Fast
		start := time.Now()
		logins, err := demo.Seed(ctx, store, demo.Default)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		// The demo keeps the costs its data were hashed with, so that a
		// login that does not exist costs what one that does costs (no
		// timing oracle); a real server hashes with password.Default.
		if logins != nil {
			fmt.Fprintf(stdout, "demo data created in %s in %s\n", redactURL(c["db"]), time.Since(start).Round(time.Millisecond))
		} else {
			fmt.Fprintf(stdout, "demo data already in %s\n", redactURL(c["db"]))
		}
		users, err := store.ListUsers(ctx, poscare.SystemActor("demo"), sqlstore.UserFilter{Page: poscare.Page{Limit: 100}})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "demo logins (password for all: "+demo.Password+"):")
		for _, u := range users {
			status := ""
			if u.Status != poscare.UserActive {
				status = " (" + string(u.Status) + ")"
			}
			fmt.Fprintf(stdout, "  %-10s %-9s %s%s\n", u.Login, u.Role, u.Name, status)
		}
	}
	ln, err := net.Listen("tcp", c["listen"])
	if err != nil {
		return err
	}
	defer ln.Close() // when anything below fails before serving; harmless after
	// Both listeners are taken before any background work starts, so a
	// failure here leaves nothing running on a store about to close.
	stopMetrics, err := serveMetrics(c["metrics-listen"], metrics, ready, logger, stdout)
	if err != nil {
		return err
	}
	defer stopMetrics()
	api := httpapi.New(store, logger, version)
	web, err := console.New(store, logger)
	if err != nil {
		return err
	}
	web.Secure = c.bool("secure-cookies")
	api.ClientIP, web.ClientIP = proxies, proxies
	store.BackupDir, store.PGBin = backupDir(c), c["pg-bin"]
	grace := c.duration("shutdown-grace")
	// Background work runs until ctx ends (SIGTERM); the store closes only
	// once every piece of it has returned, so that nothing it began goes
	// unrecorded.
	var background sync.WaitGroup
	goBackground := func(f func()) {
		background.Add(1)
		go func() {
			defer background.Done()
			f()
		}()
	}
	// The outbox worker sends the messages; the job engine runs it, a
	// batch per job, on whichever instance fetches the job.
	channels := map[string]notify.Channel{}
	if email != nil {
		channels["email"] = *email
		if c["smtp-addr"] != "" {
			logger.Warn("--smtp-addr is deprecated: use --smtp-url smtp://host:port")
		}
	}
	if c["sms-webhook"] != "" {
		channels["sms"] = notify.Webhook{URL: c["sms-webhook"]}
	}
	if c["wechat-webhook"] != "" {
		channels["wechat"] = notify.Webhook{URL: c["wechat-webhook"]}
	}
	store.AlertChannels = alertChannels(channels)
	web.Channels = slices.DeleteFunc([]string{"email", "sms", "wechat"}, func(ch string) bool { return channels[ch] == nil })
	var worker *notify.Worker
	// Without any channel the messages wait, queued, until one is
	// configured, instead of burning their attempts.
	if len(channels) == 0 {
		logger.Warn("no notification channel configured (--smtp-url, --sms-webhook, --wechat-webhook): messages stay queued")
	} else {
		worker = &notify.Worker{Store: store, Channels: channels, Logger: logger, Grace: grace}
	}
	// The job engine: the outbox deliveries, the sweeps, the playbook's
	// resumes and checks run as jobs in the database, queued in the
	// transaction that causes them; periodic ones are queued by one
	// elected instance, so each runs once across all of them.
	// A declaration whose playbook a crash interrupted is finished before
	// anyone is served, and before the job engine starts, so that its
	// periodic resume cannot take the same declaration at the same time
	// and be cut off by a shutdown right after; later ones are the resume
	// job's.
	resumePlaybooks(ctx, store, logger, metrics)
	every := c.duration("sweep-every")
	engine := jobs.New(store, jobs.Config{DSN: c["db"], Logger: logger, Observer: metrics})
	mailbox, err := c.mailbox()
	if err != nil {
		return err
	}
	if err := registerJobs(engine, jobDeps{store: store, worker: worker, web: web, logger: logger, metrics: metrics, every: every,
		mailbox: mailbox, mailEvery: c.duration("imap-every")}); err != nil {
		return err
	}
	if err := engine.Start(ctx); err != nil {
		return err
	}
	store.Jobs = engine
	metrics.WatchJobs(jobStats(engine))
	goBackground(func() {
		<-ctx.Done()
		// Sends under way finish within the grace period and are
		// recorded; what was claimed but not begun goes back at once. The
		// engine waits a little longer than that grace for the outcomes
		// to be written (the store closes after it).
		stop, cancel := context.WithTimeout(context.Background(), grace+3*time.Second)
		defer cancel()
		if err := engine.Stop(stop); err != nil {
			logger.Warn("shutdown: jobs still under way were cut off", "err", err)
		}
	})
	// At start, whether or not this instance is elected to queue the
	// periodic jobs: the dashboard's count into this process's cache, a
	// look at the outbox (a start after a crash may follow the last
	// delivery, and the instance that died may have been the leader,
	// whose term outlives it by seconds), and the informed check after it.
	start := []sqlstore.JobArgs{warmDashboard{}, sqlstore.MarkInformed{}}
	if worker != nil {
		start = append(start, sqlstore.DeliverOutbox{})
	}
	for _, args := range start {
		if err := engine.Enqueue(ctx, args); err != nil {
			logger.Warn("queue job at start", "kind", args.Kind(), "err", err)
		}
	}
	// /readyz: the job runner is up (it works the outbox and the sweeps,
	// whichever instance's turn each job is).
	beats := []*observe.Heartbeat{ready.Heartbeat("jobs", 10*time.Second), ready.Heartbeat("sweep", 3*every)}
	if worker != nil {
		beats = append(beats, ready.Heartbeat("outbox_worker", 3*store.SendLeaseOf()))
	}
	goBackground(func() { beatWhileRunning(ctx, engine, beats...) })
	goBackground(func() { checkpointAudit(ctx, store, logger, metrics) })
	if every := c.duration("backup-every"); every > 0 {
		keep, _ := strconv.Atoi(c["backup-keep"])
		goBackground(func() { scheduleBackups(ctx, store, store.BackupDir, every, keep, logger, metrics) })
	}
	root := rootHandler(api, web, metrics, ready, logger)
	srv := &http.Server{Handler: root, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(stdout, "poscare listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	// Stop accepting, let the requests under way finish within the grace
	// period, and wait for the background work (the worker records the
	// outcome of every send it began) before the deferred Close.
	logger.Info("shutting down", "grace", grace)
	shutdown, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		logger.Warn("shutdown: requests still under way were cut off", "err", err)
	}
	finished := make(chan struct{})
	go func() {
		background.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(grace + 5*time.Second):
		logger.Error("shutdown: background work did not finish within the grace period; closing the store")
	}
	// The last checkpoint, once nothing else writes.
	writeAuditCheckpoint(context.Background(), store, logger)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stdout)
	c, _, err := parseConfig(fs, args, "db")
	if err != nil {
		return err
	}
	// Migrations touch no encrypted value, so they need no keys.
	store, err := sqlstore.Open(ctx, c["db"], nil)
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	if err := store.CheckSchema(ctx); err != nil {
		return err
	}
	// The job engine's tables, with River's own migrations.
	if n, err = jobs.Migrate(ctx, store); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d job engine migration(s)\n", n)
	return jobs.CheckSchema(ctx, store)
}

func cmdUserAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("user add", stdout)
	login := fs.String("login", "", "login name")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "", "admin, ops, lead, agent, tech, auditor or merchant")
	pw := fs.String("password", "", "password (default: read POSCARE_NEW_PASSWORD, else one is generated and printed)")
	team := fs.Int64("team-id", 0, "team id (agents and leads)")
	merchant := fs.Int64("merchant-id", 0, "merchant id (merchant users)")
	mobile := fs.String("mobile", "", "mobile number")
	email := fs.String("email", "", "email address")
	c, _, err := parseConfig(fs, args, "db", "data-keys", "index-key", "keys-file")
	if err != nil {
		return err
	}
	store, err := openMigrated(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	u := &poscare.User{Login: *login, Name: *name, Role: poscare.Role(*role), Mobile: *mobile, Email: *email}
	if *team > 0 {
		u.TeamID = team
	}
	if *merchant > 0 {
		u.MerchantID = merchant
	}
	secret := *pw
	if secret == "" {
		secret = os.Getenv("POSCARE_NEW_PASSWORD")
	}
	generated := false
	if secret == "" {
		secret, generated = vault.NewKeyString("x")[2:22], true
	}
	if err := store.CreateUser(ctx, poscare.SystemActor("cli"), u, secret); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %d %s (%s)\n", u.ID, u.Login, u.Role)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", secret)
	}
	return nil
}

func cmdKeysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys rotate", stdout)
	c, _, err := parseConfig(fs, args, "db", "data-keys", "index-key", "keys-file")
	if err != nil {
		return err
	}
	store, err := openMigrated(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := store.RotateKeys(ctx, poscare.SystemActor("cli"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-encrypted %d merchant(s) under key %s\n", n, store.Vault().ActiveKeyID())
	return nil
}

func cmdAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit verify", stdout)
	path := fs.String("checkpoints", "", "checkpoint file, or a log repeating its lines (default: the audit-checkpoints setting, or the file beside a SQLite database)")
	c, _, err := parseConfig(fs, args, "db", "data-keys", "index-key", "keys-file", "audit-checkpoints")
	if err != nil {
		return err
	}
	// A file named on purpose must be there; the default one may not be
	// yet (no server has run).
	named := *path != "" || c["audit-checkpoints"] != ""
	if *path == "" {
		*path, _ = auditCheckpoints(c)
	}
	store, err := openMigrated(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	checked := "no checkpoints to hold it against, so deleted newest entries cannot be seen"
	if *path != "" {
		if _, err := os.Stat(*path); err == nil {
			store.AuditCheckpoints, checked = *path, "held against the checkpoints in "+*path
		} else if named {
			return fmt.Errorf("audit checkpoints: %w", err)
		}
	}
	brk, n, err := store.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if brk != nil {
		return fmt.Errorf("audit trail broken at entry %d (%s): %s; %d entries checked", brk.Seq, brk.Kind, brk.Reason, n)
	}
	fmt.Fprintf(stdout, "audit trail intact: %d entries checked, %s\n", n, checked)
	return nil
}

// cmdStaff runs the emergency playbook from the command line: the same
// store call as the console button and the API, recorded as the system.
func cmdStaff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kind := poscare.IncidentMissing
	if args[0] == "declare-departed" {
		kind = poscare.IncidentDeparted
	}
	fs := newFlags("staff "+args[0], stdout)
	reason := fs.String("reason", "", "why (kept in the incident and the audit trail)")
	strategy := fs.String("strategy", "backup", "backup (all to the backup) or spread (over the team by load)")
	// The staff member's id comes first; the flags follow it.
	rest, idArg := args[1:], ""
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		idArg, rest = rest[0], rest[1:]
	}
	c, _, err := parseConfig(fs, rest, "db", "data-keys", "index-key", "keys-file")
	if err != nil {
		return err
	}
	if idArg == "" {
		return fmt.Errorf("the staff member's id is missing (see `poscare staff %s --help`)", args[0])
	}
	id, err := strconv.ParseInt(idArg, 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("staff id %q is not a number", idArg)
	}
	store, err := openMigrated(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	x, err := store.DeclareIncident(ctx, poscare.SystemActor("cli"), id, poscare.Declaration{Kind: kind, Reason: *reason, Strategy: poscare.Strategy(*strategy)})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "incident %d: %d merchants, %d backup roles, %d onboarding stages, %d colleagues' backups handed over; %d notices queued\n",
		x.ID, x.Handed.Merchants, x.Handed.BackupRoles, x.Handed.Stages, x.Handed.CoveredStaff, x.Handed.Notifications)
	for _, e := range x.Timeline {
		fmt.Fprintf(stdout, "  %s  %s\n", e.At.Format("2006-01-02 15:04:05"), e.Text.Zh)
	}
	return nil
}

// resumePlaybooks finishes interrupted playbook runs and says so.
func resumePlaybooks(ctx context.Context, store *sqlstore.Store, logger *slog.Logger, m *observe.Metrics) {
	start := time.Now()
	n, err := store.ResumePlaybooks(ctx)
	m.Job("playbook_resume", start, err)
	if err != nil && ctx.Err() == nil {
		logger.Error("resume playbooks", "err", err)
	} else if n > 0 {
		logger.Warn("interrupted playbook runs finished", "count", n)
	}
}

// openMigrated opens the configured store for an administrative command
// and refuses a schema this binary does not know.
func openMigrated(ctx context.Context, c config) (*sqlstore.Store, error) {
	store, err := openStore(ctx, c, "")
	if err != nil {
		return nil, err
	}
	if err := store.CheckSchema(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// alertChannels are the channels staff alerts go through: every one there
// is, or, with none configured, email, which waits queued like everything
// else until a mail server is set.
func alertChannels(channels map[string]notify.Channel) []string {
	var out []string
	for _, ch := range []string{"email", "sms", "wechat"} {
		if channels[ch] != nil {
			out = append(out, ch)
		}
	}
	if len(out) == 0 {
		out = []string{"email"}
	}
	return out
}

// fileExists reports whether path names an existing file.
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
