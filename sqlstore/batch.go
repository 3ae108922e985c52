package sqlstore

import (
	"context"
	"runtime"
	"strings"
	"sync"
)

// maxParams bounds the placeholders of one statement, under SQLite's
// limit (32766) and PostgreSQL's (65535).
const maxParams = 30000

// multiRow names the tables written with multi-row INSERTs on SQLite. The
// others get one prepared single-row INSERT per row there: measured on
// SQLite, a multi-row INSERT into a table with several indexes keeps a
// statement journal that costs more than the statements it saves. On
// PostgreSQL every statement is a round trip to the server, and every
// table is written in multi-row INSERTs.
var multiRow = map[string]bool{"audit_log": true, "merchant_search": true, "contacts": true, "contact_channels": true, "outbox": true, "handovers": true}

// reserveIDs returns n fresh ids for table, so that a batch of rows can be
// written in multi-row statements without RETURNING (whose row order
// SQLite does not promise). SQLite has one writer at a time, so the next
// ids after the largest are free for this transaction; PostgreSQL hands
// them out from the identity column's sequence.
func (t *Tx) reserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if n == 0 {
		return ids, nil
	}
	if t.s.dialect == Postgres {
		rows, err := t.query(ctx, "SELECT nextval(pg_get_serial_sequence('"+table+"', 'id')) FROM generate_series(1, ?)", n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, t.s.translate(err)
			}
			ids = append(ids, id)
		}
		return ids, t.s.translate(rows.Err())
	}
	next, ok := t.nextID[table]
	if !ok {
		if err := t.queryRow(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM "+table).Scan(&next); err != nil {
			return nil, t.s.translate(err)
		}
	}
	for i := range n {
		ids = append(ids, next+int64(i))
	}
	if t.nextID == nil {
		t.nextID = map[string]int64{}
	}
	t.nextID[table] = next + int64(n)
	return ids, nil
}

// insertRows writes rows into table, in multi-row statements where that
// pays (see multiRow), each under maxParams placeholders. Every row has one
// value per column.
func (t *Tx) insertRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	per := 1
	if multiRow[table] || t.s.dialect == Postgres {
		per = max(1, maxParams/len(cols))
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	// On SQLite, OR FAIL spares every statement its statement journal (the
	// undo log for one statement): a failure aborts the whole transaction
	// anyway, so no partial statement outlives it.
	verb := "INSERT INTO "
	if t.s.dialect == SQLite {
		verb = "INSERT OR FAIL INTO "
	}
	head := verb + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for len(rows) > 0 {
		n := min(per, len(rows))
		chunk := rows[:n]
		rows = rows[n:]
		args := make([]any, 0, n*len(cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := head + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
		if _, err := t.exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// flush writes what the transaction has queued: audit entries and, on
// SQLite, search index rows. It runs right before commit, so a batch of
// thousands of records costs a handful of statements for them.
func (t *Tx) flush(ctx context.Context) error {
	if len(t.pendingSearch) > 0 {
		if err := t.insertRows(ctx, "merchant_search", []string{"rowid", "search_grams"}, t.pendingSearch); err != nil {
			return err
		}
		t.pendingSearch = nil
	}
	// Last, so that on PostgreSQL the chain's lock is held for no more
	// than this insert and the commit.
	if len(t.unlinked) > 0 {
		if err := t.readAuditHead(ctx); err != nil {
			return err
		}
	}
	if len(t.pendingAudit) > 0 {
		if err := t.insertRows(ctx, "audit_log", []string{"seq", "at", "actor_id", "actor_login", "action", "entity", "entity_id",
			"before_json", "after_json", "source", "prev_hash", "hash"}, t.pendingAudit); err != nil {
			return err
		}
		t.pendingAudit = nil
	}
	return nil
}

// deferForeignKeys moves SQLite's foreign-key checks of this transaction to
// its commit. Checked per statement, every multi-row insert would keep an
// undo journal of its own; checked at commit, a violation still fails the
// whole transaction. PostgreSQL needs nothing.
func (t *Tx) deferForeignKeys(ctx context.Context) error {
	if t.s.dialect != SQLite {
		return nil
	}
	_, err := t.tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON")
	return t.s.translate(err)
}

// parallel runs fn(0) … fn(n-1) on every core and returns the first error.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
