package main

import (
	"bufio"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"poscare/mailin"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"poscare"
	"poscare/clientip"
	"poscare/notify"
)

// option is one configuration setting. Every setting is declared here once:
// its flag name, its POSCARE_* environment variable, its default, whether
// it is a secret (never printed) and what it is for.
type option struct {
	name   string
	def    string
	secret bool
	help   string
	// boolean options take true/false as Go's strconv.ParseBool reads them
	// (1, t, TRUE, 0, f, False …) and may stand alone: --secure-cookies.
	boolean bool
	// check refuses a value that is not one of the option's own; nil
	// accepts any.
	check func(string) error
	// redact shows a secret's value in `poscare config` without its
	// secret part; nil hides the whole value.
	redact func(string) string
}

var options = []option{
	{name: "db", def: "poscare.db", help: "database: a SQLite file path, or a postgres:// URL"},
	{name: "listen", def: "127.0.0.1:8080", help: "address to serve HTTP on (port 0 picks a free port)"},
	{name: "data-keys", secret: true, help: "field-encryption key ring 'id:base64,id:base64'; the first key encrypts"},
	{name: "index-key", secret: true, help: "base64 key (32+ bytes) for blind indexes of encrypted fields"},
	{name: "keys-file", help: "file with DATA_KEYS=…, INDEX_KEY=…, AUDIT_KEY=… and LINK_KEY=… lines, for the keys not set by flag or environment"},
	{name: "audit-key", secret: true, help: "base64 key (32+ bytes) that chains the audit trail (HMAC) and signs its checkpoints; keep it apart from the database"},
	{name: "link-key", secret: true, help: "base64 key (32+ bytes) that signs merchants' contact-confirmation links"},
	{name: "audit-checkpoints", help: "append-only file the server writes the audit chain's head to, every minute it moved and at shutdown (default: DB.audit-checkpoints beside a SQLite file; required with PostgreSQL)"},
	{name: "log-level", def: "info", help: "debug, info, warn or error", check: oneOf("debug", "info", "warn", "error")},
	{name: "secure-cookies", def: "false", boolean: true, help: "mark console cookies Secure (set true when served over HTTPS)"},
	{name: "service-phone", def: "400-800-9000", help: "24-hour merchant service centre: phone, the last link of every service-contact chain"},
	{name: "service-email", def: "service@poscare.example", help: "24-hour merchant service centre: email"},
	{name: "service-wechat", def: "", help: "24-hour merchant service centre: WeChat ID"},
	// Email notifications.
	{name: "smtp-url", secret: true, redact: redactSMTPURL, help: "mail server for email notifications: smtp://host:25 (STARTTLS when offered), smtp://user:password@host:587 (STARTTLS required, SMTP AUTH), smtps://user:password@host:465 (implicit TLS), ?tls=none|opportunistic|starttls; user and password URL-encoded; credentials only over TLS (empty: email not sent)"},
	{name: "smtp-addr", def: "", help: "deprecated: mail server host:port, the same as --smtp-url smtp://host:port (plain SMTP, STARTTLS when offered, no login)"},
	{name: "smtp-from", def: "service@poscare.example", help: "sender address of email notifications, optionally with a name: \"POS 服务中心 <service@poscare.example>\""},
	{name: "smtp-ca-file", def: "", help: "PEM file of the certificate authorities the mail server's certificate must chain to, instead of the system's (a private CA)"},
	{name: "public-url", def: "http://127.0.0.1:8080", help: "where merchants reach this server, for the links in mail (the service desk's rating links)"},
	// The service desk's mailbox.
	{name: "imap-url", secret: true, redact: redactIMAPURL, help: "the service desk's mailbox, fetched for tickets: imaps://user:password@host:993/INBOX (implicit TLS), or imap://… for a server on this machine; user and password URL-encoded (empty: no mail in)"},
	{name: "imap-every", def: "10s", help: "how often the service desk's mailbox is fetched (Go duration)", check: duration},
	{name: "sms-webhook", def: "", help: "URL of the SMS gateway webhook (empty: SMS not sent)"},
	{name: "wechat-webhook", def: "", help: "URL of the WeChat message webhook (empty: WeChat not sent)"},
	{name: "silent-days", def: "3", help: "days without login, API call or finished task before a salesperson is suspected unreachable"},
	{name: "failed-attempts", def: "3", help: "colleagues who failed to reach a salesperson, within attempt-window, that make them suspected unreachable (each colleague counts once)"},
	{name: "attempt-window", def: "48h", help: "window for failed contact attempts (Go duration: 48h, 90m)"},
	{name: "overdue-tasks", def: "5", help: "open tasks past their deadline that make a salesperson suspected unreachable"},
	{name: "bulk-limit", def: "20", help: "merchant/contact archives and contact-detail removals one person may make within bulk-window; more are refused and alerted"},
	{name: "bulk-window", def: "1h", help: "window for bulk-limit (Go duration)"},
	{name: "stale-days", def: "180", help: "days a contact may go unverified before its account manager gets a verification task"},
	{name: "callback-within", def: "4h", help: "how soon a merchant's callback request must be answered (Go duration); overdue ones are a silence signal"},
	// Backups and shutdown.
	{name: "backup-dir", def: "", help: "folder for backups taken by the server (scheduled, or from an incident page); empty: backups/ beside the SQLite file, ./backups for PostgreSQL"},
	{name: "backup-every", def: "0", help: "take a backup this often (Go duration, e.g. 24h); 0: no scheduled backups", check: duration},
	{name: "backup-keep", def: "7", help: "scheduled backups kept in backup-dir, newest first; older ones of poscare's naming are deleted", check: atLeast(1)},
	{name: "pg-bin", def: "", help: "folder with pg_dump and pg_restore (empty: PATH, then /usr/lib/postgresql/*/bin)"},
	{name: "sweep-every", def: "10m", help: "how often the server sweeps for interrupted playbooks, silent staff and contacts due for verification (Go duration, at least 1s); each sweep is a job run once across all instances, by whichever takes it, and each finding is acted on once", check: func(v string) error {
		if d, err := time.ParseDuration(v); err != nil || d < time.Second {
			return errors.New("must be a duration of at least 1s, such as 30s or 10m")
		}
		return nil
	}},
	{name: "shutdown-grace", def: "30s", help: "on SIGTERM, how long in-flight requests and notification sends may take to finish (Go duration)", check: duration},
	{name: "trusted-proxies", def: "", help: "comma-separated CIDRs of the reverse proxies in front of poscare, whose X-Forwarded-For is believed (empty: none; the peer address is the client)"},
	// Observability (observe.go).
	{name: "log-format", def: "text", help: "log lines as text (key=value) or json (one object a line)", check: oneOf("text", "json")},
	{name: "metrics-listen", def: "", help: "a second address serving /metrics and /readyz without a token, for a scraper on a private network (empty: off; /metrics on the main address needs an admin or ops token)", check: listenAddress},
}

// oneOf accepts only the listed values.
func oneOf(values ...string) func(string) error {
	return func(v string) error {
		for _, ok := range values {
			if v == ok {
				return nil
			}
		}
		return fmt.Errorf("must be one of %s", strings.Join(values, ", "))
	}
}

// duration accepts a Go duration that is not negative.
func duration(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return errors.New("must be a duration such as 30s, 90m or 24h")
	}
	return nil
}

// atLeast accepts a whole number of at least n.
func atLeast(n int) func(string) error {
	return func(v string) error {
		if i, err := strconv.Atoi(v); err != nil || i < n {
			return fmt.Errorf("must be a whole number of at least %d", n)
		}
		return nil
	}
}

// trustedProxies reads --trusted-proxies; a bad entry is an error naming
// the setting in both languages.
func (c config) trustedProxies() (clientip.Resolver, error) {
	nets, err := clientip.ParseTrusted(c["trusted-proxies"])
	var bad *clientip.EntryError
	if errors.As(err, &bad) {
		p := poscare.Problems{}
		p.Add("trusted_proxies", fmt.Sprintf("应为逗号分隔的网段（如 10.0.0.0/8，主机位为零）或IP地址，%q 不是", bad.Entry),
			fmt.Sprintf("must be comma-separated CIDRs (such as 10.0.0.0/8, no host bits set) or IP addresses, not %q", bad.Entry))
		// Named by its setting, as the operator typed it.
		e := p.Err().(*poscare.Error)
		e.Fields = map[string]poscare.Text{"--trusted-proxies": p["trusted_proxies"]}
		return clientip.Resolver{}, e
	}
	if err != nil {
		return clientip.Resolver{}, err
	}
	return clientip.Resolver{Trusted: nets}, nil
}

// policyOptions are the settings of the continuity policy, by the field
// name poscare.ContinuityPolicy.Validate reports.
var policyOptions = map[string]string{
	"silent_days": "silent-days", "failed_attempts": "failed-attempts", "attempt_window": "attempt-window",
	"overdue_tasks": "overdue-tasks", "bulk_limit": "bulk-limit", "bulk_window": "bulk-window", "stale_after": "stale-days",
	"callback_within": "callback-within",
}

// policy reads the continuity policy from the settings. A value that is
// not a number or a duration, or that is out of range, is an error naming
// its setting.
func (c config) policy() (poscare.ContinuityPolicy, error) {
	var p poscare.ContinuityPolicy
	bad := poscare.Problems{}
	count := func(field string) int {
		v := c[policyOptions[field]]
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			bad.Add(field, fmt.Sprintf("应为整数，而不是 %q", v), fmt.Sprintf("must be a whole number, not %q", v))
		}
		return n
	}
	span := func(field string) time.Duration {
		v := c[policyOptions[field]]
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			bad.Add(field, fmt.Sprintf("应为时长（如 48h、90m），而不是 %q", v), fmt.Sprintf("must be a duration such as 48h or 90m, not %q", v))
		}
		return d
	}
	p.SilentDays, p.FailedAttempts, p.OverdueTasks, p.BulkLimit = count("silent_days"), count("failed_attempts"), count("overdue_tasks"), count("bulk_limit")
	p.AttemptWindow, p.BulkWindow, p.CallbackWithin = span("attempt_window"), span("bulk_window"), span("callback_within")
	p.StaleAfter = time.Duration(count("stale_after")) * 24 * time.Hour
	err := bad.Err()
	if err == nil {
		err = p.Validate()
	}
	var e *poscare.Error
	if !errors.As(err, &e) {
		return p, err
	}
	// Name each problem by its setting, as the operator typed it.
	named := &poscare.Error{Code: e.Code, Message: e.Message, Fields: map[string]poscare.Text{}}
	for field, msg := range e.Fields {
		named.Fields["--"+policyOptions[field]] = msg
	}
	return p, named
}

// config holds the resolved settings.
type config map[string]string

func envName(opt string) string {
	return "POSCARE_" + strings.ToUpper(strings.ReplaceAll(opt, "-", "_"))
}

// optionValue is one option's flag: it normalises booleans and refuses
// what the option's check refuses.
type optionValue struct {
	o       *option
	v       string
	refused error // why the last value was refused, told without the value
}

func (v *optionValue) String() string {
	if v == nil || v.o == nil {
		return ""
	}
	return v.v
}

func (v *optionValue) Set(s string) error {
	if v.o.boolean {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("must be true or false (or 1/0, t/f)")
		}
		s = strconv.FormatBool(b)
	}
	if v.o.check != nil {
		if err := v.o.check(s); err != nil {
			v.refused = err
			return err
		}
	}
	v.v = s
	return nil
}

// IsBoolFlag lets a boolean option stand alone on the command line.
func (v *optionValue) IsBoolFlag() bool { return v.o.boolean }

// parseConfig resolves settings: flag, else environment variable, else
// default. Only the named options are accepted by this subcommand, and
// nothing is left over: an argument that is not a flag is refused, as are
// unknown flags and values an option does not take. With -h or --help it
// writes the subcommand's usage to the flag set's output and returns
// flag.ErrHelp, which the command line turns into exit code 0. The
// returned arguments are always empty; the result keeps its shape for
// callers. The signing keys go wherever the data keys go: every command
// that opens the vault writes audit entries.
func parseConfig(fs *flag.FlagSet, args []string, names ...string) (config, []string, error) {
	return parseOptions(options, fs, args, names...)
}

// parseOptions is parseConfig over a given list of options.
func parseOptions(options []option, fs *flag.FlagSet, args []string, names ...string) (config, []string, error) {
	if slices.Contains(names, "data-keys") {
		for _, k := range []string{"audit-key", "link-key"} {
			if !slices.Contains(names, k) {
				names = append(names[:len(names):len(names)], k)
			}
		}
	}
	set := map[string]*optionValue{}
	for i := range options {
		o := &options[i]
		for _, n := range names {
			if n != o.name {
				continue
			}
			v := &optionValue{o: o}
			if err := v.Set(o.def); err != nil {
				return nil, nil, fmt.Errorf("default of --%s: %w", o.name, err)
			}
			if env, ok := os.LookupEnv(envName(o.name)); ok {
				if err := v.Set(strings.TrimSpace(env)); err != nil {
					if o.secret { // never echo a secret
						return nil, nil, fmt.Errorf("invalid value for %s: %w", envName(o.name), err)
					}
					return nil, nil, fmt.Errorf("invalid value %q for %s: %w", env, envName(o.name), err)
				}
			}
			fs.Var(v, o.name, o.help+" (env "+envName(o.name)+")")
			if o.secret {
				fs.Lookup(o.name).DefValue = ""
			} else {
				fs.Lookup(o.name).DefValue = o.def
			}
			set[o.name] = v
		}
	}
	// The flag package would print errors with the whole usage; the
	// command line prints the error alone, and the usage on request.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(fs)
		return nil, nil, err
	}
	if err != nil {
		// The flag package quotes the value it refused; a secret's is not
		// repeated.
		for name, v := range set {
			if v.o.secret && v.refused != nil {
				return nil, nil, fmt.Errorf("invalid value for --%s: %w (see `poscare %s --help`)", name, v.refused, fs.Name())
			}
		}
		return nil, nil, fmt.Errorf("%w (see `poscare %s --help`)", err, fs.Name())
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected argument %q (see `poscare %s --help`)", fs.Arg(0), fs.Name())
	}
	c := config{}
	for k, v := range set {
		c[k] = v.v
	}
	return c, nil, nil
}

// printUsage writes a subcommand's synopsis and its flags.
func printUsage(fs *flag.FlagSet) {
	w := fs.Output()
	syn := synopses[fs.Name()]
	if syn == "" {
		syn = "poscare " + fs.Name() + " [flags]"
	}
	fmt.Fprintf(w, "usage: %s\n", syn)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
	}
}

// bool reads a boolean setting; parseConfig has normalised it.
func (c config) bool(name string) bool { return c[name] == "true" }

// duration reads a duration setting; parseConfig has checked it.
func (c config) duration(name string) time.Duration {
	d, _ := time.ParseDuration(c[name])
	return d
}

// dump writes the settings with secrets redacted.
func (c config) dump(w io.Writer) {
	var keys []string
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := redactURL(c[k])
		for _, o := range options {
			if o.name == k && o.secret && c[k] != "" {
				if o.redact != nil {
					v = o.redact(c[k])
				} else {
					v = "(redacted)"
				}
			}
		}
		fmt.Fprintf(w, "%s=%s\n", k, v)
	}
}

// redactURL hides the credentials a URL may carry (a webhook's API key in
// its user-info or query, a database password): both are shown as
// (redacted). Anything that is not such a URL is returned as it is.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" || (u.User == nil && u.RawQuery == "" && u.Fragment == "") {
		return v
	}
	out := u.Scheme + "://"
	if u.User != nil {
		out += "(redacted)@"
	}
	out += u.Host + u.EscapedPath()
	if u.RawQuery != "" || u.ForceQuery {
		out += "?(redacted)"
	}
	if u.Fragment != "" {
		out += "#(redacted)"
	}
	return out
}

// keySettings are the keys a store opens with: their setting and their
// line in a keys file.
var keySettings = []struct{ option, line string }{
	{"data-keys", "DATA_KEYS"}, {"index-key", "INDEX_KEY"}, {"audit-key", "AUDIT_KEY"}, {"link-key", "LINK_KEY"},
}

// readKeysFile reads the NAME=value lines of a keys file (DATA_KEYS,
// INDEX_KEY, AUDIT_KEY, LINK_KEY), by name.
func readKeysFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out, sc.Err()
}

// redactSMTPURL shows --smtp-url as the server reads it, without the
// user-info: smtp://(redacted)@mail.example:587?tls=starttls. A URL the
// server would refuse is hidden whole, since what looks like its host or
// path may be part of a password.
func redactSMTPURL(v string) string {
	s, err := notify.ParseSMTPURL(v)
	if err != nil {
		return "(redacted)"
	}
	out := "smtp://"
	if s.TLS == notify.SMTPImplicitTLS {
		out = "smtps://"
	}
	if s.Username != "" {
		out += "(redacted)@"
	}
	out += s.Addr
	if s.TLS != notify.SMTPImplicitTLS {
		out += "?tls=" + string(s.TLS)
	}
	return out
}

// redactIMAPURL shows --imap-url without its user and password.
func redactIMAPURL(v string) string {
	x, err := mailin.ParseURL(v)
	if err != nil {
		return "(redacted)"
	}
	return x.Redacted()
}

// mailbox is the service desk's mailbox from --imap-url; nil when none is
// set. A bad URL is an error naming the setting, never quoting it.
func (c config) mailbox() (*mailin.IMAP, error) {
	if c["imap-url"] == "" {
		return nil, nil
	}
	x, err := mailin.ParseURL(c["imap-url"])
	var bad *mailin.URLError
	if errors.As(err, &bad) {
		return nil, &poscare.Error{Code: poscare.EInvalid, Message: poscare.Text{Zh: "配置有误", En: "invalid setting"},
			Fields: map[string]poscare.Text{"--imap-url": {Zh: "服务台邮箱：" + bad.Zh, En: "service desk mailbox: " + bad.En}}}
	}
	return &x, err
}

// emailChannel builds the email channel from --smtp-url (or the
// deprecated --smtp-addr), --smtp-from and --smtp-ca-file; nil when no
// mail server is set. Every problem is an error naming its setting, and
// none quotes --smtp-url, which may hold a password.
func (c config) emailChannel() (*notify.SMTP, error) {
	invalid := func(setting, zh, en string) error {
		return &poscare.Error{Code: poscare.EInvalid, Message: poscare.Text{Zh: "配置有误", En: "invalid setting"},
			Fields: map[string]poscare.Text{setting: {Zh: zh, En: en}}}
	}
	var s notify.SMTP
	switch {
	case c["smtp-url"] != "" && c["smtp-addr"] != "":
		return nil, invalid("--smtp-addr", "已弃用，不能与 --smtp-url 同时设置", "is deprecated and cannot be set together with --smtp-url")
	case c["smtp-url"] != "":
		var err error
		s, err = notify.ParseSMTPURL(c["smtp-url"])
		var bad *notify.SMTPURLError
		if errors.As(err, &bad) {
			return nil, invalid("--smtp-url", "邮件服务器网址："+bad.Zh, "mail server URL: "+bad.En)
		}
		if err != nil {
			return nil, err
		}
	case c["smtp-addr"] != "":
		host, port, err := net.SplitHostPort(c["smtp-addr"])
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return nil, invalid("--smtp-addr", "应为“主机:端口”，如 mail.example.cn:25", "must be host:port, such as mail.example.cn:25")
		}
		s = notify.SMTP{Addr: c["smtp-addr"], TLS: notify.SMTPOpportunistic}
	default:
		return nil, nil
	}
	if _, err := mail.ParseAddress(c["smtp-from"]); err != nil {
		return nil, invalid("--smtp-from", "应为邮箱地址，可带名称，如 POS 服务中心 <service@poscare.example>",
			"must be an email address, optionally with a name, such as POS Service <service@poscare.example>")
	}
	s.From = c["smtp-from"]
	if f := c["smtp-ca-file"]; f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, invalid("--smtp-ca-file", "无法读取该文件", "cannot be read: "+err.Error())
		}
		s.RootCAs = x509.NewCertPool()
		if !s.RootCAs.AppendCertsFromPEM(pem) {
			return nil, invalid("--smtp-ca-file", "文件中没有 PEM 格式的证书", "holds no PEM certificate")
		}
	}
	return &s, nil
}
