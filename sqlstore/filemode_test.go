//go:build unix

package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// TestSQLiteFilesOwnerOnly opens a new database under the common umask
// 022, writes to it, and finds the database and its -wal and -shm files
// readable by their owner only; a database left world-readable by an
// older version is narrowed when it is opened.
func TestSQLiteFilesOwnerOnly(t *testing.T) {
	t.Parallel()
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	modes := func(t *testing.T, path string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v, want -rw-------", filepath.Base(p), st.Mode().Perm())
			}
		}
	}
	t.Run("NewDatabase", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new.db")
		s := testenv.Open(t, path)
		w := fx.Build(t, s)
		if err := s.CreateMerchant(context.Background(), fx.Actor(w.Users[poscare.RoleOps]), fx.NewMerchant(w.Team1.ID, w.Users[poscare.RoleAgent].ID, nil)); err != nil {
			t.Fatal(err)
		}
		modes(t, path)
	})
	t.Run("WorldReadableDatabaseNarrowed", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "old.db")
		s := testenv.Open(t, path)
		fx.Build(t, s)
		s.Close()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Chmod(p, 0o644); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
		s, err := sqlstore.Open(context.Background(), path, testenv.Vault(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		modes(t, path)
	})
}
