package main

import (
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandLine walks every subcommand: --help prints its usage and
// exits 0 without doing anything; a bad boolean, an unknown flag or
// value and a leftover argument are refused with a message that says
// what was wrong.
func TestCommandLine(t *testing.T) {
	db := filepath.Join(t.TempDir(), "never-created.db")
	commands := [][]string{
		{"serve"}, {"demo"}, {"migrate"}, {"user", "add"}, {"staff", "declare-missing"}, {"staff", "declare-departed"},
		{"keys", "generate"}, {"keys", "rotate"}, {"audit", "verify"}, {"backup"}, {"backup", "verify"}, {"restore"},
		{"copy"}, {"config"}, {"version"},
	}
	for _, cmd := range commands {
		for _, help := range []string{"--help", "-h"} {
			t.Run(strings.Join(cmd, "_")+help, func(t *testing.T) {
				code, out := runCmd(t, append(append([]string{}, cmd...), help)...)
				if code != 0 || !strings.Contains(out, "usage: poscare "+strings.Join(cmd, " ")) {
					t.Fatalf("exit %d, want 0 with usage:\n%s", code, out)
				}
				if strings.Contains(out, "POSCARE_DATA_KEYS=") || strings.Contains(out, "listening") {
					t.Fatalf("--help ran the command:\n%s", out)
				}
			})
		}
	}
	for _, group := range []string{"user", "staff", "keys", "audit"} {
		t.Run(group+"--help", func(t *testing.T) {
			code, out := runCmd(t, group, "--help")
			if code != 0 || !strings.Contains(out, "usage: poscare "+group+" ") {
				t.Fatalf("exit %d, want 0 with usage:\n%s", code, out)
			}
		})
	}
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want []string // in the message
	}{
		{"BadBooleanFlag", nil, []string{"serve", "--db", db, "--secure-cookies=maybe"}, []string{"secure-cookies", "true or false"}},
		{"BadBooleanEnv", map[string]string{"POSCARE_SECURE_COOKIES": "yes please"}, []string{"serve", "--db", db}, []string{"POSCARE_SECURE_COOKIES", "true or false"}},
		{"BareBooleanDoesNotEatTheNext", nil, []string{"serve", "--secure-cookies", "false", "--db", db}, []string{`unexpected argument "false"`}},
		{"UnknownFlag", nil, []string{"migrate", "--db", db, "--colour", "blue"}, []string{"flag provided but not defined", "colour", "poscare migrate --help"}},
		{"UnknownLogLevel", nil, []string{"serve", "--db", db, "--log-level", "loud"}, []string{"log-level", "debug, info, warn, error"}},
		{"UnknownLogLevelEnv", map[string]string{"POSCARE_LOG_LEVEL": "chatty"}, []string{"serve", "--db", db}, []string{"POSCARE_LOG_LEVEL", `"chatty"`}},
		{"BadDuration", nil, []string{"serve", "--db", db, "--backup-every", "daily"}, []string{"backup-every", "duration"}},
		{"LeftoverMigrate", nil, []string{"migrate", "--db", db, "now"}, []string{`unexpected argument "now"`}},
		{"LeftoverAudit", nil, []string{"audit", "verify", "everything"}, []string{`unexpected argument "everything"`}},
		{"LeftoverKeysGenerate", nil, []string{"keys", "generate", "twice"}, []string{`unexpected argument "twice"`}},
		{"LeftoverVersion", nil, []string{"version", "please"}, []string{`unexpected argument "please"`}},
		{"LeftoverConfig", nil, []string{"config", "--db", db, "extra"}, []string{`unexpected argument "extra"`}},
		{"LeftoverStaff", nil, []string{"staff", "declare-missing", "6", "7", "--reason", "x"}, []string{`unexpected argument "7"`}},
		{"StaffWithoutID", nil, []string{"staff", "declare-missing", "--db", db, "--reason", "x"}, []string{"id is missing"}},
		{"UnknownSubcommand", nil, []string{"keys", "lose"}, []string{`unknown keys subcommand "lose"`, "generate, rotate"}},
		{"BackupVerifyWithoutPath", nil, []string{"backup", "verify"}, []string{"which backup"}},
		{"RestoreWithoutFrom", nil, []string{"restore", "--db", db}, []string{"--from is required"}},
		{"LeftoverCopy", nil, []string{"copy", "--from", db, "--to", db + "2", "now"}, []string{`unexpected argument "now"`}},
		{"UnknownCopyFlag", nil, []string{"copy", "--from", db, "--db", db}, []string{"flag provided but not defined", "-db", "poscare copy --help"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, out := runCmd(t, c.args...)
			if code == 0 {
				t.Fatalf("exit 0, want a refusal:\n%s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("message does not say %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "listening") {
				t.Errorf("served despite the refusal:\n%s", out)
			}
		})
	}
}

// TestBooleansParseLikeGo reads --secure-cookies as strconv.ParseBool
// does, from the flag (which may stand alone) and from the environment.
func TestBooleansParseLikeGo(t *testing.T) {
	parse := func(args ...string) config {
		t.Helper()
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c, _, err := parseConfig(fs, args, "secure-cookies", "db")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := parse("--secure-cookies", "--db", "x.db"); !c.bool("secure-cookies") || c["db"] != "x.db" {
		t.Errorf("bare --secure-cookies: %v", c)
	}
	for v, want := range map[string]bool{"1": true, "t": true, "TRUE": true, "True": true, "0": false, "F": false, "false": false} {
		if c := parse("--secure-cookies=" + v); c.bool("secure-cookies") != want {
			t.Errorf("--secure-cookies=%s read as %v", v, c.bool("secure-cookies"))
		}
		t.Setenv("POSCARE_SECURE_COOKIES", v)
		if c := parse(); c.bool("secure-cookies") != want {
			t.Errorf("POSCARE_SECURE_COOKIES=%s read as %v", v, c.bool("secure-cookies"))
		}
	}
}

// TestConfigRedactsURLs: a webhook's credentials, in its user-info or
// its query, and a database password never reach the terminal.
func TestConfigRedactsURLs(t *testing.T) {
	t.Setenv("POSCARE_SMS_WEBHOOK", "https://user:secret@sms.example/send?token=abc")
	code, out := runCmd(t, "config", "--wechat-webhook", "https://wx.example/hook?key=k3y", "--db", "postgres://poscare:pa55@db.example/poscare?sslmode=require")
	if code != 0 {
		t.Fatalf("config: %d %s", code, out)
	}
	for _, leak := range []string{"user", "secret", "token", "abc", "k3y", "pa55"} {
		if strings.Contains(out, leak) {
			t.Errorf("config shows %q:\n%s", leak, out)
		}
	}
	for _, shown := range []string{"sms-webhook=https://(redacted)@sms.example/send?(redacted)", "wechat-webhook=https://wx.example/hook?(redacted)",
		"db=postgres://(redacted)@db.example/poscare?(redacted)"} {
		if !strings.Contains(out, shown) {
			t.Errorf("config does not show %s:\n%s", shown, out)
		}
	}
}
