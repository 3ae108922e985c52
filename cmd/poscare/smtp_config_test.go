package main

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"poscare"
	"poscare/internal/testenv"
	"poscare/notify"
)

// TestSMTPURLSetting: --smtp-url as the server reads it, and each way it
// can be wrong refused at start with an error naming the setting in both
// languages and never quoting the URL (it may hold a password).
func TestSMTPURLSetting(t *testing.T) {
	t.Parallel()
	email := func(c config) (*notify.SMTP, error) {
		t.Helper()
		if _, ok := c["smtp-from"]; !ok {
			c["smtp-from"] = "service@poscare.example"
		}
		return c.emailChannel()
	}
	for _, c := range []struct {
		url, addr, user, pass string
		tls                   notify.SMTPSecurity
	}{
		{url: "smtp://mail.example.cn", addr: "mail.example.cn:25", tls: notify.SMTPOpportunistic},
		{url: "smtp://mail.example.cn:2525?tls=none", addr: "mail.example.cn:2525", tls: notify.SMTPNone},
		{url: "smtp://mail.example.cn:587?tls=starttls", addr: "mail.example.cn:587", tls: notify.SMTPStartTLS},
		{url: "smtp://u%40example.cn:p%40ss%3Aw%2Frd@mail.example.cn:587", addr: "mail.example.cn:587", user: "u@example.cn", pass: "p@ss:w/rd", tls: notify.SMTPStartTLS},
		{url: "smtp://u:p@mail.example.cn:587?tls=starttls", addr: "mail.example.cn:587", user: "u", pass: "p", tls: notify.SMTPStartTLS},
		{url: "smtps://u:p@mail.example.cn", addr: "mail.example.cn:465", user: "u", pass: "p", tls: notify.SMTPImplicitTLS},
		{url: "SMTPS://[::1]:4650", addr: "[::1]:4650", tls: notify.SMTPImplicitTLS},
	} {
		s, err := email(config{"smtp-url": c.url})
		if err != nil || s == nil || s.Addr != c.addr || s.Username != c.user || s.Password != c.pass || s.TLS != c.tls || s.From != "service@poscare.example" {
			t.Errorf("%s: %+v, %v", c.url, s, err)
		}
	}
	if s, err := email(config{"smtp-addr": "relay.example.cn:25"}); err != nil || s == nil || s.Addr != "relay.example.cn:25" || s.TLS != notify.SMTPOpportunistic || s.Username != "" {
		t.Errorf("deprecated --smtp-addr: %+v, %v", s, err)
	}
	if s, err := email(config{"smtp-url": "", "smtp-addr": ""}); s != nil || err != nil {
		t.Errorf("no mail server: %+v, %v", s, err)
	}

	const secret = "Sekr3tPass"
	for _, c := range []struct {
		setting string
		conf    config
		says    string
	}{
		{"--smtp-url", config{"smtp-url": "http://u:" + secret + "@mail.example.cn"}, "smtp://"},
		{"--smtp-url", config{"smtp-url": "smtp://"}, "host"},
		{"--smtp-url", config{"smtp-url": "smtp://u:" + secret + "@:587"}, "host"},
		{"--smtp-url", config{"smtp-url": "smtp://mail.example.cn:0"}, "port"},
		{"--smtp-url", config{"smtp-url": "smtp://mail.example.cn:70000"}, "port"},
		{"--smtp-url", config{"smtp-url": "smtp://u:" + secret + "@mail.example.cn?tls=yes"}, "tls must be"},
		{"--smtp-url", config{"smtp-url": "smtp://mail.example.cn?tsl=starttls"}, "unknown parameter"},
		{"--smtp-url", config{"smtp-url": "smtp://mail.example.cn?tls=none&tls=starttls"}, "only once"},
		{"--smtp-url", config{"smtp-url": "smtps://u:" + secret + "@mail.example.cn?tls=starttls"}, "no tls parameter"},
		{"--smtp-url", config{"smtp-url": "smtp://u:" + secret + "@mail.example.cn?tls=none"}, "never sent in the clear"},
		{"--smtp-url", config{"smtp-url": "smtp://u:" + secret + "@mail.example.cn?tls=opportunistic"}, "never sent in the clear"},
		{"--smtp-url", config{"smtp-url": "smtp://u@mail.example.cn"}, "both user and password"},
		{"--smtp-url", config{"smtp-url": "smtp://:" + secret + "@mail.example.cn"}, "both user and password"},
		{"--smtp-url", config{"smtp-url": "smtp://u:" + secret + "@mail.example.cn/path"}, "may hold only"},
		// A password with an unescaped % is not a URL: the error must not
		// quote it, as url.Parse's own error would.
		{"--smtp-url", config{"smtp-url": "smtp://u:" + secret + "%zz@mail.example.cn"}, "cannot be parsed"},
		{"--smtp-addr", config{"smtp-url": "smtp://mail.example.cn", "smtp-addr": "mail.example.cn:25"}, "together"},
		{"--smtp-addr", config{"smtp-addr": "mail.example.cn"}, "host:port"},
		{"--smtp-from", config{"smtp-url": "smtp://mail.example.cn", "smtp-from": "not an address"}, "email address"},
		{"--smtp-ca-file", config{"smtp-url": "smtp://mail.example.cn", "smtp-ca-file": filepath.Join(t.TempDir(), "missing.pem")}, "cannot be read"},
		{"--smtp-ca-file", config{"smtp-url": "smtp://mail.example.cn", "smtp-ca-file": writeFile(t, "not a certificate")}, "no PEM certificate"},
	} {
		s, err := email(c.conf)
		var e *poscare.Error
		if !errors.As(err, &e) || s != nil {
			t.Errorf("%v: %+v, %v, want an error naming %s", c.conf, s, err, c.setting)
			continue
		}
		msg, ok := e.Fields[c.setting]
		if !ok || msg.Zh == "" || !strings.Contains(msg.En, c.says) {
			t.Errorf("%v: %+v, want %s: …%s…", c.conf, e.Fields, c.setting, c.says)
		}
		if all := describe(err); strings.Contains(all, secret) {
			t.Errorf("%v: the error shows the password: %s", c.conf, all)
		}
	}

	// --smtp-ca-file: a PEM certificate becomes the roots.
	cert, _, _ := testenv.TLSCert(t)
	if s, err := email(config{"smtp-url": "smtp://mail.example.cn", "smtp-ca-file": cert}); err != nil || s.RootCAs == nil {
		t.Errorf("--smtp-ca-file: %+v, %v", s, err)
	}

	t.Run("ServeRefusesABadSMTPURLAtStart", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "x.db")
		code, out := runCmd(t, "serve", "--db", db, "--listen", "127.0.0.1:0", "--smtp-url", "smtp://u:"+secret+"@mail.example.cn?tls=none")
		if code != 1 || !strings.Contains(out, "--smtp-url") || !strings.Contains(out, "邮件服务器网址") || strings.Contains(out, secret) {
			t.Fatalf("exit %d: %s", code, out)
		}
		if _, err := os.Stat(db); err == nil {
			t.Error("serve opened the database before refusing the setting")
		}
	})
}

// TestConfigNeverShowsTheSMTPPassword: `poscare config` shows where mail
// goes and how it is protected, never the credentials, whether the URL is
// well formed or not (a password with an unescaped / or ? would look like
// a host, port and path).
func TestConfigNeverShowsTheSMTPPassword(t *testing.T) {
	for _, c := range []struct{ url, shown string }{
		{"smtp://mailer:Sekr3tPass@mail.example.cn:587", "smtp-url=smtp://(redacted)@mail.example.cn:587?tls=starttls"},
		{"smtps://mailer:" + url.QueryEscape("p@ss/Sekr3tPass") + "@mail.example.cn", "smtp-url=smtps://(redacted)@mail.example.cn:465"},
		{"smtp://mail.example.cn", "smtp-url=smtp://mail.example.cn:25?tls=opportunistic"},
		{"smtp://mailer:2024/Sekr3tPass@mail.example.cn", "smtp-url=(redacted)"},
		{"smtp://mailer:2024?Sekr3tPass@mail.example.cn", "smtp-url=(redacted)"},
		{"smtp://mailer:Sekr3tPass%zz@mail.example.cn", "smtp-url=(redacted)"},
	} {
		for _, byEnv := range []bool{false, true} {
			args := []string{"config"}
			if byEnv {
				t.Setenv("POSCARE_SMTP_URL", c.url)
			} else {
				os.Unsetenv("POSCARE_SMTP_URL")
				args = append(args, "--smtp-url", c.url)
			}
			code, out := runCmd(t, args...)
			if code != 0 {
				t.Fatalf("config: %d %s", code, out)
			}
			for _, leak := range []string{"Sekr3tPass", "mailer", "2024"} {
				if strings.Contains(out, leak) {
					t.Errorf("%s: config shows %q:\n%s", c.url, leak, out)
				}
			}
			if !strings.Contains(out, c.shown+"\n") {
				t.Errorf("%s: config does not show %s:\n%s", c.url, c.shown, out)
			}
		}
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}
