package sqlstore_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// auditBench is a store with audit entries, a checkpoint of its head, and
// the database opened behind its back with the append-only triggers off:
// what someone with write access to the database can do.
type auditBench struct {
	s    *sqlstore.Store
	db   *sql.DB
	dsn  string
	f    *fixture
	head int64 // the checkpointed head
}

func newAuditBench(t *testing.T, sd storeDSN) *auditBench {
	t.Helper()
	s := sd.s
	s.AuditCheckpoints = filepath.Join(t.TempDir(), "poscare.db.audit-checkpoints")
	f := newFixture(t, s)
	for i := 0; i < 10; i++ {
		f.Clock = t0.Add(time.Duration(i) * time.Minute)
		c := &poscare.Contact{MerchantID: f.Micro.ID, Name: fmt.Sprintf("店员%d", i), Role: "cashier",
			Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fmt.Sprintf("136%08d", i)}}}
		must(t, s.CreateContact(f.Ctx, f.A1, c))
	}
	cp, written, err := s.CheckpointAudit(f.Ctx)
	must(t, err)
	if !written || cp.Seq < 20 || !strings.HasPrefix(cp.Hash, poscare.AuditKeyedPrefix) {
		t.Fatalf("checkpoint %+v written=%v, want the keyed head of 20+ entries", cp, written)
	}
	if info, err := os.Stat(s.AuditCheckpoints); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("checkpoint file: %v %v, want mode 0600", info, err)
	}
	db := rawDB(t, sd.dsn)
	drops := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}
	if s.Dialect() == sqlstore.Postgres {
		drops = []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"}
	}
	for _, q := range drops {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return &auditBench{s: s, db: db, dsn: sd.dsn, f: f, head: cp.Seq}
}

func (b *auditBench) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := b.db.Exec(rawSQL(b.dsn, q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// entries reads the whole chain straight from the table.
func (b *auditBench) entries(t *testing.T) []poscare.AuditEntry {
	t.Helper()
	rows, err := b.db.Query("SELECT seq, at, actor_id, actor_login, action, entity, entity_id, before_json, after_json, source, prev_hash, hash FROM audit_log ORDER BY seq")
	must(t, err)
	defer rows.Close()
	var out []poscare.AuditEntry
	for rows.Next() {
		var e poscare.AuditEntry
		var at int64
		var before, after string
		must(t, rows.Scan(&e.Seq, &at, &e.ActorID, &e.ActorLogin, &e.Action, &e.Entity, &e.EntityID, &before, &after, &e.Source, &e.PrevHash, &e.Hash))
		e.At, e.Before, e.After = time.UnixMicro(at).UTC(), []byte(before), []byte(after)
		out = append(out, e)
	}
	must(t, rows.Err())
	return out
}

// rechain replaces the table with entries, renumbered and chained afresh
// by hash: what an attacker does to hide a deletion.
func (b *auditBench) rechain(t *testing.T, entries []poscare.AuditEntry, hash func(*poscare.AuditEntry) string) {
	t.Helper()
	b.exec(t, "DELETE FROM audit_log")
	prev := ""
	for i := range entries {
		e := &entries[i]
		e.Seq, e.PrevHash = int64(i+1), prev
		e.Hash = hash(e)
		prev = e.Hash
		b.exec(t, "INSERT INTO audit_log (seq, at, actor_id, actor_login, action, entity, entity_id, before_json, after_json, source, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			e.Seq, e.At.UnixMicro(), e.ActorID, e.ActorLogin, e.Action, e.Entity, e.EntityID, string(e.Before), string(e.After), e.Source, e.PrevHash, e.Hash)
	}
}

func sha256Hash(e *poscare.AuditEntry) string { return e.ComputeHash() }

func wrongKeyHash(e *poscare.AuditEntry) string {
	return e.ComputeMAC(hmac.New(sha256.New, []byte("an attacker's guess at the audit key")))
}

// wantBreak fails unless the audit trail is reported broken with kind at seq.
func wantBreak(t *testing.T, s *sqlstore.Store, kind string, seq int64) {
	t.Helper()
	brk, _, err := s.VerifyAudit(t.Context())
	must(t, err)
	if brk == nil {
		t.Fatalf("VerifyAudit says intact, want %s at %d", kind, seq)
	}
	if brk.Kind != kind || brk.Seq != seq {
		t.Fatalf("VerifyAudit = %+v, want %s at %d", brk, kind, seq)
	}
}

// TestAuditTamperingDetected is issue 10's three attacks on the audit
// trail by someone with write access to the database, each of which
// `audit verify` used to call intact.
func TestAuditTamperingDetected(t *testing.T) {
	t.Parallel()
	run := func(name string, attack func(t *testing.T, b *auditBench)) {
		t.Run(name, func(t *testing.T) {
			for db, sd := range storeDSNs(t) {
				t.Run(db, func(t *testing.T) { attack(t, newAuditBench(t, sd)) })
			}
		})
	}
	run("IntactChainPasses", func(t *testing.T, b *auditBench) {
		must(t, b.s.VerifyAuditOK(t.Context()))
		if _, written, err := b.s.CheckpointAudit(t.Context()); err != nil || written {
			t.Fatalf("checkpoint of an unmoved head: written=%v %v", written, err)
		}
		must(t, b.s.Record(t.Context(), b.f.A1, poscare.AuditExport, "merchant", 0, nil))
		if cp, written, err := b.s.CheckpointAudit(t.Context()); err != nil || !written || cp.Seq != b.head+1 {
			t.Fatalf("checkpoint after one more entry: %+v written=%v %v", cp, written, err)
		}
		must(t, b.s.VerifyAuditOK(t.Context()))
	})
	run("NewestRowsDeleted", func(t *testing.T, b *auditBench) {
		b.exec(t, "DELETE FROM audit_log WHERE seq > ?", b.head-3)
		wantBreak(t, b.s, poscare.BreakTail, b.head-2)
		// The running server's next checkpoint refuses to paper over it.
		if _, _, err := b.s.CheckpointAudit(t.Context()); err == nil || !strings.Contains(err.Error(), "deleted") {
			t.Fatalf("checkpoint after the tail was deleted: %v", err)
		}
	})
	run("NewestRowsDeletedWhileNoServerRan", func(t *testing.T, b *auditBench) {
		b.exec(t, "DELETE FROM audit_log WHERE seq = ?", b.head)
		// The next start's first checkpoint finds the file's newest above
		// the head, and says so instead of writing.
		next := testenv.Open(t, b.dsn)
		next.AuditCheckpoints = b.s.AuditCheckpoints
		if _, written, err := next.CheckpointAudit(t.Context()); err == nil || written {
			t.Fatalf("first checkpoint after the tail was deleted: written=%v %v", written, err)
		}
		wantBreak(t, next, poscare.BreakTail, b.head)
	})
	run("TableEmptied", func(t *testing.T, b *auditBench) {
		b.exec(t, "DELETE FROM audit_log")
		wantBreak(t, b.s, poscare.BreakEmptied, 1)
	})
	run("RowsDeletedChainRecomputedWithSHA256", func(t *testing.T, b *auditBench) {
		// Remove one entry in the middle, then pad the end with a copy of
		// the last so that the head is where the checkpoint saw it.
		es := b.entries(t)
		mid := len(es) / 2
		es = append(append(es[:mid:mid], es[mid+1:]...), es[len(es)-1])
		b.rechain(t, es, sha256Hash)
		wantBreak(t, b.s, poscare.BreakRewritten, b.head)
	})
	run("RowsDeletedChainRecomputedWithWrongKey", func(t *testing.T, b *auditBench) {
		es := b.entries(t)
		mid := len(es) / 2
		b.rechain(t, append(es[:mid:mid], es[mid+1:]...), wrongKeyHash)
		wantBreak(t, b.s, poscare.BreakLink, 1)
		// Without the checkpoints too: the key alone shows it.
		b.s.AuditCheckpoints = ""
		wantBreak(t, b.s, poscare.BreakLink, 1)
	})
	run("TailRecomputedWithoutKeyAfterKeyedEntries", func(t *testing.T, b *auditBench) {
		// The newest entry is replaced by a forged one hashed with SHA-256,
		// as if it came from before the audit key.
		es := b.entries(t)
		last := &es[len(es)-1]
		last.ActorLogin = "nobody"
		last.Hash = last.ComputeHash()
		b.exec(t, "UPDATE audit_log SET actor_login = ?, hash = ? WHERE seq = ?", last.ActorLogin, last.Hash, last.Seq)
		b.s.AuditCheckpoints = ""
		wantBreak(t, b.s, poscare.BreakLink, last.Seq)
	})
	run("WholeChainRecomputedWithSHA256AndCheckpointsGone", func(t *testing.T, b *auditBench) {
		// Entries removed and the whole chain recomputed as if from before
		// the audit key; the checkpoint file deleted, or emptied.
		es := b.entries(t)
		mid := len(es) / 2
		b.rechain(t, append(es[:mid:mid], es[mid+2:]...), sha256Hash)
		must(t, os.WriteFile(b.s.AuditCheckpoints, nil, 0o600))
		// Checked as `audit verify` does, by a process of its own.
		fresh := testenv.Open(t, b.dsn)
		fresh.AuditCheckpoints = b.s.AuditCheckpoints
		wantBreak(t, fresh, poscare.BreakUnanchored, b.head-2)
		fresh.AuditCheckpoints = ""
		wantBreak(t, fresh, poscare.BreakUnanchored, b.head-2)
	})
	run("CheckpointEdited", func(t *testing.T, b *auditBench) {
		body, err := os.ReadFile(b.s.AuditCheckpoints)
		must(t, err)
		edited := strings.Replace(string(body), fmt.Sprintf("seq=%d ", b.head), fmt.Sprintf("seq=%d ", b.head-3), 1)
		if edited == string(body) {
			t.Fatalf("no checkpoint of %d in %q", b.head, body)
		}
		must(t, os.WriteFile(b.s.AuditCheckpoints, []byte(edited), 0o600))
		wantBreak(t, b.s, poscare.BreakCheckpoint, b.head-3)
	})
	run("CheckpointsFromTheLog", func(t *testing.T, b *auditBench) {
		// A shipped log repeats each checkpoint as a log line; it verifies
		// the database as well as the file does.
		body, err := os.ReadFile(b.s.AuditCheckpoints)
		must(t, err)
		line := strings.TrimSpace(string(body))
		log := filepath.Join(t.TempDir(), "poscare.log")
		must(t, os.WriteFile(log, []byte("time=2025-03-01T02:10:00Z level=INFO msg=server started\ntime=2025-03-01T02:10:00Z level=INFO msg="+line+"\n"), 0o600))
		fresh := testenv.Open(t, b.dsn)
		fresh.AuditCheckpoints = log
		must(t, fresh.VerifyAuditOK(t.Context()))
		b.exec(t, "DELETE FROM audit_log WHERE seq = ?", b.head)
		wantBreak(t, fresh, poscare.BreakTail, b.head)
	})
}

// TestAuditLegacyChainContinuesKeyed is a database from before the audit
// key: its entries keep their SHA-256 hashes and verify as such, the new
// ones continue the chain keyed.
func TestAuditLegacyChainContinuesKeyed(t *testing.T) {
	t.Parallel()
	for name, sd := range storeDSNs(t) {
		t.Run(name, func(t *testing.T) {
			b := &auditBench{s: sd.s, db: rawDB(t, sd.dsn), dsn: sd.dsn}
			legacy := make([]poscare.AuditEntry, 3)
			for i := range legacy {
				legacy[i] = poscare.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), ActorLogin: "system:old", Action: "create", Entity: "team", EntityID: int64(i + 1), Source: "cli"}
			}
			b.rechain(t, legacy, sha256Hash)
			f := newFixture(t, sd.s)
			must(t, sd.s.VerifyAuditOK(f.Ctx))
			es := b.entries(t)
			if len(es) < 10 || es[2].Keyed() || !es[3].Keyed() || !es[len(es)-1].Keyed() {
				t.Fatalf("entries 3, 4 and last keyed = %v %v %v, want only the new ones keyed", es[2].Keyed(), es[3].Keyed(), es[len(es)-1].Keyed())
			}
		})
	}
}
