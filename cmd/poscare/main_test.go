package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"poscare/demo"
	"poscare/vault"
)

// lineWriter hands every line written to it to a channel, so the test can
// wait for "poscare listening on …".
type lineWriter struct {
	mu    chan struct{}
	buf   bytes.Buffer
	lines chan string
}

func newLineWriter() *lineWriter {
	return &lineWriter{mu: make(chan struct{}, 1), lines: make(chan string, 1000)}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu <- struct{}{}
	defer func() { <-w.mu }()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			break
		}
		select {
		case w.lines <- strings.TrimRight(line, "\n"):
		default:
		}
	}
	return len(p), nil
}

func runCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String() + errOut.String()
}

// TestDemoServeAndCommands runs the binary's own entry point end to end:
// the demo on a fresh SQLite file on a random port, the API over real
// HTTP, then the administrative commands on the same file, including
// catching a hand-edited audit row.
func TestDemoServeAndCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "demo.db")
	ctx, cancel := context.WithCancel(context.Background())
	stdout := newLineWriter()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"demo", "--listen", "127.0.0.1:0", "--db", db}, stdout, io.Discard) }()
	var base string
	listening := regexp.MustCompile(`^poscare listening on (http://127\.0\.0\.1:\d+)$`)
	var printed []string
	deadline := time.After(2 * time.Minute)
	for base == "" {
		select {
		case line := <-stdout.lines:
			printed = append(printed, line)
			if m := listening.FindStringSubmatch(line); m != nil {
				base = m[1]
			}
		case code := <-done:
			t.Fatalf("demo exited with %d: %s", code, strings.Join(printed, "\n"))
		case <-deadline:
			t.Fatalf("demo did not listen: %s", strings.Join(printed, "\n"))
		}
	}
	if all := strings.Join(printed, "\n"); !strings.Contains(all, "agent1") || !strings.Contains(all, demo.Password) || !strings.Contains(all, "(departed)") {
		t.Errorf("demo did not print its logins:\n%s", strings.Join(printed, "\n"))
	}
	if info, err := os.Stat(db + ".keys"); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("demo keys file: %v %v", info, err)
	}

	get := func(path, token string) (int, []byte) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	login := func(l string) string {
		body := fmt.Sprintf(`{"login":%q,"password":%q}`, l, demo.Password)
		res, err := http.Post(base+"/api/v1/auth/token", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tr struct{ Token string }
		json.NewDecoder(res.Body).Decode(&tr)
		if res.StatusCode != 200 || tr.Token == "" {
			t.Fatalf("login %s: %d", l, res.StatusCode)
		}
		return tr.Token
	}
	ops := login("ops")
	code, body := get("/api/v1/merchants?limit=500", ops)
	var list struct {
		Items []struct {
			ID        int64  `json:"id"`
			LegalName string `json:"legal_name"`
		} `json:"items"`
		NextOffset *int `json:"next_offset"`
	}
	json.Unmarshal(body, &list)
	if code != 200 || len(list.Items) != 500 || list.NextOffset == nil {
		t.Fatalf("ops list: %d, %d items", code, len(list.Items))
	}
	// Search by a fragment of a real name finds that merchant.
	name := []rune(list.Items[7].LegalName)
	frag := string(name[len(name)-4:])
	code, body = get("/api/v1/merchants?q="+frag, ops)
	if code != 200 || !strings.Contains(string(body), fmt.Sprintf(`"id":%d,`, list.Items[7].ID)) {
		t.Fatalf("search %q: %d %s", frag, code, body)
	}
	// An agent sees only their portfolio: a strict subset.
	code, body = get("/api/v1/merchants?limit=500", login("agent1"))
	var mine struct{ Items []json.RawMessage }
	json.Unmarshal(body, &mine)
	if code != 200 || len(mine.Items) == 0 || len(mine.Items) >= 500 {
		t.Fatalf("agent1 sees %d merchants (%d)", len(mine.Items), code)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("demo exit code %d", code)
	}

	t.Run("DemoIsSeededOnce", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		out := newLineWriter()
		done := make(chan int, 1)
		go func() { done <- run(ctx, []string{"demo", "--listen", "127.0.0.1:0", "--db", db}, out, io.Discard) }()
		for line := range out.lines {
			if strings.Contains(line, "demo data created") {
				t.Error("second start seeded again")
			}
			if strings.HasPrefix(line, "poscare listening on") {
				break
			}
		}
		cancel()
		<-done
	})

	// The demo's server checkpointed the audit chain beside the database,
	// for the owner only, at start and at shutdown.
	if info, err := os.Stat(db + ".audit-checkpoints"); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("demo audit checkpoints: %v %v", info, err)
	}
	keysEnv := func() {
		keys, err := readKeysFile(db + ".keys")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keySettings {
			if keys[k.line] == "" {
				t.Fatalf("demo keys file has no %s", k.line)
			}
			t.Setenv(envName(k.option), keys[k.line])
		}
	}
	t.Run("Commands", func(t *testing.T) {
		if code, out := runCmd(t, "version"); code != 0 || !strings.HasPrefix(out, "poscare ") {
			t.Fatalf("version: %d %s", code, out)
		}
		if code, out := runCmd(t, "migrate", "--db", db); code != 0 || !strings.Contains(out, "applied 0 migration") {
			t.Fatalf("migrate: %d %s", code, out)
		}
		keysEnv()
		if code, out := runCmd(t, "config", "--db", db); code != 0 || !strings.Contains(out, "data-keys=(redacted)") || strings.Contains(out, os.Getenv("POSCARE_DATA_KEYS")) {
			t.Fatalf("config does not redact: %s", out)
		}
		if code, out := runCmd(t, "user", "add", "--db", db, "--login", "newtech", "--name", "新技术员", "--role", "tech", "--password", "a-strong-password"); code != 0 {
			t.Fatalf("user add: %d %s", code, out)
		}
		if code, out := runCmd(t, "user", "add", "--db", db, "--login", "x", "--name", "", "--role", "boss"); code != 1 || !strings.Contains(out, "login") || !strings.Contains(out, "role") {
			t.Fatalf("bad user add: %d %s", code, out)
		}
		// Rotate: a new active key in front of the old one.
		old := os.Getenv("POSCARE_DATA_KEYS")
		t.Setenv("POSCARE_DATA_KEYS", vault.NewKeyString("knew")+","+old)
		if code, out := runCmd(t, "keys", "rotate", "--db", db); code != 0 || !strings.Contains(out, "under key knew") {
			t.Fatalf("keys rotate: %d %s", code, out)
		}
		raw, err := sql.Open("sqlite", db)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var stale int
		raw.QueryRow("SELECT COUNT(*) FROM merchants WHERE principal_id_enc <> '' AND principal_id_enc NOT LIKE 'knew:%'").Scan(&stale)
		if stale != 0 {
			t.Fatalf("%d values still under the old key", stale)
		}
		if code, out := runCmd(t, "audit", "verify", "--db", db); code != 0 || !strings.Contains(out, "intact") || !strings.Contains(out, "held against the checkpoints in "+db+".audit-checkpoints") {
			t.Fatalf("audit verify: %d %s", code, out)
		}
		// The playbook from the command line: user 6 vanishes (the demo's
		// own departure is incident 1).
		code, out := runCmd(t, "staff", "declare-missing", "6", "--db", db, "--reason", "连续三天联系不上")
		if code != 0 || !strings.Contains(out, "incident 2:") || !strings.Contains(out, "notices queued") {
			t.Fatalf("declare-missing: %d %s", code, out)
		}
		if code, out := runCmd(t, "staff", "declare-missing", "6", "--db", db, "--reason", "again"); code != 0 || !strings.Contains(out, "incident 2:") {
			t.Fatalf("second declare-missing is not idempotent: %d %s", code, out)
		}
		if code, out := runCmd(t, "staff", "declare-missing", "6", "--db", db); code != 1 || !strings.Contains(out, "reason") {
			t.Fatalf("declare-missing without reason: %d %s", code, out)
		}
		// Someone with database access edits an audit row by hand.
		if _, err := raw.Exec("UPDATE audit_log SET actor_login = 'nobody' WHERE seq = 42"); err == nil {
			t.Fatal("the append-only trigger let an UPDATE through")
		}
		if _, err := raw.Exec("DROP TRIGGER audit_log_no_update"); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec("UPDATE audit_log SET actor_login = 'nobody' WHERE seq = 42"); err != nil {
			t.Fatal(err)
		}
		code, out = runCmd(t, "audit", "verify", "--db", db)
		if code != 1 || !strings.Contains(out, "broken at entry 42") {
			t.Fatalf("tampered audit: %d %s", code, out)
		}
	})
	t.Run("ServeRefusesWithoutKeys", func(t *testing.T) {
		t.Setenv("POSCARE_DATA_KEYS", "")
		t.Setenv("POSCARE_INDEX_KEY", "")
		code, out := runCmd(t, "serve", "--db", db, "--listen", "127.0.0.1:0")
		if code != 1 || !strings.Contains(out, "no encryption keys") {
			t.Fatalf("serve without keys: %d %s", code, out)
		}
		// Beside a demo's keys file the refusal says where they are.
		code, out = runCmd(t, "backup", "--db", db, "--to", filepath.Join(t.TempDir(), "b.db"))
		if code != 1 || !strings.Contains(out, "--keys-file "+db+".keys") {
			t.Fatalf("backup without keys beside the demo's keys file: %d %s", code, out)
		}
		// The data keys alone are not enough: the audit and link keys too.
		keysEnv()
		for _, unset := range []string{"POSCARE_AUDIT_KEY", "POSCARE_LINK_KEY"} {
			t.Run(unset, func(t *testing.T) {
				t.Setenv(unset, "")
				code, out := runCmd(t, "serve", "--db", db, "--listen", "127.0.0.1:0")
				if code != 1 || !strings.Contains(out, "no signing keys") {
					t.Fatalf("serve without %s: %d %s", unset, code, out)
				}
			})
		}
	})
}
