package poscare

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"strconv"
	"strings"
	"time"
)

// Audit actions beyond the record actions.
const (
	AuditLogin       = "login"
	AuditLoginFailed = "login_failed"
	AuditView        = "view_sensitive"
	AuditExport      = "export"
	AuditKeyRotate   = "key_rotate"
	// Backups (数据备份): one taken, a scheduled one claimed by an
	// instance, one restored.
	AuditBackup        = "backup"
	AuditBackupClaim   = "backup_scheduled"
	AuditBackupRestore = "backup_restore"
)

// AuditEntry is one line of the append-only, hash-chained audit trail: who
// did what to which record, the values before and after, when and from
// where. Hash covers every field and the previous entry's hash, so editing,
// inserting or removing a row breaks the chain from that row on.
//
// Hash is an HMAC-SHA-256 under the audit key, written "hmac:<hex>", so
// that someone who can write to the database but does not hold the key
// cannot recompute the chain after a change. Entries written before the
// audit key existed keep their plain SHA-256 hash (bare hex); they may only
// come before the first keyed entry, never after it.
type AuditEntry struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	ActorID    int64           `json:"actor_id"`
	ActorLogin string          `json:"actor_login"`
	Action     string          `json:"action"`
	Entity     string          `json:"entity"`
	EntityID   int64           `json:"entity_id"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	Source     string          `json:"source"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// AuditKeyedPrefix marks a chain hash that is an HMAC under the audit key.
const AuditKeyedPrefix = "hmac:"

// ComputeHash returns the entry's legacy chain hash: plain SHA-256 over all
// fields and PrevHash, as entries written before the audit key have it.
func (e *AuditEntry) ComputeHash() string {
	return hex.EncodeToString(e.sum(sha256.New()))
}

// ComputeMAC returns the entry's keyed chain hash, with mac a fresh
// HMAC-SHA-256 under the audit key.
func (e *AuditEntry) ComputeMAC(mac hash.Hash) string {
	return AuditKeyedPrefix + hex.EncodeToString(e.sum(mac))
}

// Keyed tells whether the entry's hash is an HMAC under the audit key.
func (e *AuditEntry) Keyed() bool { return strings.HasPrefix(e.Hash, AuditKeyedPrefix) }

// sum feeds every field to h and returns the digest. Each field is
// length-prefixed so that no two different entries hash the same by
// shifting bytes between fields.
func (e *AuditEntry) sum(h hash.Hash) []byte {
	var buf [8]byte
	num := func(v int64) {
		binary.BigEndian.PutUint64(buf[:], uint64(v))
		h.Write(buf[:])
	}
	str := func(s string) {
		num(int64(len(s)))
		h.Write([]byte(s))
	}
	str(e.PrevHash)
	num(e.Seq)
	num(e.At.UTC().UnixMicro())
	num(e.ActorID)
	str(e.ActorLogin)
	str(e.Action)
	str(e.Entity)
	num(e.EntityID)
	str(string(e.Before))
	str(string(e.After))
	str(e.Source)
	return h.Sum(nil)
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Entity   string
	EntityID int64
	ActorID  int64
	Page
}

// ChainBreak describes the first thing found wrong with the audit trail:
// an entry whose hash or link does not match, or a disagreement with the
// checkpoints kept outside the database. Kind says which, Seq names the
// entry (for a deleted tail, the first one missing).
type ChainBreak struct {
	Kind   string `json:"kind"`
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// Kinds of chain break.
const (
	BreakLink       = "broken_link"        // an entry's hash, link or sequence number is wrong
	BreakTail       = "tail_deleted"       // the chain ends before the last checkpoint
	BreakEmptied    = "emptied"            // the table is empty but checkpoints say entries were there
	BreakRewritten  = "rewritten"          // a checkpointed entry's hash differs: the chain was recomputed
	BreakCheckpoint = "checkpoint_invalid" // a checkpoint line's own MAC is wrong: it was edited
	// BreakUnanchored: nothing vouches for the chain — no entry is keyed
	// and there is no checkpoint, or the checkpoint file is empty while the
	// trail has entries — so a chain recomputed without the key cannot be
	// told from the real one.
	BreakUnanchored = "unanchored"
)

// AuditCheckpoint is the chain's head (its last entry's sequence number and
// hash) as seen at a moment, written outside the database (a file, the
// log) so that deleting or recomputing entries afterwards can be seen. MAC
// is an HMAC under the audit key over the other fields, so a checkpoint
// cannot be edited without the key either.
type AuditCheckpoint struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
	MAC  string    `json:"mac"`
}

// auditCheckpointPurpose separates checkpoint MACs from entry hashes under
// the same key: an entry's input starts with a zero byte, this does not.
const auditCheckpointPurpose = "poscare audit checkpoint\x00"

// ComputeMAC returns the checkpoint's MAC, with mac a fresh HMAC-SHA-256
// under the audit key.
func (c AuditCheckpoint) ComputeMAC(mac hash.Hash) string {
	mac.Write([]byte(auditCheckpointPurpose + strconv.FormatInt(c.Seq, 10) + "\x00" + c.Hash + "\x00" + c.At.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(mac.Sum(nil))
}
