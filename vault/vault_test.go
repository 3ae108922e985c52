package vault

import (
	"bytes"
	"strings"
	"testing"
)

func testKeys(t *testing.T, ids ...string) []Key {
	t.Helper()
	var keys []Key
	for i, id := range ids {
		keys = append(keys, Key{ID: id, Secret: bytes.Repeat([]byte{byte(i + 1)}, 32)})
	}
	return keys
}

func TestVault(t *testing.T) {
	index := bytes.Repeat([]byte{9}, 32)
	v1, err := New(testKeys(t, "k1"), index)
	if err != nil {
		t.Fatal(err)
	}
	const id = "11010519491231002X"

	t.Run("RoundTripHidesPlaintext", func(t *testing.T) {
		ct, err := v1.Encrypt("principal_id", id)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(ct, id) || !strings.HasPrefix(ct, "k1:") {
			t.Fatalf("ciphertext %q leaks or lacks key id", ct)
		}
		pt, err := v1.Decrypt("principal_id", ct)
		if err != nil || pt != id {
			t.Fatalf("Decrypt = %q, %v", pt, err)
		}
		ct2, _ := v1.Encrypt("principal_id", id)
		if ct2 == ct {
			t.Fatal("two encryptions of one value are equal: nonce reused")
		}
	})
	t.Run("CiphertextBoundToField", func(t *testing.T) {
		ct, _ := v1.Encrypt("principal_id", id)
		if _, err := v1.Decrypt("settlement_account", ct); err == nil {
			t.Fatal("ciphertext opened under another field")
		}
	})
	t.Run("TamperedCiphertextFails", func(t *testing.T) {
		ct, _ := v1.Encrypt("principal_id", id)
		b := []byte(ct)
		b[len(b)-2] ^= 1
		if _, err := v1.Decrypt("principal_id", string(b)); err == nil {
			t.Fatal("tampered ciphertext decrypted")
		}
	})
	t.Run("RotatedRingReadsOldKeys", func(t *testing.T) {
		ct, _ := v1.Encrypt("principal_id", id)
		v2, err := New(append(testKeys(t, "k2", "k1")[:1], Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}), index)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := v2.Decrypt("principal_id", ct); err != nil || pt != id {
			t.Fatalf("old ciphertext under new ring: %q, %v", pt, err)
		}
		ct2, _ := v2.Encrypt("principal_id", id)
		if KeyID(ct2) == KeyID(ct) {
			t.Fatal("new ring did not encrypt with the new key")
		}
	})
	t.Run("BlindIndexStableAndKeyed", func(t *testing.T) {
		other, _ := New(testKeys(t, "k1"), bytes.Repeat([]byte{8}, 32))
		a, b := v1.BlindIndex("principal_id", id), v1.BlindIndex("principal_id", id)
		if a != b || a == other.BlindIndex("principal_id", id) || a == v1.BlindIndex("settlement_account", id) {
			t.Fatal("blind index not stable, not keyed or not per field")
		}
	})
	t.Run("ParseKeysRejectsBadRing", func(t *testing.T) {
		for _, s := range []string{"nocolon", "k1:!!!", "k1:AAAA"} {
			keys, err := ParseKeys(s)
			if err == nil {
				_, err = New(keys, index)
			}
			if err == nil {
				t.Errorf("ring %q accepted", s)
			}
		}
		keys, err := ParseKeys(NewKeyString("a") + "," + NewKeyString("b"))
		if err != nil || len(keys) != 2 || keys[0].ID != "a" {
			t.Fatalf("ParseKeys = %v, %v", keys, err)
		}
	})
}

func TestSigningKeys(t *testing.T) {
	index := bytes.Repeat([]byte{9}, 32)
	base, err := New(testKeys(t, "k1"), index)
	if err != nil {
		t.Fatal(err)
	}
	audit, link := bytes.Repeat([]byte{5}, 32), bytes.Repeat([]byte{6}, 32)
	t.Run("KeysMustDiffer", func(t *testing.T) {
		for name, pair := range map[string][2][]byte{
			"AuditIsIndex": {index, link}, "LinkIsIndex": {audit, index}, "AuditIsLink": {audit, audit},
			"AuditShort": {audit[:31], link}, "LinkShort": {audit, link[:31]},
		} {
			if _, err := base.WithSigningKeys(pair[0], pair[1]); err == nil {
				t.Errorf("%s accepted", name)
			}
		}
	})
	v, err := base.WithSigningKeys(audit, link)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("LinkSignedWithLinkKeyOnly", func(t *testing.T) {
		sig := v.SignLink("7.1700000000.0")
		if !v.VerifyLink("7.1700000000.0", sig) {
			t.Fatal("own signature refused")
		}
		if v.VerifyLink("8.1700000000.0", sig) {
			t.Fatal("signature accepted for another message")
		}
		if v.VerifyLink("7.1700000000.0", v.BlindIndex("confirm", "7.1700000000.0")) {
			t.Fatal("a blind index under the index key passed as a link signature")
		}
	})
	t.Run("NoKeyNoSignature", func(t *testing.T) {
		if base.SignLink("x") != "" || base.VerifyLink("x", "") {
			t.Fatal("a vault without a link key signed or verified a link")
		}
		if _, err := base.AuditMAC(); err == nil {
			t.Fatal("a vault without an audit key gave an audit MAC")
		}
	})
}
