package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Dovecot is a real IMAP server of the test's own (Debian's
// dovecot-imapd) on 127.0.0.1, without TLS, where any user logs in with
// Password and has a Maildir of their own.
type Dovecot struct {
	Addr     string
	Password string
}

// StartDovecot starts a Dovecot for the test and stops it when the test
// ends. Without the dovecot program the test is skipped, except under
// CI=true, where it fails (scripts/test installs dovecot-imapd).
func StartDovecot(t testing.TB) *Dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/dovecot"); e == nil {
			bin = "/usr/sbin/dovecot"
		} else if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but dovecot is not installed: run the tests through scripts/test")
		} else {
			t.Skip("dovecot not installed (apt-get install dovecot-imapd)")
		}
	}
	// Short paths: Dovecot's sockets live under base_dir, and a socket
	// path has a length limit that t.TempDir would exceed.
	dir, err := os.MkdirTemp("", "dvc")
	if err != nil {
		t.Fatal(err)
	}
	uid, gid, login := os.Getuid(), os.Getgid(), ""
	if uid == 0 {
		// As root, Dovecot drops to its own users; the mail belongs to
		// the dovecot user.
		u, err := user.Lookup("dovecot")
		if err != nil {
			t.Fatalf("running as root, but there is no dovecot user: %v", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	} else {
		me, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		login = fmt.Sprintf("default_login_user = %s\ndefault_internal_user = %s\n", me.Username, me.Username)
	}
	for _, sub := range []string{"run", "state", "mail"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(dir, "mail"), uid, gid); err != nil && os.Getuid() == 0 {
		t.Fatal(err)
	}
	d := &Dovecot{Password: "desk-secret"}
	conf := filepath.Join(dir, "dovecot.conf")
	{
		d.Addr = freeAddr(t)
		_, port, _ := net.SplitHostPort(d.Addr)
		cfg := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/log
%[6]sprotocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = %[3]d
mail_privileged_group =
passdb {
  driver = static
  args = password=%[5]s
}
userdb {
  driver = static
  args = uid=%[3]d gid=%[4]d home=%[1]s/mail/%%u mail=maildir:%[1]s/mail/%%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]s
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`, dir, port, uid, gid, d.Password, login)
		if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		// The master forks into the background and keeps its output, so
		// its words go to a file rather than a pipe Run would wait on.
		startLog := filepath.Join(dir, "start.log")
		f, err := os.Create(startLog)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-c", conf)
		cmd.Stdout, cmd.Stderr = f, f
		err = cmd.Run()
		f.Close()
		if err != nil {
			out, _ := os.ReadFile(startLog)
			t.Fatalf("start dovecot: %v: %s", err, out)
		}
		stop := func() {
			exec.Command("doveadm", "-c", conf, "stop").Run()
			// The master may take a moment to go; its pid file says.
			for range 50 {
				if _, err := os.Stat(filepath.Join(dir, "run", "master.pid")); err != nil {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			os.RemoveAll(dir)
		}
		for range 100 {
			if c, err := net.DialTimeout("tcp", d.Addr, 100*time.Millisecond); err == nil {
				c.Close()
				t.Cleanup(stop)
				return d
			}
			time.Sleep(20 * time.Millisecond)
		}
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		stop()
		t.Fatalf("dovecot did not listen on %s:\n%s", d.Addr, log)
	}
	return nil
}
