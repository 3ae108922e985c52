package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"poscare"
	"poscare/vault"
)

// auditLockKey, with a hash of the schema that holds the chain, names the
// PostgreSQL advisory lock that serialises appends to the chain across
// sessions (SQLite serialises them already through its single writer).
// The chain needs no more than that each entry know the hash of the one
// before: so the lock is taken as late as the transaction allows, in
// flush just before commit, when the transaction's entries are linked and
// inserted, and held only through the insert and the commit. The
// business write before it runs beside other sessions' writes.
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
	// Nothing is written to a chain that could not be verified later.
	if _, err := t.s.vault.AuditMAC(); err != nil {
		return poscare.Internal(err)
	}
	if t.s.dialect == Postgres && !t.auditRead {
		// Linked at flush, under the chain's lock (auditLockKey).
		t.unlinked = append(t.unlinked, e)
		return nil
	}
	if err := t.readAuditHead(ctx); err != nil {
		return err
	}
	t.pendingAudit = append(t.pendingAudit, t.audit.link(&e))
	return nil
}

// readAuditHead reads, once per transaction, the last entry of the chain
// that the transaction's entries continue, and links to it the entries
// recorded so far. On PostgreSQL it first takes the lock that keeps other
// sessions from appending until this transaction ends: flush calls it
// last thing before commit; a transaction that must see the chain as it
// stands (ClaimScheduledBackup) calls it first and holds the lock longer.
func (t *Tx) readAuditHead(ctx context.Context) error {
	if t.auditRead {
		return nil
	}
	if t.s.dialect == Postgres {
		if _, err := t.tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", auditLockKey); err != nil {
			return t.s.translate(err)
		}
	}
	// Nothing is written to a chain that could not be verified later.
	if _, err := t.s.vault.AuditMAC(); err != nil {
		return poscare.Internal(err)
	}
	var last sql.NullInt64
	var prev sql.NullString
	err := t.queryRow(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&last, &prev)
	if err != nil && err != sql.ErrNoRows {
		return t.s.translate(err)
	}
	t.audit, t.auditRead = auditChain{seq: last.Int64, head: prev.String, vault: t.s.vault}, true
	for i := range t.unlinked {
		t.pendingAudit = append(t.pendingAudit, t.audit.link(&t.unlinked[i]))
	}
	t.unlinked = nil
	return nil
}

// auditChain is the last entry of the chain: its seq and hash, and the
// vault whose audit key chains the next entries.
type auditChain struct {
	seq   int64
	head  string
	vault *vault.Vault
}

// link links e to the chain with an HMAC under the audit key (which
// readAuditHead has checked is there), makes it the chain's last entry and
// returns its row.
func (c *auditChain) link(e *poscare.AuditEntry) []any {
	e.Seq = c.seq + 1
	e.PrevHash = c.head
	mac, _ := c.vault.AuditMAC()
	e.Hash = e.ComputeMAC(mac)
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

// VerifyAudit walks the whole chain in order and returns the first thing
// wrong with it, or nil when it holds. Each entry's link, sequence number
// and hash are checked: an HMAC under the audit key, or plain SHA-256 for
// the entries from before the key, which may not follow a keyed one. When
// AuditCheckpoints names a file, the chain is also held against the
// checkpoints in it: an entry whose hash differs from its checkpoint (the
// chain was recomputed), a chain that ends before the last checkpoint (its
// newest entries were deleted) or an empty table where checkpoints say
// entries were; a checkpoint line whose own MAC is wrong is a break too.
// It also returns how many entries it checked.
func (s *Store) VerifyAudit(ctx context.Context) (*poscare.ChainBreak, int64, error) {
	var cps []poscare.AuditCheckpoint
	if s.AuditCheckpoints != "" {
		var brk *poscare.ChainBreak
		var err error
		if cps, brk, err = s.readCheckpoints(s.AuditCheckpoints); err != nil || brk != nil {
			return brk, 0, err
		}
	}
	mac, err := s.vault.AuditMAC()
	if err != nil {
		return nil, 0, poscare.Internal(err)
	}
	want := map[int64]poscare.AuditCheckpoint{}
	var last poscare.AuditCheckpoint
	for _, c := range cps {
		if old, ok := want[c.Seq]; ok && old.Hash != c.Hash {
			return &poscare.ChainBreak{Kind: poscare.BreakCheckpoint, Seq: c.Seq, Reason: fmt.Sprintf("checkpoints of %s and %s disagree on entry %d",
				old.At.Format(time.RFC3339), c.At.Format(time.RFC3339), c.Seq)}, 0, nil
		}
		want[c.Seq] = c
		if c.Seq > last.Seq {
			last = c
		}
	}
	rows, err := s.read.QueryContext(ctx, "SELECT "+auditCols+" FROM audit_log ORDER BY seq")
	if err != nil {
		return nil, 0, s.translate(err)
	}
	defer rows.Close()
	var n int64
	prev, keyed := "", false
	broken := func(seq int64, reason string) *poscare.ChainBreak {
		return &poscare.ChainBreak{Kind: poscare.BreakLink, Seq: seq, Reason: reason}
	}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, n, s.translate(err)
		}
		n++
		switch {
		case e.Seq != n:
			return broken(e.Seq, fmt.Sprintf("sequence gap: expected %d", n)), n, nil
		case e.PrevHash != prev:
			return broken(e.Seq, "previous-hash link does not match the entry before"), n, nil
		case e.Keyed():
			mac.Reset()
			if e.ComputeMAC(mac) != e.Hash {
				return broken(e.Seq, "keyed hash does not match the entry's contents under the audit key"), n, nil
			}
			keyed = true
		case keyed:
			return broken(e.Seq, "entry hashed without the audit key after keyed entries: the chain was recomputed"), n, nil
		case e.ComputeHash() != e.Hash:
			return broken(e.Seq, "hash does not match the entry's contents"), n, nil
		}
		if c, ok := want[e.Seq]; ok && c.Hash != e.Hash {
			return &poscare.ChainBreak{Kind: poscare.BreakRewritten, Seq: e.Seq, Reason: fmt.Sprintf(
				"entry %d differs from its checkpoint of %s: the chain was recomputed", e.Seq, c.At.Format(time.RFC3339))}, n, nil
		}
		prev = e.Hash
	}
	if err := rows.Err(); err != nil {
		return nil, n, s.translate(err)
	}
	switch {
	case n > 0 && s.AuditCheckpoints != "" && len(cps) == 0:
		return &poscare.ChainBreak{Kind: poscare.BreakUnanchored, Seq: n, Reason: fmt.Sprintf(
			"the checkpoint file holds no checkpoint, but the audit trail has %d entries (a server writes one at every start): it was emptied or replaced", n)}, n, nil
	case n > 0 && !keyed && len(cps) == 0:
		return &poscare.ChainBreak{Kind: poscare.BreakUnanchored, Seq: n, Reason: fmt.Sprintf(
			"none of the %d entries is keyed with the audit key and no checkpoint vouches for them: the chain may have been recomputed without the key; verify against the checkpoints (--checkpoints)", n)}, n, nil
	case last.Seq > 0 && n == 0:
		return &poscare.ChainBreak{Kind: poscare.BreakEmptied, Seq: 1, Reason: fmt.Sprintf(
			"the audit trail is empty, but the checkpoint of %s recorded %d entries", last.At.Format(time.RFC3339), last.Seq)}, n, nil
	case last.Seq > n:
		return &poscare.ChainBreak{Kind: poscare.BreakTail, Seq: n + 1, Reason: fmt.Sprintf(
			"the audit trail ends at entry %d, but the checkpoint of %s recorded entry %d: the newest entries were deleted", n, last.At.Format(time.RFC3339), last.Seq)}, n, nil
	}
	return nil, n, nil
}

// VerifyAuditOK is VerifyAudit as a plain error, for tests and checks.
func (s *Store) VerifyAuditOK(ctx context.Context) error {
	brk, _, err := s.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if brk != nil {
		return fmt.Errorf("audit chain broken at %d (%s): %s", brk.Seq, brk.Kind, brk.Reason)
	}
	return nil
}
