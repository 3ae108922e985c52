package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
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
