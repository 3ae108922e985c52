package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Copying a database moves a provider from one database to
// another, typically from the embedded SQLite file to PostgreSQL once it
// has outgrown one machine. Every row is copied as it is stored: sealed
// fields and blind indexes stay the same bytes, so the same keys read
// them, and the audit trail keeps every entry, hash and link, so the
// target continues the same chain and the source's audit checkpoints hold
// for it too.

// derivedTables are kept by triggers from other tables, each with the
// query (its columns in the table's order) of what it must hold. On a
// PostgreSQL target the copy disables the user triggers of the tables in
// its transaction and copies these as stored: a row trigger would update
// one holding's row once per merchant, and PostgreSQL keeps every version
// of a row updated in one transaction, so the copy would slow down with
// the square of the merchants. SQLite's triggers cannot be disabled: there
// they rebuild the tables from the rows copied. Either way CopyTo checks
// each against its query on the target and against the source's rows.
var derivedTables = map[string]string{
	"merchant_holdings": `SELECT team_id, account_manager_id, COALESCE(backup_manager_id, 0), COUNT(*) FROM merchants
		WHERE archived_at IS NULL GROUP BY team_id, account_manager_id, COALESCE(backup_manager_id, 0)`,
}

// CopyProgress hears how far the copy of a table has come: done of total
// rows. It is called after every batch and once a table is complete.
type CopyProgress func(table string, done, total int64)

// CopyReport is what CopyTo copied and checked.
type CopyReport struct {
	Tables        []TableCopy   `json:"tables"`
	AuditEntries  int64         `json:"audit_entries"`
	AuditHead     string        `json:"audit_head"` // the last entry's hash, the same on both sides
	SchemaVersion int           `json:"schema_version"`
	Took          time.Duration `json:"took"`
}

// TableCopy is one table's rows, counted on the source and checked on the
// target with a digest of every row.
type TableCopy struct {
	Name    string `json:"name"`
	Rows    int64  `json:"rows"`
	Derived bool   `json:"derived"` // kept by triggers, checked against what they would make of the rows copied
}

// CopyTo copies every record of s into target, in one transaction on the
// target: either the whole database arrives or nothing does. The target
// is migrated to the schema of this poscare first (the source must be at
// it too) and must hold no row in any table. Rows keep their ids, and the
// target's identity sequences continue after them. The source is read in
// one snapshot, so a server still writing to it does not tear the copy,
// though what it writes afterwards is not copied: stop it first.
//
// Before it returns, CopyTo checks the target: every table's row count and
// a digest of all its rows equal the source's, the tables kept by triggers
// equal the source's, and the audit chain verifies under target's keys
// (and its AuditCheckpoints file, if set) with the source's head. target
// must therefore be opened with the source's keys.
func (s *Store) CopyTo(ctx context.Context, target *Store, progress CopyProgress) (*CopyReport, error) {
	start := time.Now()
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	if err := s.CheckSchema(ctx); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if _, err := target.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("target: migrate: %w", err)
	}
	if err := target.CheckSchema(ctx); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	srcTables, err := s.copyTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	dstTables, err := target.copyTables(ctx)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	if a, b := strings.Join(srcTables, ","), strings.Join(dstTables, ","); a != b {
		return nil, fmt.Errorf("the source's tables (%s) are not the target's (%s): both must be poscare databases of the same schema", a, b)
	}
	for _, table := range dstTables {
		var one int
		err := target.read.QueryRowContext(ctx, "SELECT 1 FROM "+quoteIdent(table)+" LIMIT 1").Scan(&one)
		if err == nil {
			return nil, fmt.Errorf("the target is not empty (table %s has rows): copy onto a new, empty database", table)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("target: %w", err)
		}
	}
	rebuilt := target.dialect == SQLite // derived tables filled by the target's triggers
	var copied []string
	for _, table := range dstTables {
		if _, derived := derivedTables[table]; !derived || !rebuilt {
			copied = append(copied, table)
		}
	}
	order, selfRefs, err := target.dependencyOrder(ctx, copied)
	if err != nil {
		return nil, err
	}

	src, err := s.read.BeginTx(ctx, s.snapshot())
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	defer src.Rollback()
	dst, err := target.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer dst.Rollback()
	if err := target.userTriggers(ctx, dst, order, false); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	rep := &CopyReport{}
	digests := map[string]tableDigest{}
	for _, table := range order {
		d, n, err := s.copyTable(ctx, src, target, dst, table, selfRefs[table], progress)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", table, err)
		}
		digests[table] = d
		_, derived := derivedTables[table]
		rep.Tables = append(rep.Tables, TableCopy{Name: table, Rows: n, Derived: derived})
	}
	if err := target.userTriggers(ctx, dst, order, true); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	for _, table := range dstTables {
		if _, derived := derivedTables[table]; !derived || !rebuilt {
			continue
		}
		d, n, err := digestTable(ctx, src, s.dialect, table)
		if err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
		digests[table] = d
		rep.Tables = append(rep.Tables, TableCopy{Name: table, Rows: n, Derived: true})
	}
	if err := target.afterCopy(ctx, dst); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	if err := src.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&rep.SchemaVersion); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	var head sql.NullString
	if err := src.QueryRowContext(ctx, "SELECT COUNT(*), (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) FROM audit_log").Scan(&rep.AuditEntries, &head); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	rep.AuditHead = head.String
	if err := dst.Commit(); err != nil {
		return nil, fmt.Errorf("target: commit: %w", target.translate(err))
	}
	target.written()
	if err := target.checkCopy(ctx, rep, digests); err != nil {
		return nil, fmt.Errorf("the copy failed its check on the target (the target now holds it: drop it before copying again): %w", err)
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// userTriggers disables (or enables again) the user triggers of those of
// tables that have any, on
// a PostgreSQL target, inside the copy's transaction, so that nothing is
// derived twice from rows copied as stored; the change is undone before
// the commit, and never seen outside the transaction. SQLite has no such
// switch.
func (s *Store) userTriggers(ctx context.Context, tx *sql.Tx, tables []string, enable bool) error {
	if s.dialect != Postgres {
		return nil
	}
	verb := "DISABLE"
	if enable {
		verb = "ENABLE"
		// A table with deferred foreign-key checks still to run cannot be
		// altered: run them now.
		if _, err := tx.ExecContext(ctx, "SET CONSTRAINTS ALL IMMEDIATE"); err != nil {
			return s.translate(err)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = current_schema()`)
	if err != nil {
		return err
	}
	var triggered []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		if slices.Contains(tables, t) {
			triggered = append(triggered, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	sort.Strings(triggered)
	for _, t := range triggered {
		if _, err := tx.ExecContext(ctx, "ALTER TABLE "+quoteIdent(t)+" "+verb+" TRIGGER USER"); err != nil {
			return fmt.Errorf("%s the triggers of %s: %w", strings.ToLower(verb), t, err)
		}
	}
	return nil
}

// snapshot is how the source is read: in one snapshot, on PostgreSQL a
// repeatable-read one (SQLite's read transaction is one already).
func (s *Store) snapshot() *sql.TxOptions {
	if s.dialect == Postgres {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return nil
}

// copyTables lists the tables that hold records, sorted: every table but
// the migrations' bookkeeping. SQLite's search index (a virtual table and
// its shadow tables, which PostgreSQL keeps as a GIN index) is not a
// table of records.
func (s *Store) copyTables(ctx context.Context) ([]string, error) {
	q := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	if s.dialect == SQLite {
		q = "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
	}
	rows, err := s.read.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if name != "schema_migrations" && !IsJobTable(name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, rows.Err()
}

// column is one column of a table on the target, with the kind of value
// it takes.
type column struct {
	name string
	kind byte // 'i' integer, 'f' floating point, 's' text, 'b' bytes, 't' boolean
}

// tableColumns returns table's columns in their order, with their kinds.
func tableColumns(ctx context.Context, tx *sql.Tx, dialect Dialect, table string) ([]column, error) {
	query := "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
	if dialect == SQLite {
		query = "SELECT name, type FROM pragma_table_info(?) ORDER BY cid"
	}
	rows, err := tx.QueryContext(ctx, query, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		c := column{name: name}
		t := strings.ToLower(typ)
		switch {
		case strings.Contains(t, "int"):
			c.kind = 'i'
		case strings.Contains(t, "double"), strings.Contains(t, "real"), strings.Contains(t, "float"), strings.Contains(t, "numeric"):
			c.kind = 'f'
		case strings.Contains(t, "text"), strings.Contains(t, "char"):
			c.kind = 's'
		case strings.Contains(t, "bytea"), strings.Contains(t, "blob"):
			c.kind = 'b'
		case strings.Contains(t, "bool"):
			c.kind = 't'
		default:
			return nil, fmt.Errorf("column %s.%s has type %s, which the copy does not know", table, name, typ)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("table %s has no columns", table)
	}
	return out, nil
}

// dependencyOrder orders tables so that every table comes after the
// tables its foreign keys point to. A table's references to itself (a
// manager who is a user) are returned apart: those columns are copied in a
// second pass, once all its rows are there. Any other cycle is an error.
func (s *Store) dependencyOrder(ctx context.Context, tables []string) ([]string, map[string][]string, error) {
	q := `SELECT c.relname, a.attname, p.relname FROM pg_constraint k
		JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		CROSS JOIN LATERAL unnest(k.conkey) AS key(attnum)
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = key.attnum
		WHERE k.contype = 'f' AND n.nspname = current_schema()`
	if s.dialect == SQLite {
		q = `SELECT m.name, f."from", f."table" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`
	}
	rows, err := s.read.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	needs := map[string]map[string]bool{}
	self := map[string][]string{}
	for rows.Next() {
		var table, col, parent string
		if err := rows.Scan(&table, &col, &parent); err != nil {
			return nil, nil, err
		}
		if table == parent {
			if !slices.Contains(self[table], col) {
				self[table] = append(self[table], col)
			}
			continue
		}
		if needs[table] == nil {
			needs[table] = map[string]bool{}
		}
		needs[table][parent] = true
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var order []string
	done := map[string]bool{}
	for len(order) < len(tables) {
		progressed := false
		for _, t := range tables {
			if done[t] {
				continue
			}
			ready := true
			for p := range needs[t] {
				if slices.Contains(tables, p) && !done[p] {
					ready = false
				}
			}
			if ready {
				order, done[t], progressed = append(order, t), true, true
			}
		}
		if !progressed {
			var left []string
			for _, t := range tables {
				if !done[t] {
					left = append(left, t)
				}
			}
			return nil, nil, fmt.Errorf("the foreign keys of tables %s form a cycle: no order to copy them in", strings.Join(left, ", "))
		}
	}
	for _, cols := range self {
		sort.Strings(cols)
	}
	return order, self, nil
}

// copyBatchParams bounds the parameters of one multi-row INSERT (SQLite
// takes 32766, PostgreSQL 65535).
const copyBatchParams = 30000

// copyTable copies one table's rows from the source snapshot into the
// target transaction in multi-row INSERTs, with the columns in selfRefs
// left empty and filled in a second pass. It returns the digest of the
// rows as written and their count.
func (s *Store) copyTable(ctx context.Context, src *sql.Tx, target *Store, dst *sql.Tx, table string, selfRefs []string, progress CopyProgress) (tableDigest, int64, error) {
	var d tableDigest
	cols, err := tableColumns(ctx, dst, target.dialect, table)
	if err != nil {
		return d, 0, err
	}
	srcCols, err := tableColumns(ctx, src, s.dialect, table)
	if err != nil {
		return d, 0, err
	}
	names, srcNames := columnNames(cols), columnNames(srcCols)
	if !slices.Equal(sortedCopy(names), sortedCopy(srcNames)) {
		return d, 0, fmt.Errorf("the source's columns (%s) are not the target's (%s)", strings.Join(srcNames, ", "), strings.Join(names, ", "))
	}
	byName := nameOrder(cols)
	digestRow := make([]any, len(cols))
	var total int64
	if err := src.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+quoteIdent(table)).Scan(&total); err != nil {
		return d, 0, err
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = quoteIdent(n)
	}
	list := strings.Join(quoted, ", ")
	rows, err := src.QueryContext(ctx, "SELECT "+list+" FROM "+quoteIdent(table))
	if err != nil {
		return d, 0, err
	}
	defer rows.Close()
	idCol := slices.Index(names, "id")
	deferred := make([]int, 0, len(selfRefs))
	for _, c := range selfRefs {
		deferred = append(deferred, slices.Index(names, c))
	}
	if len(deferred) > 0 && idCol < 0 {
		return d, 0, errors.New("the table refers to itself but has no id column to fill the references in by")
	}
	perBatch := max(1, min(1000, copyBatchParams/len(cols)))
	placeholder := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	insert := func(batch []any, n int) error {
		q := "INSERT INTO " + quoteIdent(table) + " (" + list + ") VALUES " + strings.TrimSuffix(strings.Repeat(placeholder+", ", n), ", ")
		_, err := dst.ExecContext(ctx, target.rebind(q), batch...)
		return err
	}
	var later [][]any // id and the deferred columns' values, for the second pass
	var batch []any
	var n, inBatch int64
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return d, n, err
		}
		row := make([]any, len(cols))
		for i, c := range cols {
			if row[i], err = convert(vals[i], c.kind); err != nil {
				return d, n, fmt.Errorf("column %s: %w", c.name, err)
			}
		}
		for i, j := range byName {
			digestRow[i] = row[j]
		}
		d.add(digestRow)
		if len(deferred) > 0 {
			keep := []any{row[idCol]}
			set := false
			for _, i := range deferred {
				keep = append(keep, row[i])
				set = set || row[i] != nil
				row[i] = nil
			}
			if set {
				later = append(later, keep)
			}
		}
		batch = append(batch, row...)
		n++
		inBatch++
		if inBatch == int64(perBatch) {
			if err := insert(batch, int(inBatch)); err != nil {
				return d, n, target.translate(err)
			}
			batch, inBatch = batch[:0], 0
			if n < total {
				progress(table, n, total)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return d, n, err
	}
	if inBatch > 0 {
		if err := insert(batch, int(inBatch)); err != nil {
			return d, n, target.translate(err)
		}
	}
	if len(later) > 0 {
		sets := make([]string, len(selfRefs))
		for i, c := range selfRefs {
			sets[i] = quoteIdent(c) + " = ?"
		}
		st, err := dst.PrepareContext(ctx, target.rebind("UPDATE "+quoteIdent(table)+" SET "+strings.Join(sets, ", ")+" WHERE id = ?"))
		if err != nil {
			return d, n, err
		}
		defer st.Close()
		for _, keep := range later {
			if _, err := st.ExecContext(ctx, append(keep[1:], keep[0])...); err != nil {
				return d, n, target.translate(err)
			}
		}
	}
	if n != total {
		return d, n, fmt.Errorf("read %d rows where the source counted %d", n, total)
	}
	progress(table, n, total)
	return d, n, nil
}

func columnNames(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}

// nameOrder returns the indexes of cols in the order of their names, the
// order digests take columns in, so that the two sides agree whatever
// order their migrations added the columns in.
func nameOrder(cols []column) []int {
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return cols[order[a]].name < cols[order[b]].name })
	return order
}

func sortedCopy(xs []string) []string {
	out := slices.Clone(xs)
	sort.Strings(out)
	return out
}

// convert turns a value as the source's driver read it into the kind the
// target's column takes, refusing anything that would not survive the
// trip unchanged.
func convert(v any, kind byte) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok && kind != 'b' {
		v = string(b)
	}
	switch kind {
	case 'i':
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		case string:
			if i, err := strconv.ParseInt(x, 10, 64); err == nil {
				return i, nil
			}
		}
	case 'f':
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, nil
			}
		}
	case 's':
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
	case 'b':
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	case 't':
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		}
	}
	return nil, fmt.Errorf("value %T does not fit a column of kind %c", v, kind)
}

// afterCopy brings what the target keeps beside the rows up to them, in
// the copy's transaction: PostgreSQL's identity sequences continue after
// the largest id copied; SQLite's search index is rebuilt from the
// merchants.
func (s *Store) afterCopy(ctx context.Context, tx *sql.Tx) error {
	if s.dialect == SQLite {
		_, err := tx.ExecContext(ctx, "INSERT INTO merchant_search (merchant_search) VALUES ('rebuild')")
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`)
	if err != nil {
		return err
	}
	var seqs [][2]string
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return err
		}
		seqs = append(seqs, [2]string{t, c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, tc := range seqs {
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(%s) FROM %s), 0) + 1, false)", quoteIdent(tc[1]), quoteIdent(tc[0]))
		if _, err := tx.ExecContext(ctx, q, quoteIdent(tc[0]), tc[1]); err != nil {
			return fmt.Errorf("sequence of %s.%s: %w", tc[0], tc[1], err)
		}
	}
	return nil
}

// checkCopy reads the committed copy back: every table's rows against the
// source's digest, the audit chain verified (under the checkpoints, if
// any) and ending at the source's head.
func (s *Store) checkCopy(ctx context.Context, rep *CopyReport, want map[string]tableDigest) error {
	tx, err := s.read.BeginTx(ctx, s.snapshot())
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range rep.Tables {
		d, n, err := digestTable(ctx, tx, s.dialect, t.Name)
		if err != nil {
			return err
		}
		if n != t.Rows {
			return fmt.Errorf("table %s has %d rows, the source %d", t.Name, n, t.Rows)
		}
		if d != want[t.Name] {
			return fmt.Errorf("table %s's rows differ from the source's", t.Name)
		}
	}
	for table, want := range derivedTables {
		if !slices.ContainsFunc(rep.Tables, func(t TableCopy) bool { return t.Name == table }) {
			continue
		}
		var extra, missing int64
		q := "SELECT COUNT(*) FROM (SELECT * FROM " + quoteIdent(table) + " EXCEPT " + want + ") x"
		if err := tx.QueryRowContext(ctx, q).Scan(&extra); err != nil {
			return err
		}
		q = "SELECT COUNT(*) FROM (" + want + " EXCEPT SELECT * FROM " + quoteIdent(table) + ") x"
		if err := tx.QueryRowContext(ctx, q).Scan(&missing); err != nil {
			return err
		}
		if extra+missing > 0 {
			return fmt.Errorf("table %s disagrees with the rows it is kept from: %d rows it should not have, %d it lacks", table, extra, missing)
		}
	}
	brk, n, err := s.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if brk != nil {
		return fmt.Errorf("audit trail broken at entry %d (%s): %s", brk.Seq, brk.Kind, brk.Reason)
	}
	var head sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&head); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if n != rep.AuditEntries || head.String != rep.AuditHead {
		return fmt.Errorf("audit trail has %d entries ending in %s, the source %d ending in %s", n, head.String, rep.AuditEntries, rep.AuditHead)
	}
	return nil
}

// tableDigest is a digest of a table's rows that does not depend on their
// order (the two databases sort text differently): the sum, lane by lane,
// of each row's SHA-256.
type tableDigest [4]uint64

// add adds one row, its values as convert returns them or as a driver
// reads them.
func (d *tableDigest) add(row []any) {
	h := sha256.New()
	var b []byte
	for _, v := range row {
		switch x := v.(type) {
		case nil:
			b = append(b, 'n')
		case int64:
			b = strconv.AppendInt(append(b, 'i'), x, 10)
		case float64:
			b = strconv.AppendFloat(append(b, 'f'), x, 'g', -1, 64)
		case string:
			b = strconv.AppendQuote(append(b, 's'), x)
		case []byte:
			b = strconv.AppendQuote(append(b, 's'), string(x))
		case bool:
			b = strconv.AppendBool(append(b, 't'), x)
		default:
			b = fmt.Appendf(append(b, '?'), "%q", fmt.Sprint(x))
		}
		b = append(b, 0)
	}
	h.Write(b)
	sum := h.Sum(nil)
	for i := range d {
		d[i] += binary.BigEndian.Uint64(sum[8*i:])
	}
}

// String shows the digest in hex.
func (d tableDigest) String() string {
	b := make([]byte, 0, 32)
	for _, x := range d {
		b = binary.BigEndian.AppendUint64(b, x)
	}
	return hex.EncodeToString(b)
}

// digestTable reads a whole table in tx and returns its digest and row
// count. The values are taken in the kinds its columns hold, as the copy
// wrote them.
func digestTable(ctx context.Context, tx *sql.Tx, dialect Dialect, table string) (tableDigest, int64, error) {
	var d tableDigest
	cols, err := tableColumns(ctx, tx, dialect, table)
	if err != nil {
		return d, 0, err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(c.name)
	}
	order := nameOrder(cols)
	rows, err := tx.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+quoteIdent(table))
	if err != nil {
		return d, 0, err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	row := make([]any, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return d, n, err
		}
		for i, j := range order {
			if row[i], err = convert(vals[j], cols[j].kind); err != nil {
				return d, n, fmt.Errorf("%s.%s: %w", table, cols[j].name, err)
			}
		}
		d.add(row)
		n++
	}
	return d, n, rows.Err()
}
