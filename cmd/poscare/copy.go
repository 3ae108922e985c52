package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"poscare/jobs"
	"poscare/sqlstore"
)

// cmdCopy copies a whole database onto a new, empty one: a provider that
// outgrew the SQLite file moves to PostgreSQL. The rows go as they are
// stored, so the same keys read the target, and the audit chain goes
// whole, so the source's checkpoints hold for the target.
func cmdCopy(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("copy", stdout)
	from := fs.String("from", "poscare.db", "database to copy: a SQLite file path, or a postgres:// URL")
	to := fs.String("to", "", "new, empty database to copy onto: a postgres:// URL, or a SQLite file path")
	c, _, err := parseConfig(fs, args, "data-keys", "index-key", "keys-file", "audit-checkpoints")
	if err != nil {
		return err
	}
	if *to == "" {
		return errors.New("--to is required: the new, empty database to copy onto (see `poscare copy --help`)")
	}
	// The source's checkpoints: named, else the file beside a SQLite
	// source. The target is verified against them, since it continues
	// the same chain.
	checkpoints := c["audit-checkpoints"]
	if checkpoints == "" && sqlstore.DialectOf(*from) == sqlstore.SQLite {
		if p := *from + ".audit-checkpoints"; fileExists(p) {
			checkpoints = p
		}
	} else if checkpoints != "" && !fileExists(checkpoints) {
		return fmt.Errorf("audit checkpoints: %s does not exist", checkpoints)
	}
	if sqlstore.DialectOf(*from) == sqlstore.SQLite && !fileExists(*from) {
		return fmt.Errorf("--from: %s does not exist", *from)
	}
	at := func(dsn string) config {
		out := config{}
		for k, v := range c {
			out[k] = v
		}
		out["db"] = dsn
		return out
	}
	src, err := openMigrated(ctx, at(*from))
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer src.Close()
	dst, err := openStore(ctx, at(*to), "")
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer dst.Close()
	dst.AuditCheckpoints = checkpoints
	fmt.Fprintf(stdout, "copying %s onto %s\n", redactURL(*from), redactURL(*to))
	last := map[string]time.Time{}
	rep, err := src.CopyTo(ctx, dst, func(table string, done, total int64) {
		if done < total && time.Since(last[table]) < time.Second {
			return
		}
		last[table] = time.Now()
		fmt.Fprintf(stdout, "  %s %s/%s\n", table, thousands(done), thousands(total))
	})
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range rep.Tables {
		rows += t.Rows
		if t.Derived {
			fmt.Fprintf(stdout, "  %s %s: kept by triggers, equal to the source's and to a recount on the target\n", t.Name, thousands(t.Rows))
		}
	}
	fmt.Fprintf(stdout, "copied %d tables, %s rows in %s; schema version %d; every table's row count and row digest checked on the target\n",
		len(rep.Tables), thousands(rows), rep.Took.Round(time.Millisecond), rep.SchemaVersion)
	checked := "no checkpoint file to hold it against"
	if checkpoints != "" {
		checked = "held against the source's checkpoints in " + checkpoints
	}
	fmt.Fprintf(stdout, "audit trail intact on the target: %s entries, head %s, %s\n", thousands(rep.AuditEntries), rep.AuditHead, checked)
	// The job engine's tables are not copied (the source's queued jobs are
	// redone by the target's periodic ones), but created on the target.
	if _, err := jobs.Migrate(ctx, dst); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	fmt.Fprintln(stdout, "the target continues the source's audit chain: the source's checkpoints stay valid for it (give serve --audit-checkpoints that file)")
	fmt.Fprintln(stdout, "start poscare serve on the target with the same POSCARE_DATA_KEYS, POSCARE_INDEX_KEY, POSCARE_AUDIT_KEY and POSCARE_LINK_KEY (or keys file)")
	return nil
}

// thousands writes n with commas between thousands: 25,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
