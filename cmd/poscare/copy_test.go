package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/demo"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
)

// TestCopyDemoToPostgres builds the 1,000-merchant demo on SQLite, copies
// it to PostgreSQL with `poscare copy`, and finds there every row of the
// records a provider lives on, an audit chain that holds against the
// source's checkpoints, sealed fields the same keys open, ids that go on
// after the copied ones, and a demo login through serve. A second copy
// onto the now full target is refused.
func TestCopyDemoToPostgres(t *testing.T) {
	t.Parallel()
	target := testenv.PostgresDSN(t)
	if target == "" {
		t.Skip("POSCARE_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	dir := t.TempDir()
	from := filepath.Join(dir, "demo.db")
	src := testenv.Open(t, from)
	if _, err := demo.Seed(ctx, src, demo.Default); err != nil {
		t.Fatal(err)
	}
	src.AuditCheckpoints = from + ".audit-checkpoints"
	if _, _, err := src.CheckpointAudit(ctx); err != nil {
		t.Fatal(err)
	}
	src.Close()
	keys := testKeysFile(t)

	start := time.Now()
	code, out := runCmd(t, "copy", "--from", from, "--to", target, "--keys-file", keys)
	t.Logf("copy of the %d-merchant demo took %v:\n%s", demo.Default.Merchants, time.Since(start).Round(time.Millisecond), out)
	if code != 0 {
		t.Fatalf("copy: exit %d:\n%s", code, out)
	}
	for _, want := range []string{"merchants 1,000/1,000", "audit_log ", "audit trail intact on the target",
		"held against the source's checkpoints in " + from + ".audit-checkpoints", "merchant_holdings"} {
		if !strings.Contains(out, want) {
			t.Errorf("copy did not say %q", want)
		}
	}

	// The same rows on both sides, read independently of the copy's own
	// digests: every table's count, and the records in full.
	lite, err := sql.Open("sqlite", "file:"+from+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := sql.Open("pgx", target)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	var tables []string
	rows, err := lite.Query("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 20 {
		t.Fatalf("only %d tables in the demo database: %v", len(tables), tables)
	}
	for _, table := range tables {
		var a, b int
		lite.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&a)
		if err := pg.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&b); err != nil || a != b {
			t.Errorf("table %s: %d rows on SQLite, %d on PostgreSQL (%v)", table, a, b, err)
		}
	}
	for table, order := range map[string]string{"merchants": "id", "users": "id", "contacts": "id", "contact_channels": "contact_id, id",
		"terminals": "id", "audit_log": "seq", "merchant_holdings": "team_id, account_manager_id, backup_manager_id"} {
		a, b := dumpTable(t, lite, table, order), dumpTable(t, pg, table, order)
		if table == "merchants" && len(a) != demo.Default.Merchants {
			t.Errorf("%d merchants on SQLite", len(a))
		}
		if len(a) != len(b) {
			t.Errorf("%s: %d rows on SQLite, %d on PostgreSQL", table, len(a), len(b))
			continue
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("%s row %d differs:\n sqlite   %s\n postgres %s", table, i, a[i], b[i])
				break
			}
		}
	}

	// The chain holds on the target, against the source's checkpoints.
	if code, msg := runCmd(t, "audit", "verify", "--db", target, "--keys-file", keys, "--checkpoints", from+".audit-checkpoints"); code != 0 ||
		!strings.Contains(msg, "audit trail intact") || !strings.Contains(msg, "held against the checkpoints") {
		t.Fatalf("audit verify on the target: %d %s", code, msg)
	}

	// The same keys open the sealed fields on the target.
	srcStore, dstStore := testenv.Open(t, from), testenv.Open(t, target)
	system := poscare.SystemActor("test")
	for _, id := range []int64{1, 500, 1000} {
		a, err := srcStore.RevealMerchant(ctx, system, id)
		if err != nil {
			t.Fatal(err)
		}
		b, err := dstStore.RevealMerchant(ctx, system, id)
		if err != nil || *a != *b || a.PrincipalIDNumber+a.SettlementAccount == "" {
			t.Fatalf("merchant %d revealed on the target: %+v %v; on the source %+v", id, b, err, a)
		}
	}

	// New records continue after the copied ids.
	var maxUser int64
	pg.QueryRow("SELECT MAX(id) FROM users").Scan(&maxUser)
	if code, msg := runCmd(t, "user", "add", "--db", target, "--keys-file", keys, "--login", "newcomer", "--name", "新同事", "--role", "ops", "--password", "a-long-password-1"); code != 0 ||
		!strings.Contains(msg, fmt.Sprintf("created user %d ", maxUser+1)) {
		t.Fatalf("user add on the target (max id %d): %d %s", maxUser, code, msg)
	}

	// serve on the target: a demo login works, and the merchants are there.
	checkpoints := filepath.Join(dir, "target.audit-checkpoints")
	b, _ := os.ReadFile(from + ".audit-checkpoints")
	os.WriteFile(checkpoints, b, 0o600)
	base, stop := serveOn(t, "serve", "--db", target, "--keys-file", keys, "--audit-checkpoints", checkpoints)
	token := demoLogin(t, base, "ops")
	req, _ := http.NewRequest("GET", base+"/api/v1/merchants?limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if res.StatusCode != 200 || len(list.Items) != 500 {
		t.Errorf("merchants on the target through the API: %d, %+v", res.StatusCode, list)
	}
	stop()

	// A second copy finds the target full and refuses, leaving it alone.
	code, out = runCmd(t, "copy", "--from", from, "--to", target, "--keys-file", keys)
	if code == 0 || !strings.Contains(out, "not empty") {
		t.Fatalf("second copy onto a full target: exit %d:\n%s", code, out)
	}
	var n int
	pg.QueryRow("SELECT COUNT(*) FROM merchants").Scan(&n)
	if n != demo.Default.Merchants {
		t.Fatalf("the refused copy left %d merchants", n)
	}
}

// TestCopyRefusesBadTargets: no --to, a missing source, a target of
// another poscare's schema.
func TestCopyRefusesBadTargets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := testKeysFile(t)
	from := filepath.Join(dir, "src.db")
	s := testenv.Open(t, from)
	fixture.Build(t, s)
	s.Close()
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"NoTo":          {[]string{"copy", "--from", from, "--keys-file", keys}, "--to is required"},
		"MissingSource": {[]string{"copy", "--from", filepath.Join(dir, "nowhere.db"), "--to", filepath.Join(dir, "t.db"), "--keys-file", keys}, "does not exist"},
		"OntoItself":    {[]string{"copy", "--from", from, "--to", from, "--keys-file", keys}, "not empty"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out := runCmd(t, c.args...)
			if code == 0 || !strings.Contains(out, c.want) {
				t.Fatalf("exit %d, want a refusal saying %q:\n%s", code, c.want, out)
			}
		})
	}
}

// TestDemoOnPostgres runs `poscare demo` on PostgreSQL: it used to refuse;
// now it fills the database, keeps its keys and checkpoints in the
// working folder, and answers a demo login.
func TestDemoOnPostgres(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	if dsn == "" {
		t.Skip("POSCARE_TEST_POSTGRES not set")
	}
	t.Chdir(t.TempDir())
	base, stop := serveOn(t, "demo", "--db", dsn)
	demoLogin(t, base, "agent1")
	stop()
	if info, err := os.Stat(demoPostgresKeys); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("demo keys file: %v %v", info, err)
	}
	if _, err := os.Stat(demoPostgresCheckpoints); err != nil {
		t.Fatalf("demo audit checkpoints: %v", err)
	}
	// Started again, the demo finds its data and keys.
	base, stop = serveOn(t, "demo", "--db", dsn)
	demoLogin(t, base, "ops")
	stop()
}

// serveOn runs serve or demo with args on a free port until the returned
// stop is called, and returns its base URL.
func serveOn(t *testing.T, args ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := newLineWriter()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append(args, "--listen", "127.0.0.1:0", "--log-level", "warn"), out, io.Discard)
	}()
	listening := regexp.MustCompile(`^poscare listening on (http://127\.0\.0\.1:\d+)$`)
	var printed []string
	deadline := time.After(3 * time.Minute)
	for {
		select {
		case line := <-out.lines:
			printed = append(printed, line)
			if m := listening.FindStringSubmatch(line); m != nil {
				return m[1], func() {
					cancel()
					if c := <-done; c != 0 {
						t.Errorf("%s exit %d", args[0], c)
					}
				}
			}
		case c := <-done:
			cancel()
			t.Fatalf("%s exited with %d: %s", args[0], c, strings.Join(printed, "\n"))
		case <-deadline:
			cancel()
			t.Fatalf("%s did not listen: %s", args[0], strings.Join(printed, "\n"))
		}
	}
}

// demoLogin logs in with the demo password through the API and returns
// the token.
func demoLogin(t *testing.T, base, login string) string {
	t.Helper()
	body := fmt.Sprintf(`{"login":%q,"password":%q}`, login, demo.Password)
	res, err := http.Post(base+"/api/v1/auth/token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tr struct{ Token string }
	json.NewDecoder(res.Body).Decode(&tr)
	if res.StatusCode != 200 || tr.Token == "" {
		t.Fatalf("login %s: %d", login, res.StatusCode)
	}
	return tr.Token
}

// dumpTable renders every row of table in order, one string a row, the
// same way for both drivers.
func dumpTable(t *testing.T, db *sql.DB, table, order string) []string {
	t.Helper()
	rows, err := db.Query("SELECT * FROM " + table + " ORDER BY " + order)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		// By column name: SQLite's rebuilt tables order them otherwise.
		parts := make([]string, len(vals))
		for i, v := range vals {
			if x, ok := v.([]byte); ok {
				v = string(x)
			}
			parts[i] = fmt.Sprintf("%s=%#v", cols[i], v)
		}
		sort.Strings(parts)
		out = append(out, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
