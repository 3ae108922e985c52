package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"poscare"
	"poscare/observe"
	"poscare/sqlstore"
)

// backupDir is where the server keeps its backups: --backup-dir, else
// backups/ beside the SQLite file, or ./backups for PostgreSQL.
func backupDir(c config) string {
	if c["backup-dir"] != "" {
		return c["backup-dir"]
	}
	if sqlstore.DialectOf(c["db"]) == sqlstore.SQLite {
		return filepath.Join(filepath.Dir(strings.TrimPrefix(c["db"], "sqlite://")), "backups")
	}
	return "backups"
}

// cmdBackup takes one backup. A backup copies the sealed values as they
// are and holds no key; the keys are asked for because the backup's
// record joins the audit trail, which the keys chain.
func cmdBackup(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("backup", stdout)
	to := fs.String("to", "", "backup file to write, or an existing folder to write poscare-<time>.db/.pgdump into (default: --backup-dir)")
	c, _, err := parseConfig(fs, args, "db", "data-keys", "index-key", "keys-file", "backup-dir", "pg-bin")
	if err != nil {
		return err
	}
	store, err := openMigrated(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	store.PGBin = c["pg-bin"]
	var b *sqlstore.Backup
	dest := *to
	if dest == "" {
		dest = backupDir(c)
	}
	if info, err := os.Stat(dest); (err == nil && info.IsDir()) || *to == "" {
		b, err = store.BackupInto(ctx, poscare.SystemActor("cli"), dest, false, "command line")
		if err != nil {
			return err
		}
	} else if b, err = store.Backup(ctx, poscare.SystemActor("cli"), dest, "command line"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup %s: %d bytes, sha256 %s\n", b.Path, b.Size, b.SHA256)
	fmt.Fprintln(stdout, "the keys are not in it: keep POSCARE_DATA_KEYS and POSCARE_INDEX_KEY (or the keys file) safe apart from it")
	return nil
}

// restoreOptions opens a restored database with the configured keys, so
// that its audit chain is verified under them.
func restoreOptions(c config) sqlstore.RestoreOptions {
	return sqlstore.RestoreOptions{PGBin: c["pg-bin"], Open: func(ctx context.Context, dsn string) (*sqlstore.Store, error) {
		at := config{}
		for k, v := range c {
			at[k] = v
		}
		at["db"] = dsn
		return openStore(ctx, at, "")
	}}
}

// cmdBackupVerify restores a backup aside and checks it.
func cmdBackupVerify(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("backup verify", stdout)
	path := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		path, args = args[0], args[1:]
	}
	c, _, err := parseConfig(fs, args, "db", "data-keys", "index-key", "keys-file", "pg-bin")
	if err != nil {
		return err
	}
	if path == "" {
		return errors.New("which backup? (see `poscare backup verify --help`)")
	}
	r, err := sqlstore.VerifyBackup(ctx, path, c["db"], restoreOptions(c))
	if err != nil {
		return fmt.Errorf("backup %s failed verification: %w", path, err)
	}
	fmt.Fprintf(stdout, "backup %s is good: %s, schema version %d, %d merchants, audit trail intact (%d entries); %d bytes, sha256 %s\n",
		path, r.Dialect, r.SchemaVersion, r.Merchants, r.AuditEntries, r.Size, r.SHA256)
	return nil
}

// cmdRestore restores a backup onto a new, empty database and records
// the restore in its audit trail.
func cmdRestore(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("restore", stdout)
	from := fs.String("from", "", "backup file to restore")
	c, _, err := parseConfig(fs, args, "db", "data-keys", "index-key", "keys-file", "pg-bin")
	if err != nil {
		return err
	}
	if *from == "" {
		return errors.New("--from is required: the backup file to restore (see `poscare restore --help`)")
	}
	r, err := sqlstore.RestoreBackup(ctx, *from, c["db"], restoreOptions(c))
	if err != nil {
		return err
	}
	store, err := openStore(ctx, c, "")
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Record(ctx, poscare.SystemActor("cli"), poscare.AuditBackupRestore, "database", 0,
		map[string]any{"file": filepath.Base(*from), "size": r.Size, "sha256": r.SHA256}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s onto %s: schema version %d, %d merchants, audit trail intact (%d entries)\n",
		*from, redactURL(c["db"]), r.SchemaVersion, r.Merchants, r.AuditEntries)
	fmt.Fprintln(stdout, "start poscare serve on it with the same POSCARE_DATA_KEYS and POSCARE_INDEX_KEY as the backed-up server")
	return nil
}

// scheduleBackups takes a backup every period into dir and keeps the
// newest keep, until ctx ends. Every instance runs it; the claim in the
// audit trail lets one of them take each period's backup. A backup under
// way when ctx ends is finished, not cut short.
func scheduleBackups(ctx context.Context, store *sqlstore.Store, dir string, every time.Duration, keep int, logger *slog.Logger, m *observe.Metrics) {
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s pid %d", host, os.Getpid())
	wait := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		claimed, last, err := store.ClaimScheduledBackup(ctx, every, holder)
		if err != nil {
			if ctx.Err() == nil {
				logger.Error("scheduled backup: claim", "err", err)
			}
			wait = time.Minute
			continue
		}
		// Another instance took this period's backup, or this one: wait a
		// period from it (a little more, so both clocks agree it is due).
		wait = time.Until(last.Add(every)) + time.Second
		if !claimed {
			continue
		}
		start := time.Now()
		b, err := store.BackupInto(context.WithoutCancel(ctx), poscare.SystemActor("backup-schedule"), dir, true, "scheduled")
		m.Job("backup", start, err)
		if err != nil {
			logger.Error("scheduled backup", "err", err)
			continue
		}
		logger.Info("backup taken", "file", b.Path, "size", b.Size, "sha256", b.SHA256)
		if gone, err := sqlstore.PruneBackups(dir, keep); err != nil {
			logger.Error("backup retention", "err", err)
		} else if len(gone) > 0 {
			logger.Info("old backups deleted", "files", strings.Join(gone, " "))
		}
	}
}
