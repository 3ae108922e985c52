package main

import (
	"errors"
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/notify"
)

func TestPolicySettings(t *testing.T) {
	parse := func(args ...string) (poscare.ContinuityPolicy, error) {
		t.Helper()
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var names []string
		for _, n := range policyOptions {
			names = append(names, n)
		}
		c, _, err := parseConfig(fs, args, names...)
		if err != nil {
			t.Fatal(err)
		}
		return c.policy()
	}
	t.Run("DefaultsAreTheDomainDefaults", func(t *testing.T) {
		p, err := parse()
		if err != nil || p != poscare.DefaultContinuityPolicy {
			t.Fatalf("%+v %v, want %+v", p, err, poscare.DefaultContinuityPolicy)
		}
	})
	t.Run("FlagsAndEnvironment", func(t *testing.T) {
		t.Setenv("POSCARE_BULK_WINDOW", "30m")
		p, err := parse("--silent-days", "5", "--bulk-limit", "10", "--stale-days", "90", "--attempt-window", "24h")
		want := poscare.DefaultContinuityPolicy
		want.SilentDays, want.BulkLimit, want.StaleAfter, want.AttemptWindow, want.BulkWindow = 5, 10, 90*24*time.Hour, 24*time.Hour, 30*time.Minute
		if err != nil || p != want {
			t.Fatalf("%+v %v, want %+v", p, err, want)
		}
	})
	for _, c := range []struct {
		name string
		args []string
		bad  []string
	}{
		{"NotANumber", []string{"--silent-days", "three"}, []string{"--silent-days"}},
		{"NotADuration", []string{"--bulk-window", "1 hour"}, []string{"--bulk-window"}},
		{"OutOfRange", []string{"--bulk-limit", "0", "--stale-days", "0"}, []string{"--bulk-limit", "--stale-days"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse(c.args...)
			e, ok := err.(*poscare.Error)
			if !ok || e.Code != poscare.EInvalid || len(e.Fields) != len(c.bad) {
				t.Fatalf("got %v, want problems with %v", err, c.bad)
			}
			for _, f := range c.bad {
				if e.Fields[f].Zh == "" || e.Fields[f].En == "" {
					t.Errorf("no bilingual problem named %s in %v", f, e.Fields)
				}
			}
		})
	}
	t.Run("ServeRefusesABadPolicy", func(t *testing.T) {
		code, out := runCmd(t, "serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--listen", "127.0.0.1:0", "--bulk-limit", "-3")
		if code != 1 || !strings.Contains(out, "--bulk-limit") || !strings.Contains(out, "批量删除上限") {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
}

func TestAlertChannelsAreTheConfiguredOnes(t *testing.T) {
	t.Parallel()
	gw := notify.Webhook{URL: "http://127.0.0.1:1"}
	for _, c := range []struct {
		have map[string]notify.Channel
		want string
	}{
		{map[string]notify.Channel{}, "email"},
		{map[string]notify.Channel{"sms": gw}, "sms"},
		{map[string]notify.Channel{"email": notify.SMTP{Addr: "127.0.0.1:25"}, "wechat": gw}, "email,wechat"},
		{map[string]notify.Channel{"email": notify.SMTP{Addr: "127.0.0.1:25"}, "sms": gw, "wechat": gw}, "email,sms,wechat"},
	} {
		if got := strings.Join(alertChannels(c.have), ","); got != c.want {
			t.Errorf("channels %v: alerts by %s, want %s", c.have, got, c.want)
		}
	}
}

func TestTrustedProxiesSetting(t *testing.T) {
	parse := func(args ...string) error {
		t.Helper()
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c, _, err := parseConfig(fs, args, "trusted-proxies")
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.trustedProxies()
		if err == nil && len(args) == 0 && len(r.Trusted) != 0 {
			t.Fatalf("trusted by default: %v", r.Trusted)
		}
		return err
	}
	if err := parse(); err != nil {
		t.Fatalf("default: %v", err)
	}
	if err := parse("--trusted-proxies", "10.0.0.0/8, 192.168.1.10,2001:db8::/32"); err != nil {
		t.Fatalf("good list: %v", err)
	}
	t.Setenv("POSCARE_TRUSTED_PROXIES", "10.0.0.1/8")
	e, ok := parse().(*poscare.Error)
	if !ok || e.Code != poscare.EInvalid || e.Fields["--trusted-proxies"].Zh == "" || e.Fields["--trusted-proxies"].En == "" {
		t.Fatalf("a CIDR with host bits from the environment: %v", e)
	}
	code, out := runCmd(t, "serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--listen", "127.0.0.1:0", "--trusted-proxies", "proxy.example")
	if code != 1 || !strings.Contains(out, "--trusted-proxies") || !strings.Contains(out, "可信反向代理") {
		t.Fatalf("serve with a bad proxy list: exit %d: %s", code, out)
	}
}

// TestRefusedSecretIsNotEchoed gives a secret setting a value its check
// refuses, by flag and by environment: the error names the setting and
// never repeats the value.
func TestRefusedSecretIsNotEchoed(t *testing.T) {
	const secret = "Sekr3t-value-do-not-print"
	opts := append(slices.Clip(options), option{name: "test-secret", secret: true, check: func(string) error { return errors.New("must be longer") }})
	for _, viaEnv := range []bool{false, true} {
		args := []string{"--test-secret", secret}
		if viaEnv {
			args = nil
			t.Setenv("POSCARE_TEST_SECRET", secret)
		}
		_, _, err := parseOptions(opts, flag.NewFlagSet("t", flag.ContinueOnError), args, "test-secret")
		if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "TEST_SECRET") && !strings.Contains(err.Error(), "test-secret") {
			t.Errorf("env=%v: %v", viaEnv, err)
		}
	}
}
