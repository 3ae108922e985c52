package sqlstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"poscare"
)

// Backup is one copy of the database taken by Backup: a SQLite
// file, or a PostgreSQL dump in pg_dump's custom format. The encryption
// keys are never in it: they live outside the database, and whoever
// restores a backup needs them to read its sensitive fields.
type Backup struct {
	Path    string    `json:"path"`
	Name    string    `json:"name"` // the file name, as the audit trail and an incident's checklist name it
	At      time.Time `json:"at"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"`
	Dialect Dialect   `json:"dialect"`
}

// BackupCheck is what VerifyBackup found in a backup restored aside.
type BackupCheck struct {
	Dialect       Dialect `json:"dialect"`
	SchemaVersion int     `json:"schema_version"`
	AuditEntries  int64   `json:"audit_entries"`
	Merchants     int64   `json:"merchants"`
	Size          int64   `json:"size"`
	SHA256        string  `json:"sha256"`
}

// Magic bytes at the start of each kind of backup file.
var (
	sqliteMagic = []byte("SQLite format 3\x00")
	pgDumpMagic = []byte("PGDMP")
)

// backupName is poscare's naming of the backups it takes into a folder;
// retention deletes only scheduled ones ("auto"), never other files.
var backupName = regexp.MustCompile(`^poscare-(auto-)?(\d{8}T\d{6}Z)(?:-(\d+))?\.(db|pgdump)$`)

// Backup writes a consistent copy of the whole database to path, which
// must not exist yet, and records its time, size and SHA-256 in the audit
// trail. It runs beside a live server: SQLite's VACUUM INTO copies one
// read snapshot while writers go on; PostgreSQL's pg_dump reads one
// snapshot too. The file appears under its name only once complete.
// Whoever may work an incident's checklist may take one.
// Errors: EForbidden, EConflict (path exists), EInternal.
func (s *Store) Backup(ctx context.Context, a poscare.Actor, path, why string) (*Backup, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActUpdate) {
		return nil, poscare.Forbidden()
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, poscare.Fail(poscare.EConflict, "db.backup.exists", "path", path)
	}
	partial := path + ".partial"
	os.Remove(partial)
	var err error
	if s.dialect == Postgres {
		err = s.pgDump(ctx, partial)
	} else {
		err = s.vacuumInto(ctx, partial)
	}
	if err == nil {
		err = syncFile(partial)
	}
	if err == nil {
		err = os.Rename(partial, path)
	}
	if err != nil {
		os.Remove(partial)
		return nil, poscare.Internal(fmt.Errorf("backup: %w", err))
	}
	syncDir(filepath.Dir(path))
	b := &Backup{Path: path, Name: filepath.Base(path), At: s.Now().UTC().Truncate(time.Second), Dialect: s.dialect}
	if b.Size, b.SHA256, err = fileDigest(path); err != nil {
		return nil, poscare.Internal(err)
	}
	detail := map[string]any{"file": b.Name, "size": b.Size, "sha256": b.SHA256, "at": b.At, "dialect": b.Dialect, "why": why}
	if err := s.Record(ctx, a, poscare.AuditBackup, "database", 0, detail); err != nil {
		return b, err
	}
	return b, nil
}

// BackupInto takes a backup into dir under poscare's own name, with the
// time in UTC: poscare-20260102T030405Z.db (or .pgdump), and
// poscare-auto-… for scheduled ones, the only kind PruneBackups deletes.
func (s *Store) BackupInto(ctx context.Context, a poscare.Actor, dir string, scheduled bool, why string) (*Backup, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, poscare.Internal(err)
	}
	prefix := "poscare-"
	if scheduled {
		prefix += "auto-"
	}
	ext := ".db"
	if s.dialect == Postgres {
		ext = ".pgdump"
	}
	stamp := s.Now().UTC().Format("20060102T150405Z")
	name := prefix + stamp + ext
	for i := 2; ; i++ {
		if _, err := os.Lstat(filepath.Join(dir, name)); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s%s-%d%s", prefix, stamp, i, ext)
	}
	return s.Backup(ctx, a, filepath.Join(dir, name), why)
}

// PruneBackups deletes the oldest scheduled backups in dir beyond the
// newest keep. It touches only files of poscare's scheduled naming
// (poscare-auto-…): backups taken by hand or from an incident, and any
// other file, stay. It returns the names it deleted.
func PruneBackups(dir string, keep int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var auto []string
	for _, e := range entries {
		if m := backupName.FindStringSubmatch(e.Name()); m != nil && m[1] != "" && e.Type().IsRegular() {
			auto = append(auto, e.Name())
		}
	}
	// Newest first: by the stamp (fixed-width UTC), then by the -N of a
	// second backup within the same second.
	key := func(name string) string {
		m := backupName.FindStringSubmatch(name)
		return m[2] + fmt.Sprintf("%06s", m[3])
	}
	sort.Slice(auto, func(i, j int) bool { return key(auto[i]) > key(auto[j]) })
	var gone []string
	for i, name := range auto {
		if i < keep {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return gone, err
		}
		gone = append(gone, name)
	}
	return gone, nil
}

// ClaimScheduledBackup tells whether this instance takes the scheduled
// backup now. The claim is an entry in the audit trail, written under the
// chain's lock (PostgreSQL's advisory lock, SQLite's single writer): the
// first instance to claim after the last claim is a period old takes the
// backup, so several instances on one PostgreSQL take one between them.
// It also returns the time of the last claim (this one when claimed), for
// the caller to wait a period from it.
func (s *Store) ClaimScheduledBackup(ctx context.Context, every time.Duration, holder string) (bool, time.Time, error) {
	claimed, last := false, time.Time{}
	err := s.inWrite(ctx, func(t *Tx) error {
		claimed, last = false, time.Time{} // afresh on every run: inWrite may retry
		if err := t.readAuditHead(ctx); err != nil {
			return err
		}
		var at sql.NullInt64
		err := t.queryRow(ctx, "SELECT at FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1", poscare.AuditBackupClaim).Scan(&at)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return t.s.translate(err)
		}
		if at.Valid && t.now.Sub(fromMicros(at.Int64)) < every {
			last = fromMicros(at.Int64)
			return nil
		}
		claimed, last = true, t.now
		return t.record(ctx, poscare.SystemActor("backup-schedule"), poscare.AuditBackupClaim, "database", 0, nil,
			map[string]any{"holder": holder, "every": every.String()})
	})
	return claimed, last, err
}

// vacuumInto copies the SQLite database into path through a connection
// of its own, so the copy neither waits for nor holds up the store's
// writer, and is readable only by its owner.
func (s *Store) vacuumInto(ctx context.Context, path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	db, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(s.dsn, "sqlite://")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", path)
	return err
}

// pgDump runs pg_dump in its custom format, of the DSN's schema when its
// search_path names one. The password goes in the environment, not on the
// command line where any user of the machine could read it.
func (s *Store) pgDump(ctx context.Context, path string) error {
	conn, schema, env, err := libpqDSN(s.dsn)
	if err != nil {
		return err
	}
	// Created first, readable by its owner only: pg_dump writes into it
	// and keeps its mode.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	args := []string{"--format=custom", "--no-password", "--file=" + path, "--dbname=" + conn}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	_, err = runPG(ctx, s.PGBin, "pg_dump", env, args...)
	return err
}

// libpqDSN turns a pgx DSN into what pg_dump and pg_restore read: without
// the runtime parameters libpq does not know (search_path, returned as the
// schema to dump), and without the password (returned as PGPASSWORD).
func libpqDSN(dsn string) (conn, schema string, env []string, err error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", nil, fmt.Errorf("database URL: %w", err)
	}
	q := u.Query()
	if sp := q.Get("search_path"); sp != "" {
		schema = strings.Trim(strings.TrimSpace(strings.Split(sp, ",")[0]), `"`)
	}
	kept := url.Values{}
	for k, v := range q {
		switch k {
		case "sslmode", "sslcert", "sslkey", "sslrootcert", "sslpassword", "connect_timeout", "application_name", "target_session_attrs", "host", "port", "options":
			kept[k] = v
		}
	}
	u.RawQuery = kept.Encode()
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	return u.String(), schema, env, nil
}

// runPG runs one PostgreSQL client program and returns its output; a
// failure carries what it printed.
func runPG(ctx context.Context, dir, name string, env []string, args ...string) ([]byte, error) {
	bin, err := pgTool(dir, name)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), nil
}

// pgTool finds a PostgreSQL client program: in dir when set, else on PATH,
// else in the newest /usr/lib/postgresql/*/bin (Debian's layout).
func pgTool(dir, name string) (string, error) {
	if dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s not found in %s", name, dir)
		}
		return p, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	sort.Slice(found, func(i, j int) bool { return pgMajor(found[i]) > pgMajor(found[j]) })
	if len(found) > 0 {
		return found[0], nil
	}
	return "", fmt.Errorf("%s not found on PATH nor in /usr/lib/postgresql/*/bin: install the PostgreSQL client or set --pg-bin", name)
}

func pgMajor(path string) int {
	var n int
	fmt.Sscanf(filepath.Base(filepath.Dir(filepath.Dir(path))), "%d", &n)
	return n
}

// fileDigest returns a file's size and SHA-256 in hex.
func fileDigest(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return n, hex.EncodeToString(h.Sum(nil)), err
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename in dir durable; where the system cannot, the
// rename stands all the same.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// backupDialect tells a backup file's kind by its first bytes.
func backupDialect(path string) (Dialect, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, _ := io.ReadFull(f, head)
	switch {
	case bytes.HasPrefix(head[:n], sqliteMagic):
		return SQLite, nil
	case bytes.HasPrefix(head[:n], pgDumpMagic):
		return Postgres, nil
	}
	return "", fmt.Errorf("%s is neither a SQLite backup nor a pg_dump custom-format file", path)
}

// RestoreOptions say how a backup is restored and checked.
type RestoreOptions struct {
	// PGBin is the folder of pg_restore; empty: PATH, then
	// /usr/lib/postgresql/*/bin.
	PGBin string
	// Open opens the restored database for its checks, with the keys the
	// audit chain is verified under; nil opens it without keys.
	Open func(ctx context.Context, dsn string) (*Store, error)
}

// open opens a restored database for its checks.
func (o RestoreOptions) open(ctx context.Context, dsn string) (*Store, error) {
	if o.Open != nil {
		return o.Open(ctx, dsn)
	}
	return Open(ctx, dsn, nil)
}

// RestoreBackup restores the backup at path onto dsn, which must hold no
// poscare schema yet: a SQLite path that does not exist, or a PostgreSQL
// database (or the schema its search_path names) without tables. A
// SQLite backup is checked (integrity, schema version, audit chain)
// before it is put in place; the file appears whole or not at all. A
// PostgreSQL restore runs in one transaction. It returns the checks of
// the restored database.
func RestoreBackup(ctx context.Context, path, dsn string, o RestoreOptions) (*BackupCheck, error) {
	kind, err := backupDialect(path)
	if err != nil {
		return nil, err
	}
	if kind != DialectOf(dsn) {
		return nil, fmt.Errorf("a %s backup restores onto a %s database only", kind, kind)
	}
	size, sum, err := fileDigest(path)
	if err != nil {
		return nil, err
	}
	if kind == SQLite {
		target := strings.TrimPrefix(dsn, "sqlite://")
		for _, p := range []string{target, target + "-wal", target + "-shm"} {
			if _, err := os.Lstat(p); err == nil {
				return nil, fmt.Errorf("%s already exists: restore onto a new database file", p)
			}
		}
		if _, err := checkSQLiteCopy(ctx, path, o); err != nil {
			return nil, err
		}
		partial := target + ".restoring"
		if err := copyFile(path, partial); err != nil {
			os.Remove(partial)
			return nil, err
		}
		if err := os.Rename(partial, target); err != nil {
			os.Remove(partial)
			return nil, err
		}
		syncDir(filepath.Dir(target))
	} else if err := pgRestore(ctx, path, dsn, o.PGBin); err != nil {
		return nil, err
	}
	c, err := checkRestored(ctx, dsn, o)
	if err != nil {
		return nil, err
	}
	c.Size, c.SHA256 = size, sum
	return c, nil
}

// VerifyBackup restores the backup at path into a temporary database, a
// SQLite file in a temporary folder or, for a PostgreSQL dump, a database
// created for the purpose on the server pgServer names and dropped after;
// then checks its schema version and its audit chain. The backup itself
// is only read.
func VerifyBackup(ctx context.Context, path, pgServer string, o RestoreOptions) (*BackupCheck, error) {
	kind, err := backupDialect(path)
	if err != nil {
		return nil, err
	}
	size, sum, err := fileDigest(path)
	if err != nil {
		return nil, err
	}
	var c *BackupCheck
	if kind == SQLite {
		c, err = checkSQLiteCopy(ctx, path, o)
	} else {
		if DialectOf(pgServer) != Postgres {
			return nil, errors.New("a PostgreSQL backup is verified on a PostgreSQL server: give its URL with --db")
		}
		c, err = verifyPGDump(ctx, path, pgServer, o)
	}
	if err != nil {
		return nil, err
	}
	c.Size, c.SHA256 = size, sum
	return c, nil
}

// checkSQLiteCopy copies a SQLite backup into a temporary folder and
// checks the copy, so that not even a journal is written beside the
// backup.
func checkSQLiteCopy(ctx context.Context, path string, o RestoreOptions) (*BackupCheck, error) {
	dir, err := os.MkdirTemp("", "poscare-verify-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "verify.db")
	if err := copyFile(path, tmp); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+tmp)
	if err != nil {
		return nil, err
	}
	var res string
	err = db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	db.Close()
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", path, err)
	}
	if res != "ok" {
		return nil, fmt.Errorf("backup %s is damaged: %s", path, res)
	}
	return checkRestored(ctx, tmp, o)
}

// checkRestored opens a restored database and checks what a backup must
// hold: the schema this poscare knows and an intact audit chain.
func checkRestored(ctx context.Context, dsn string, o RestoreOptions) (*BackupCheck, error) {
	s, err := o.open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if err := s.CheckSchema(ctx); err != nil {
		return nil, err
	}
	c := &BackupCheck{Dialect: s.dialect}
	if err := s.read.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&c.SchemaVersion); err != nil {
		return nil, s.translate(err)
	}
	brk, n, err := s.VerifyAudit(ctx)
	if err != nil {
		return nil, err
	}
	if brk != nil {
		return nil, fmt.Errorf("audit trail broken at entry %d (%s); %d entries checked", brk.Seq, brk.Reason, n)
	}
	c.AuditEntries = n
	if err := s.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM merchants").Scan(&c.Merchants); err != nil {
		return nil, s.translate(err)
	}
	return c, nil
}

// dumpedSchema reads which schema a pg_dump file holds from its table of
// contents: "" for a dump of the public schema.
func dumpedSchema(ctx context.Context, path, pgBin string) (string, error) {
	out, err := runPG(ctx, pgBin, "pg_restore", nil, "--list", path)
	if err != nil {
		return "", err
	}
	// A line such as "5; 2615 16390 SCHEMA - t_ab12 postgres".
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, ";") {
			continue
		}
		if f := strings.Fields(line); len(f) >= 6 && f[3] == "SCHEMA" && f[4] == "-" {
			return f[5], nil
		}
	}
	return "", nil
}

// pgRestore restores a dump onto dsn's database, into the schema its
// search_path names (public without one): the dump's schema is created
// under its own name, then renamed when the target's differs.
func pgRestore(ctx context.Context, path, dsn, pgBin string) error {
	from, err := dumpedSchema(ctx, path, pgBin)
	if err != nil {
		return err
	}
	conn, target, env, err := libpqDSN(dsn)
	if err != nil {
		return err
	}
	if target == "" {
		target = "public"
	}
	if from == "" {
		from = "public"
	}
	if from == "public" && target != "public" {
		return errors.New("this backup holds the public schema: restore it onto a database without a search_path")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	tables := func(schema string) (n int, exists bool, err error) {
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n); err != nil || n == 0 {
			return 0, false, err
		}
		err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1", schema).Scan(&n)
		return n, true, err
	}
	n, exists, err := tables(target)
	if err != nil {
		return fmt.Errorf("restore target: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("schema %s of the target database is not empty: restore onto a new database", target)
	}
	if from != target {
		_, there, err := tables(from)
		if err != nil {
			return fmt.Errorf("restore target: %w", err)
		}
		if there {
			return fmt.Errorf("the target database already has a schema %s (the backup's): restore onto a new database", from)
		}
	}
	// An empty schema of the target's name (as created for it) makes
	// way for the dump's; the empty public schema stays, the dump fills it.
	if exists && target != "public" {
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+quoteIdent(target)); err != nil {
			return err
		}
	}
	if _, err := runPG(ctx, pgBin, "pg_restore", env, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--no-password", "--dbname="+conn, path); err != nil {
		return err
	}
	if from != target {
		if _, err := db.ExecContext(ctx, "ALTER SCHEMA "+quoteIdent(from)+" RENAME TO "+quoteIdent(target)); err != nil {
			return err
		}
	}
	return nil
}

// verifyPGDump restores a dump into a database created for the check on
// server, checks it, and drops it.
func verifyPGDump(ctx context.Context, path, server string, o RestoreOptions) (*BackupCheck, error) {
	schema, err := dumpedSchema(ctx, path, o.PGBin)
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "poscare_verify_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("create a temporary database to verify in: %w", err)
	}
	defer admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	u, err := url.Parse(server)
	if err != nil {
		return nil, err
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	if schema != "" {
		q.Set("search_path", schema)
	}
	u.RawQuery = q.Encode()
	if err := pgRestore(ctx, path, u.String(), o.PGBin); err != nil {
		return nil, err
	}
	return checkRestored(ctx, u.String(), o)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// copyFile copies src to a new file dst, readable by its owner only, and
// syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BackupForIncident takes a backup into BackupDir for an incident and
// ticks its "data backup taken" item, with a note naming the backup file
// and its SHA-256, so the checklist says which copy holds the data as it
// was. Errors: EForbidden, ENotFound, EInternal.
func (s *Store) BackupForIncident(ctx context.Context, a poscare.Actor, id int64) (*poscare.Incident, *Backup, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActUpdate) {
		return nil, nil, poscare.Forbidden()
	}
	if _, err := s.GetIncident(ctx, a, id); err != nil {
		return nil, nil, err
	}
	if s.BackupDir == "" {
		return nil, nil, poscare.Fail(poscare.EInvalid, "db.backup.no_folder")
	}
	b, err := s.BackupInto(ctx, a, s.BackupDir, false, fmt.Sprintf("incident %d", id))
	if err != nil {
		return nil, nil, err
	}
	x, err := s.CheckIncident(ctx, a, id, poscare.CheckDataBackup, fmt.Sprintf("%s sha256:%s", b.Name, b.SHA256))
	return x, b, err
}
