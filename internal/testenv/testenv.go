// Package testenv opens real databases for tests: a fresh SQLite file per
// test, and, when POSCARE_TEST_POSTGRES names a server (scripts/test starts
// one), a fresh PostgreSQL schema per test. Under CI=true a missing
// PostgreSQL is a failure, not a skip, so the suite cannot silently shrink.
package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"poscare/password"
	"poscare/sqlstore"
	"poscare/vault"
)

// Vault returns a vault with fixed test keys: data key t1 (bytes of 7),
// index key (3s), audit key (AuditKey) and link key (LinkKey).
func Vault(t testing.TB) *vault.Vault {
	v, err := vault.New([]vault.Key{{ID: "t1", Secret: bytes.Repeat([]byte{7}, 32)}}, bytes.Repeat([]byte{3}, 32))
	if err == nil {
		v, err = v.WithSigningKeys(AuditKey, LinkKey)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The test vault's signing keys, for tests that write keys files or
// forge entries with the right key.
var (
	AuditKey = bytes.Repeat([]byte{5}, 32)
	LinkKey  = bytes.Repeat([]byte{9}, 32)
)

// DSNs returns, by dialect name, a DSN for an empty database: always a
// SQLite file, and a PostgreSQL schema when a server is configured.
func DSNs(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": filepath.Join(t.TempDir(), "poscare.db")}
	if dsn := PostgresDSN(t); dsn != "" {
		out["postgres"] = dsn
	}
	return out
}

// PostgresDSN creates a fresh schema on the test server and returns a DSN
// whose search_path points at it, or "" when no server is configured.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("POSCARE_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but POSCARE_TEST_POSTGRES is not set: run the tests through scripts/test")
		}
		return ""
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens and migrates a store on dsn, closed when the test ends.
func Open(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	sqlstore.PasswordParams = password.Fast
	s, err := sqlstore.Open(context.Background(), dsn, Vault(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// Stores opens a migrated store on every available database, by name.
func Stores(t testing.TB) map[string]*sqlstore.Store {
	out := map[string]*sqlstore.Store{}
	for name, dsn := range DSNs(t) {
		out[name] = Open(t, dsn)
	}
	return out
}
