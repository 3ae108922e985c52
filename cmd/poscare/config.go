package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"poscare"
	"poscare/clientip"
)

// option is one configuration setting. Every setting is declared here once:
// its flag name, its POSCARE_* environment variable, its default, whether
// it is a secret (never printed) and what it is for.
type option struct {
	name   string
	def    string
	secret bool
	help   string
}

var options = []option{
	{name: "db", def: "poscare.db", help: "database: a SQLite file path, or a postgres:// URL"},
	{name: "listen", def: "127.0.0.1:8080", help: "address to serve HTTP on (port 0 picks a free port)"},
	{name: "data-keys", secret: true, help: "field-encryption key ring 'id:base64,id:base64'; the first key encrypts"},
	{name: "index-key", secret: true, help: "base64 key (32+ bytes) for blind indexes of encrypted fields"},
	{name: "keys-file", help: "file with DATA_KEYS=… and INDEX_KEY=… lines, used when the two above are unset"},
	{name: "log-level", def: "info", help: "debug, info, warn or error"},
	{name: "secure-cookies", def: "false", help: "mark console cookies Secure (set true when served over HTTPS)"},
	{name: "service-phone", def: "400-800-9000", help: "24-hour merchant service centre: phone, the last link of every service-contact chain"},
	{name: "service-email", def: "service@poscare.example", help: "24-hour merchant service centre: email"},
	{name: "service-wechat", def: "", help: "24-hour merchant service centre: WeChat ID"},
	{name: "smtp-addr", def: "", help: "mail server host:port for email notifications (empty: email not sent)"},
	{name: "smtp-from", def: "service@poscare.example", help: "sender address of email notifications"},
	{name: "sms-webhook", def: "", help: "URL of the SMS gateway webhook (empty: SMS not sent)"},
	{name: "wechat-webhook", def: "", help: "URL of the WeChat message webhook (empty: WeChat not sent)"},
	{name: "silent-days", def: "3", help: "days without login, API call or finished task before a salesperson is suspected unreachable"},
	{name: "failed-attempts", def: "3", help: "failed contact attempts by colleagues, within attempt-window, that make a salesperson suspected unreachable"},
	{name: "attempt-window", def: "48h", help: "window for failed contact attempts (Go duration: 48h, 90m)"},
	{name: "overdue-tasks", def: "5", help: "open tasks past their deadline that make a salesperson suspected unreachable"},
	{name: "bulk-limit", def: "20", help: "merchant/contact archives and contact-detail removals one person may make within bulk-window; more are refused and alerted"},
	{name: "bulk-window", def: "1h", help: "window for bulk-limit (Go duration)"},
	{name: "stale-days", def: "180", help: "days a contact may go unverified before its account manager gets a verification task"},
	{name: "callback-within", def: "4h", help: "how soon a merchant's callback request must be answered (Go duration); overdue ones are a silence signal"},
	{name: "trusted-proxies", def: "", help: "comma-separated CIDRs of the reverse proxies in front of poscare, whose X-Forwarded-For is believed (empty: none; the peer address is the client)"},
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

// parseConfig resolves settings: flag, else environment variable, else
// default. Only the named options are accepted by this subcommand.
func parseConfig(fs *flag.FlagSet, args []string, names ...string) (config, []string, error) {
	set := map[string]*string{}
	for _, o := range options {
		for _, n := range names {
			if n == o.name {
				def := o.def
				if v, ok := os.LookupEnv(envName(o.name)); ok {
					def = v
				}
				shown := def
				if o.secret {
					shown = ""
				}
				p := fs.String(o.name, def, o.help+" (env "+envName(o.name)+")")
				fs.Lookup(o.name).DefValue = shown
				set[o.name] = p
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	c := config{}
	for k, p := range set {
		c[k] = *p
	}
	return c, fs.Args(), nil
}

// dump writes the settings with secrets redacted.
func (c config) dump(w io.Writer) {
	var keys []string
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := c[k]
		for _, o := range options {
			if o.name == k && o.secret && v != "" {
				v = "(redacted)"
			}
		}
		fmt.Fprintf(w, "%s=%s\n", k, v)
	}
}

// readKeysFile reads DATA_KEYS= and INDEX_KEY= lines.
func readKeysFile(path string) (dataKeys, indexKey string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok {
			switch strings.TrimSpace(k) {
			case "DATA_KEYS":
				dataKeys = strings.TrimSpace(v)
			case "INDEX_KEY":
				indexKey = strings.TrimSpace(v)
			}
		}
	}
	return dataKeys, indexKey, sc.Err()
}
