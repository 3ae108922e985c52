// Package benchdb gives benchmarks realistic data: the fixture's world
// plus demo merchants created through the store in bulk, and a cached
// SQLite file of 1,000,000 merchants that is built once per machine and
// reused, because building it takes minutes and searching it is what the
// benchmarks measure.
package benchdb

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"poscare"
	"poscare/demo"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// Load creates n demo merchants with their contacts through the store in
// transactions of batch merchants, spread over the fixture's two team-1
// agents. When b is a *testing.B its timer is started once the data is
// generated, so that only the store's work is measured.
func Load(b testing.TB, s *sqlstore.Store, w *fixture.World, n, batch int) {
	ctx := context.Background()
	ops := fixture.Actor(w.Users[poscare.RoleOps])
	gen := demo.NewGenerator(rand.New(rand.NewPCG(7, 11)))
	agents := []int64{w.Users[poscare.RoleAgent].ID, w.Spare.ID}
	var batches [][]*sqlstore.MerchantImport
	for done := 0; done < n; done += batch {
		batches = append(batches, gen.Merchants(min(batch, n-done), func(i int) (int64, int64, *int64) {
			return w.Team1.ID, agents[i%2], &agents[(i+1)%2]
		}))
	}
	if tb, ok := b.(*testing.B); ok {
		tb.StartTimer()
	}
	for _, items := range batches {
		if err := s.CreateMerchants(ctx, ops, items); err != nil {
			b.Fatal(err)
		}
	}
}

// Million opens the cached 1,000,000-merchant SQLite file, building it on
// first use, and returns the store and the ops actor. Its name carries a
// version, raised when a migration makes what it holds differ: a file of
// the previous version is then copied and migrated (minutes less than a
// rebuild), and left as it is for branches that still use it. Delete the
// file (its path is logged) to rebuild it.
func Million(b testing.TB) (*sqlstore.Store, poscare.Actor) {
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), "poscare-bench-1m-v5.db")
	_, statErr := os.Stat(path)
	if older := filepath.Join(os.TempDir(), "poscare-bench-1m-v4.db"); statErr != nil {
		if err := copyDB(older, path); err == nil {
			b.Logf("copied %s to %s, to migrate", older, path)
			statErr = nil
		} else if !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
	s, err := sqlstore.Open(ctx, path, testenv.Vault(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if statErr != nil {
		b.Logf("building %s with 1,000,000 merchants (once)", path)
		start := time.Now()
		w := fixture.Build(b, s)
		if tb, ok := b.(*testing.B); ok {
			tb.StopTimer()
		}
		Load(b, s, w, 1_000_000, 25_000)
		b.Logf("built in %s", time.Since(start))
	}
	// Planner statistics, as the server keeps them with Optimize.
	if err := s.Optimize(ctx); err != nil {
		b.Fatal(err)
	}
	users, err := s.ListUsers(ctx, poscare.SystemActor("bench"), sqlstore.UserFilter{Q: "ops", Role: poscare.RoleOps})
	if err != nil || len(users) == 0 {
		b.Fatalf("no ops user in %s (delete it to rebuild): %v", path, err)
	}
	if tb, ok := b.(*testing.B); ok {
		tb.ResetTimer()
	}
	return s, fixture.Actor(users[0])
}

// copyDB copies the SQLite file from (with its write-ahead log, if any) to
// to, through a temporary name so that an interrupted copy is not taken
// for a database.
func copyDB(from, to string) error {
	for _, suffix := range []string{"-wal", ""} {
		if err := copyFile(from+suffix, to+suffix+".part"); err != nil {
			if suffix == "-wal" && os.IsNotExist(err) {
				continue
			}
			return err
		}
	}
	if _, err := os.Stat(to + "-wal.part"); err == nil {
		if err := os.Rename(to+"-wal.part", to+"-wal"); err != nil {
			return err
		}
	}
	return os.Rename(to+".part", to)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
