package poscare

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
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

// ComputeHash returns the entry's chain hash over all fields and PrevHash.
// Each field is length-prefixed so that no two different entries hash the
// same by shifting bytes between fields.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
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
	return hex.EncodeToString(h.Sum(nil))
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Entity   string
	EntityID int64
	ActorID  int64
	Page
}

// ChainBreak describes the first entry whose hash does not match.
type ChainBreak struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}
