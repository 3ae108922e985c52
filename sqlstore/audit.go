package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"poscare"
)

// auditLockKey serialises appends to the chain across PostgreSQL sessions;
// SQLite serialises them already through its single writer.
const auditLockKey = 7020002

// record appends one entry to the audit trail inside t. before and after are
// the record's JSON views, which never hold sensitive values in clear.
func (t *Tx) record(ctx context.Context, a poscare.Actor, action, entity string, id int64, before, after any) error {
	if t.auditWait != nil {
		return poscare.Internal(fmt.Errorf("audit entries are still being computed"))
	}
	e := poscare.AuditEntry{
		At: t.now, ActorID: a.UserID, ActorLogin: a.Login, Action: action,
		Entity: entity, EntityID: id, Source: a.Source,
	}
	var err error
	if e.Before, err = auditJSON(before); err != nil {
		return err
	}
	if e.After, err = auditJSON(after); err != nil {
		return err
	}
	if err := t.readAuditHead(ctx); err != nil {
		return err
	}
	t.pendingAudit = append(t.pendingAudit, t.audit.link(&e))
	return nil
}

// readAuditHead reads, once per transaction, the last entry of the chain
// that the transaction's entries continue. On PostgreSQL it first takes
// the lock that keeps other sessions from appending meanwhile.
func (t *Tx) readAuditHead(ctx context.Context) error {
	if t.auditRead {
		return nil
	}
	if t.s.dialect == Postgres {
		if _, err := t.tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", auditLockKey); err != nil {
			return t.s.translate(err)
		}
	}
	var last sql.NullInt64
	var prev sql.NullString
	err := t.queryRow(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&last, &prev)
	if err != nil && err != sql.ErrNoRows {
		return t.s.translate(err)
	}
	t.audit, t.auditRead = auditChain{seq: last.Int64, head: prev.String}, true
	return nil
}

// auditChain is the last entry of the chain: its seq and hash.
type auditChain struct {
	seq  int64
	head string
}

// link links e to the chain, makes it the chain's last entry and returns
// its row.
func (c *auditChain) link(e *poscare.AuditEntry) []any {
	e.Seq = c.seq + 1
	e.PrevHash = c.head
	e.Hash = e.ComputeHash()
	c.seq, c.head = e.Seq, e.Hash
	return []any{e.Seq, micros(e.At), e.ActorID, e.ActorLogin, e.Action, e.Entity, e.EntityID,
		string(e.Before), string(e.After), e.Source, e.PrevHash, e.Hash}
}

// recordAside appends n "create" entries for entity, computing their JSON
// views (and, on SQLite, their hashes) on another goroutine while the
// caller goes on writing rows on this one: for a bulk import that is a
// second core's work taken off the transaction. after(i) must return the
// i-th record's id and view, and the records must not change until the
// entries are done. Nothing else may be recorded before the transaction
// has waited for them; inTx waits before it flushes, also on error.
//
// On PostgreSQL the chain's head is read, under the lock that keeps other
// sessions from appending, only when the entries are linked at the wait:
// other sessions' audited writes wait for the lock, so it is not held
// while the rows are written.
func (t *Tx) recordAside(ctx context.Context, a poscare.Actor, entity string, n int, after func(i int) (int64, any)) error {
	if t.auditWait != nil {
		return poscare.Internal(fmt.Errorf("recordAside called twice in one transaction"))
	}
	linkAside := t.s.dialect == SQLite
	if linkAside {
		if err := t.readAuditHead(ctx); err != nil {
			return err
		}
	}
	done := make(chan error, 1)
	entries := make([]poscare.AuditEntry, n)
	rows := make([][]any, n)
	// The goroutine owns the chain until it is done.
	chain, now := t.audit, t.now
	go func() {
		for i := range n {
			id, v := after(i)
			e := &entries[i]
			*e = poscare.AuditEntry{At: now, ActorID: a.UserID, ActorLogin: a.Login, Action: "create",
				Entity: entity, EntityID: id, Source: a.Source}
			var err error
			if e.After, err = auditJSON(v); err != nil {
				done <- err
				return
			}
			if linkAside {
				rows[i] = chain.link(e)
			}
		}
		done <- nil
	}()
	t.auditWait = func() error {
		t.auditWait = nil
		if err := <-done; err != nil {
			return err
		}
		if !linkAside {
			if err := t.readAuditHead(ctx); err != nil {
				return err
			}
			chain = t.audit
			for i := range entries {
				rows[i] = chain.link(&entries[i])
			}
		}
		t.pendingAudit = append(t.pendingAudit, rows...)
		t.audit = chain
		return nil
	}
	return nil
}

func auditJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, poscare.Internal(err)
	}
	return b, nil
}

// Record appends an entry that is not a record change: a login, a failed
// login, an export. It runs in its own transaction.
func (s *Store) Record(ctx context.Context, a poscare.Actor, action, entity string, id int64, detail any) error {
	return s.inWrite(ctx, func(t *Tx) error {
		return t.record(ctx, a, action, entity, id, nil, detail)
	})
}

const auditCols = "seq, at, actor_id, actor_login, action, entity, entity_id, before_json, after_json, source, prev_hash, hash"

func scanAudit(rows *sql.Rows) (poscare.AuditEntry, error) { return scanAuditRow(rows) }

func scanAuditRow(rows scanner) (poscare.AuditEntry, error) {
	var e poscare.AuditEntry
	var at int64
	var before, after string
	err := rows.Scan(&e.Seq, &at, &e.ActorID, &e.ActorLogin, &e.Action, &e.Entity, &e.EntityID, &before, &after, &e.Source, &e.PrevHash, &e.Hash)
	e.At = fromMicros(at)
	if before != "" {
		e.Before = json.RawMessage(before)
	}
	if after != "" {
		e.After = json.RawMessage(after)
	}
	return e, err
}

// AuditEntries lists audit entries, newest first. History of one record is
// a filter by entity and id; the caller checks the actor may read it.
func (s *Store) AuditEntries(ctx context.Context, f poscare.AuditFilter) ([]poscare.AuditEntry, error) {
	f.Normalize()
	q := "SELECT " + auditCols + " FROM audit_log WHERE 1=1"
	var args []any
	if f.Entity != "" {
		q += " AND entity = ?"
		args = append(args, f.Entity)
	}
	if f.EntityID != 0 {
		q += " AND entity_id = ?"
		args = append(args, f.EntityID)
	}
	if f.ActorID != 0 {
		q += " AND actor_id = ?"
		args = append(args, f.ActorID)
	}
	q += " ORDER BY seq DESC LIMIT ? OFFSET ?"
	args = append(args, f.Rows(), f.Offset)
	rows, err := s.read.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, s.translate(err)
	}
	defer rows.Close()
	out := []poscare.AuditEntry{}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, s.translate(err)
		}
		out = append(out, e)
	}
	return out, s.translate(rows.Err())
}

// VerifyAudit walks the whole chain in order and returns the first entry
// whose hash, link or sequence number is wrong, or nil when the chain holds.
// It also returns how many entries it checked.
func (s *Store) VerifyAudit(ctx context.Context) (*poscare.ChainBreak, int64, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT "+auditCols+" FROM audit_log ORDER BY seq")
	if err != nil {
		return nil, 0, s.translate(err)
	}
	defer rows.Close()
	var n int64
	prev := ""
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, n, s.translate(err)
		}
		n++
		switch {
		case e.Seq != n:
			return &poscare.ChainBreak{Seq: e.Seq, Reason: fmt.Sprintf("sequence gap: expected %d", n)}, n, nil
		case e.PrevHash != prev:
			return &poscare.ChainBreak{Seq: e.Seq, Reason: "previous-hash link does not match the entry before"}, n, nil
		case e.ComputeHash() != e.Hash:
			return &poscare.ChainBreak{Seq: e.Seq, Reason: "hash does not match the entry's contents"}, n, nil
		}
		prev = e.Hash
	}
	return nil, n, s.translate(rows.Err())
}

// VerifyAuditOK is VerifyAudit as a plain error, for tests and checks.
func (s *Store) VerifyAuditOK(ctx context.Context) error {
	brk, _, err := s.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if brk != nil {
		return fmt.Errorf("audit chain broken at %d: %s", brk.Seq, brk.Reason)
	}
	return nil
}
