// Command poscare is the whole platform in one binary: the server with its
// JSON API, demo data, migrations and the administrative commands.
//
//	poscare serve   [--db DSN] [--listen ADDR]   run the server
//	poscare demo    [--db PATH] [--listen ADDR]  create demo data once, then serve
//	poscare migrate [--db DSN]                   apply database migrations
//	poscare user add --login L --name N --role R [--team-id N] …
//	poscare keys generate | keys rotate          manage field-encryption keys
//	poscare audit verify                         check the audit trail's hash chain
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"poscare"
	"poscare/console"
	"poscare/demo"
	"poscare/httpapi"
	"poscare/notify"
	"poscare/password"
	"poscare/sqlstore"
	"poscare/vault"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `poscare — operations platform for POS payment service providers

usage:
  poscare serve   [--db DSN] [--listen ADDR]    run the server (migrates first)
  poscare demo    [--db PATH] [--listen ADDR]   fill a SQLite file with demo data once, then serve
  poscare migrate [--db DSN]                    apply database migrations
  poscare user add --login L --name N --role R [--password P] [--team-id N] [--mobile M] [--email E]
  poscare staff declare-missing|declare-departed ID --reason R [--strategy backup|spread]
                                                run the emergency playbook for a staff member
  poscare keys generate                         print a fresh key ring for POSCARE_DATA_KEYS / POSCARE_INDEX_KEY
  poscare keys rotate  [--db DSN]               re-encrypt sensitive fields under the first data key
  poscare audit verify [--db DSN]               check the audit trail's hash chain
  poscare config                                print the settings, secrets redacted
  poscare version

Settings come from flags or POSCARE_* environment variables; see 'poscare config'.
`

// run is main without the process: tests call it with their own context,
// arguments and writers. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, rest, stdout, stderr, false)
	case "demo":
		err = cmdServe(ctx, rest, stdout, stderr, true)
	case "migrate":
		err = cmdMigrate(ctx, rest, stdout, stderr)
	case "user":
		if len(rest) == 0 || rest[0] != "add" {
			err = errors.New("usage: poscare user add --login L --name N --role R …")
			break
		}
		err = cmdUserAdd(ctx, rest[1:], stdout, stderr)
	case "staff":
		err = cmdStaff(ctx, rest, stdout, stderr)
	case "keys":
		switch {
		case len(rest) > 0 && rest[0] == "generate":
			fmt.Fprintf(stdout, "POSCARE_DATA_KEYS=%s\nPOSCARE_INDEX_KEY=%s\n", vault.NewKeyString(keyID()), newIndexKey())
		case len(rest) > 0 && rest[0] == "rotate":
			err = cmdKeysRotate(ctx, rest[1:], stdout, stderr)
		default:
			err = errors.New("usage: poscare keys generate | poscare keys rotate")
		}
	case "audit":
		if len(rest) == 0 || rest[0] != "verify" {
			err = errors.New("usage: poscare audit verify [--db DSN]")
			break
		}
		err = cmdAuditVerify(ctx, rest[1:], stdout, stderr)
	case "config":
		fs := flag.NewFlagSet("config", flag.ContinueOnError)
		fs.SetOutput(stderr)
		var c config
		names := []string{}
		for _, o := range options {
			names = append(names, o.name)
		}
		if c, _, err = parseConfig(fs, rest, names...); err == nil {
			c.dump(stdout)
		}
	case "version":
		fmt.Fprintln(stdout, "poscare", version)
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

// openStore opens the configured database with its key ring. With allowNewKeys
// (the demo), a missing key ring is generated into keysFile.
func openStore(ctx context.Context, c config, keysFile string) (*sqlstore.Store, error) {
	dataKeys, indexKey := c["data-keys"], c["index-key"]
	if dataKeys == "" && indexKey == "" {
		if keysFile == "" {
			keysFile = c["keys-file"]
		}
		if keysFile == "" {
			return nil, errors.New("no encryption keys: set POSCARE_DATA_KEYS and POSCARE_INDEX_KEY (see `poscare keys generate`) or --keys-file")
		}
		var err error
		if dataKeys, indexKey, err = readKeysFile(keysFile); err != nil {
			return nil, fmt.Errorf("keys file: %w", err)
		}
	}
	keys, err := vault.ParseKeys(dataKeys)
	if err != nil {
		return nil, err
	}
	idx, err := base64.StdEncoding.DecodeString(indexKey)
	if err != nil {
		return nil, fmt.Errorf("index key: %w", err)
	}
	v, err := vault.New(keys, idx)
	if err != nil {
		return nil, err
	}
	return sqlstore.Open(ctx, c["db"], v)
}

// ensureDemoKeys creates a key file beside the demo database the first
// time, readable only by its owner. Demo only: real deployments take keys
// from their secret store through the environment.
func ensureDemoKeys(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	body := fmt.Sprintf("# poscare demo keys: keep private, back up with the database\nDATA_KEYS=%s\nINDEX_KEY=%s\n", vault.NewKeyString(keyID()), newIndexKey())
	return os.WriteFile(path, []byte(body), 0o600)
}

func newLogger(c config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(c["log-level"]))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, withDemo bool) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defaults := []string{"db", "listen", "data-keys", "index-key", "keys-file", "log-level", "secure-cookies", "service-phone", "service-email", "service-wechat", "smtp-addr", "smtp-from", "sms-webhook", "wechat-webhook",
		"silent-days", "failed-attempts", "attempt-window", "overdue-tasks", "bulk-limit", "bulk-window", "stale-days", "callback-within"}
	defaults = append(defaults, "trusted-proxies")
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
	logger := newLogger(c, stderr)
	keysFile := ""
	if withDemo {
		if sqlstore.DialectOf(c["db"]) != sqlstore.SQLite {
			return errors.New("demo runs on a SQLite file only")
		}
		if c["data-keys"] == "" && c["keys-file"] == "" {
			keysFile = c["db"] + ".keys"
			if err := ensureDemoKeys(keysFile); err != nil {
				return err
			}
		}
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
	store.ServiceCentre = poscare.ServiceCentre{Name: sqlstore.DefaultServiceCentre.Name, Phone: c["service-phone"], Email: c["service-email"], WeChat: c["service-wechat"]}
	store.Policy, store.Log = policy, logger
	if err := store.Optimize(ctx); err != nil {
		logger.Warn("optimize", "err", err)
	}
	if withDemo {
		sqlstore.PasswordParams = password.Fast
		start := time.Now()
		logins, err := demo.Seed(ctx, store, demo.Default)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		// The demo keeps the costs its data were hashed with, so that a
		// login that does not exist costs what one that does costs (no
		// timing oracle); a real server hashes with password.Default.
		if logins != nil {
			fmt.Fprintf(stdout, "demo data created in %s in %s\n", c["db"], time.Since(start).Round(time.Millisecond))
		} else {
			fmt.Fprintf(stdout, "demo data already in %s\n", c["db"])
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
	api := httpapi.New(store, logger, version)
	web, err := console.New(store, logger)
	if err != nil {
		return err
	}
	web.Secure = c["secure-cookies"] == "true"
	api.ClientIP, web.ClientIP = proxies, proxies
	go web.WarmDashboard()
	// The outbox worker: every instance runs one; claims keep them apart.
	channels := map[string]notify.Channel{}
	if c["smtp-addr"] != "" {
		channels["email"] = notify.SMTP{Addr: c["smtp-addr"], From: c["smtp-from"]}
	}
	if c["sms-webhook"] != "" {
		channels["sms"] = notify.Webhook{URL: c["sms-webhook"]}
	}
	if c["wechat-webhook"] != "" {
		channels["wechat"] = notify.Webhook{URL: c["wechat-webhook"]}
	}
	store.AlertChannels = alertChannels(channels)
	// Without any channel the messages wait, queued, until one is
	// configured, instead of burning their attempts.
	if len(channels) == 0 {
		logger.Warn("no notification channel configured (--smtp-addr, --sms-webhook, --wechat-webhook): messages stay queued")
	} else {
		worker := &notify.Worker{Store: store, Channels: channels, Logger: logger}
		go worker.Run(ctx)
	}
	// A declaration whose playbook a crash interrupted is finished before
	// anyone is served, then again by every sweep (another instance's).
	resumePlaybooks(ctx, store, logger)
	go sweep(ctx, store, logger)
	root := http.NewServeMux()
	root.Handle("/api/", api)
	root.Handle("/healthz", api)
	root.Handle("/", web)
	srv := &http.Server{Handler: root, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(stdout, "poscare listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
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
	return store.CheckSchema(ctx)
}

func cmdUserAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
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
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
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
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, _, err := parseConfig(fs, args, "db")
	if err != nil {
		return err
	}
	store, err := sqlstore.Open(ctx, c["db"], nil)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.CheckSchema(ctx); err != nil {
		return err
	}
	brk, n, err := store.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if brk != nil {
		return fmt.Errorf("audit trail broken at entry %d (%s); %d entries checked", brk.Seq, brk.Reason, n)
	}
	fmt.Fprintf(stdout, "audit trail intact: %d entries checked\n", n)
	return nil
}

// cmdStaff runs the emergency playbook from the command line: the same
// store call as the console button and the API, recorded as the system.
func cmdStaff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || (args[0] != "declare-missing" && args[0] != "declare-departed") {
		return errors.New("usage: poscare staff declare-missing|declare-departed ID --reason R [--strategy backup|spread]")
	}
	kind := poscare.IncidentMissing
	if args[0] == "declare-departed" {
		kind = poscare.IncidentDeparted
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		return fmt.Errorf("staff id %q is not a number", args[1])
	}
	fs := flag.NewFlagSet("staff "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	reason := fs.String("reason", "", "why (kept in the incident and the audit trail)")
	strategy := fs.String("strategy", "backup", "backup (all to the backup) or spread (over the team by load)")
	c, _, err := parseConfig(fs, args[2:], "db", "data-keys", "index-key", "keys-file")
	if err != nil {
		return err
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
func resumePlaybooks(ctx context.Context, store *sqlstore.Store, logger *slog.Logger) {
	if n, err := store.ResumePlaybooks(ctx); err != nil && ctx.Err() == nil {
		logger.Error("resume playbooks", "err", err)
	} else if n > 0 {
		logger.Warn("interrupted playbook runs finished", "count", n)
	}
}

// sweep looks every 10 minutes for interrupted playbooks, for staff who
// went silent and for contacts due for verification.
func sweep(ctx context.Context, store *sqlstore.Store, logger *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		resumePlaybooks(ctx, store, logger)
		if n, err := store.SweepStaleContacts(ctx); err != nil && ctx.Err() == nil {
			logger.Error("stale contacts sweep", "err", err)
		} else if n > 0 {
			logger.Info("contact verification tasks created", "count", n)
		}
		if marked, err := store.SweepSilence(ctx); err != nil && ctx.Err() == nil {
			logger.Error("silence sweep", "err", err)
		} else if len(marked) > 0 {
			logger.Warn("staff suspected unreachable", "count", len(marked))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
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
