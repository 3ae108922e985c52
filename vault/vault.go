// Package vault encrypts sensitive fields at rest (ID numbers, settlement
// accounts) with AES-256-GCM under a rotatable key ring, and computes a
// keyed hash (HMAC-SHA-256, a "blind index") beside each value so that an
// exact-match search works without decrypting anything. It also holds the
// two signing keys: the audit key, which chains the audit trail and signs
// its checkpoints, and the link key, which signs merchants' confirmation
// links. Each key has one purpose, so the leak of one forges nothing the
// others protect.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// Key is one 256-bit data key with a short identifier stored beside every
// ciphertext, so that old rows stay readable while a rotation runs.
type Key struct {
	ID     string
	Secret []byte
}

// Vault holds the data keys (the first one encrypts, all decrypt), the
// index key for blind indexes and, once WithSigningKeys has added them, the
// audit key and the link key.
type Vault struct {
	active string
	aeads  map[string]cipher.AEAD
	index  []byte
	audit  []byte // HMAC key of the audit chain and its checkpoints
	link   []byte // HMAC key of merchants' confirmation links
}

// New builds a vault. keys must not be empty; keys[0] is the active key.
func New(keys []Key, indexKey []byte) (*Vault, error) {
	if len(keys) == 0 {
		return nil, errors.New("vault: no data key configured")
	}
	if len(indexKey) < 32 {
		return nil, errors.New("vault: the index key must be at least 32 bytes")
	}
	v := &Vault{active: keys[0].ID, aeads: map[string]cipher.AEAD{}, index: indexKey}
	for _, k := range keys {
		if len(k.Secret) != 32 {
			return nil, fmt.Errorf("vault: key %q must be 32 bytes, got %d", k.ID, len(k.Secret))
		}
		if k.ID == "" || strings.ContainsAny(k.ID, ":,") {
			return nil, fmt.Errorf("vault: key id %q must be non-empty without ':' or ','", k.ID)
		}
		if _, dup := v.aeads[k.ID]; dup {
			return nil, fmt.Errorf("vault: key id %q given twice", k.ID)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		v.aeads[k.ID] = aead
	}
	return v, nil
}

// WithSigningKeys returns a copy of v that also holds the audit key and
// the link key. Each must be at least 32 bytes, and the three HMAC keys
// (index, audit, link) must all differ: one key doing two jobs would let a
// leak of it forge both.
func (v *Vault) WithSigningKeys(auditKey, linkKey []byte) (*Vault, error) {
	switch {
	case len(auditKey) < 32:
		return nil, errors.New("vault: the audit key must be at least 32 bytes")
	case len(linkKey) < 32:
		return nil, errors.New("vault: the link key must be at least 32 bytes")
	case hmac.Equal(auditKey, v.index) || hmac.Equal(linkKey, v.index) || hmac.Equal(auditKey, linkKey):
		return nil, errors.New("vault: the index, audit and link keys must all differ")
	}
	out := *v
	out.audit, out.link = auditKey, linkKey
	return &out, nil
}

// ParseKeys reads a key ring written as "id:base64,id:base64" (the format
// of POSCARE_DATA_KEYS); the first key is the active one.
func ParseKeys(s string) ([]Key, error) {
	var keys []Key
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("vault: key %q is not id:base64", id)
		}
		secret, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("vault: key %q: %w", id, err)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	return keys, nil
}

// NewKeyString returns a fresh random key in the ring format, for
// `poscare keys generate`.
func NewKeyString(id string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return id + ":" + base64.StdEncoding.EncodeToString(b)
}

// ActiveKeyID names the key that encrypts new values.
func (v *Vault) ActiveKeyID() string { return v.active }

// Encrypt seals plaintext under the active key. The field name is bound in
// as associated data, so a ciphertext copied into another column fails.
func (v *Vault) Encrypt(field, plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	aead := v.aeads[v.active]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, []byte(plaintext), []byte(field))
	return v.active + ":" + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// Decrypt opens a value sealed by Encrypt under any key of the ring.
func (v *Vault) Decrypt(field, ciphertext string) (string, error) {
	if ciphertext == "" {
		return "", nil
	}
	id, b64, ok := strings.Cut(ciphertext, ":")
	if !ok {
		return "", errors.New("vault: malformed ciphertext")
	}
	aead, ok := v.aeads[id]
	if !ok {
		return "", fmt.Errorf("vault: unknown key %q", id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("vault: malformed ciphertext")
	}
	pt, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(field))
	if err != nil {
		return "", fmt.Errorf("vault: cannot decrypt %s: %w", field, err)
	}
	return string(pt), nil
}

// KeyID returns the key a ciphertext was sealed with.
func KeyID(ciphertext string) string {
	id, _, _ := strings.Cut(ciphertext, ":")
	return id
}

// BlindIndex returns the keyed hash of a normalised value for exact-match
// lookups. The field is part of the input so equal values in different
// fields do not share an index.
func (v *Vault) BlindIndex(field, value string) string {
	if value == "" {
		return ""
	}
	m := hmac.New(sha256.New, v.index)
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:16]) // 128 bits: collision-free in practice, half the index
}

// AuditMAC returns a fresh HMAC-SHA-256 under the audit key, or an error
// when the vault has none (see WithSigningKeys).
func (v *Vault) AuditMAC() (hash.Hash, error) {
	if v == nil || len(v.audit) == 0 {
		return nil, errors.New("vault: no audit key configured")
	}
	return hmac.New(sha256.New, v.audit), nil
}

// linkPurpose separates link signatures from any other use of HMAC.
const linkPurpose = "poscare confirmation link\x00"

// SignLink signs a confirmation link's message with the link key. Without
// a link key it returns "", which VerifyLink never accepts.
func (v *Vault) SignLink(msg string) string {
	if v == nil || len(v.link) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, v.link)
	m.Write([]byte(linkPurpose))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyLink tells whether sig is the link key's signature of msg, in
// constant time.
func (v *Vault) VerifyLink(msg, sig string) bool {
	want := v.SignLink(msg)
	return want != "" && hmac.Equal([]byte(sig), []byte(want))
}
