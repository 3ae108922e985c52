package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"poscare"
	"poscare/demo"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// loadMerchants creates n demo merchants with their contacts through the
// store in transactions of batch merchants, spread over the fixture's two
// team-1 agents, and returns the last batch.
func loadMerchants(b testing.TB, s *sqlstore.Store, w *fx.World, n, batch int) []*sqlstore.MerchantImport {
	ctx := context.Background()
	ops := fx.Actor(w.Users[poscare.RoleOps])
	gen := demo.NewGenerator(rand.New(rand.NewPCG(7, 11)))
	agents := []int64{w.Users[poscare.RoleAgent].ID, w.Spare.ID}
	var batches [][]*sqlstore.MerchantImport
	for done := 0; done < n; done += batch {
		batches = append(batches, gen.Merchants(min(batch, n-done), func(i int) (int64, int64, *int64) {
			a := agents[i%2]
			return w.Team1.ID, a, &agents[(i+1)%2]
		}))
	}
	if tb, ok := b.(*testing.B); ok {
		tb.StartTimer() // generating the data is not what is measured
	}
	for _, items := range batches {
		if err := s.CreateMerchants(ctx, ops, items); err != nil {
			b.Fatal(err)
		}
	}
	return batches[len(batches)-1]
}

// benchN is how many merchants BenchmarkCreateMerchants100k creates.
var benchN, benchBatch = 100_000, 25_000

func init() {
	if v := os.Getenv("POSCARE_BENCH_N"); v != "" {
		fmt.Sscan(v, &benchN)
	}
	if v := os.Getenv("POSCARE_BENCH_BATCH"); v != "" {
		fmt.Sscan(v, &benchBatch)
	}
}

// BenchmarkCreateMerchants100k creates 100,000 merchants with one to three
// contacts each (and an audit entry per record) on a fresh SQLite file.
// One op is the whole 100,000.
func BenchmarkCreateMerchants100k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s := testenv.Open(b, filepath.Join(b.TempDir(), "bench.db"))
		w := fx.Build(b, s)
		loadMerchants(b, s, w, benchN, benchBatch) // starts the timer
	}
}

// searchDB returns a SQLite store with 1,000,000 demo merchants, built on
// first use and kept in the temp folder for later runs (building it takes
// minutes; searching it is what is measured).
func searchDB(b *testing.B) (*sqlstore.Store, poscare.Actor, []string, []string) {
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), "poscare-bench-1m-v2.db")
	_, statErr := os.Stat(path)
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
		w := fx.Build(b, s)
		loadMerchants(b, s, w, 1_000_000, 2000)
		b.Logf("built in %s", time.Since(start))
	}
	users, err := s.ListUsers(ctx, poscare.SystemActor("bench"), sqlstore.UserFilter{Q: "ops", Role: poscare.RoleOps})
	if err != nil || len(users) == 0 {
		b.Fatalf("no ops user in %s (delete it to rebuild): %v", path, err)
	}
	ops := fx.Actor(users[0])
	// Queries a person would type: 2-4 characters out of real names, and
	// real phone numbers, drawn from merchants all over the table.
	r := rand.New(rand.NewPCG(3, 5))
	var names, phones []string
	for len(names) < 500 {
		id := int64(r.IntN(1_000_000) + 1)
		m, err := s.GetMerchant(ctx, ops, id)
		if err != nil {
			continue
		}
		runes := []rune(m.LegalName)
		l := 2 + r.IntN(3)
		if len(runes) > l {
			at := r.IntN(len(runes) - l)
			names = append(names, string(runes[at:at+l]))
		}
		cs, err := s.ListContacts(ctx, ops, sqlstore.ContactFilter{MerchantID: &id})
		if err == nil && len(cs) > 0 {
			for _, ch := range cs[0].Channels {
				if ch.Kind == poscare.ChannelPhone {
					phones = append(phones, ch.Value)
					break
				}
			}
		}
	}
	return s, ops, names, phones
}

// BenchmarkSearchMerchants1M searches 1,000,000 merchants as ops (no scope
// filter, the widest search) for a first page of 50, alternating name
// fragments and phone numbers, and reports the 95th percentile of each.
func BenchmarkSearchMerchants1M(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 1,000,000-merchant database")
	}
	s, ops, names, phones := searchDB(b)
	ctx := context.Background()
	var nameTimes, phoneTimes []time.Duration
	found := 0
	b.ResetTimer()
	i := 0
	for b.Loop() {
		q, times := names[i%len(names)], &nameTimes
		if i%2 == 1 {
			q, times = phones[i%len(phones)], &phoneTimes
		}
		i++
		start := time.Now()
		ms, err := s.ListMerchants(ctx, ops, poscare.MerchantFilter{Q: q, Page: poscare.Page{Limit: 50}})
		*times = append(*times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) > 0 {
			found++
		}
	}
	b.StopTimer()
	p95 := func(d []time.Duration) float64 {
		if len(d) == 0 {
			return 0
		}
		slices.Sort(d)
		return float64(d[len(d)*95/100].Microseconds()) / 1000
	}
	b.ReportMetric(p95(nameTimes), "name-p95-ms")
	b.ReportMetric(p95(phoneTimes), "phone-p95-ms")
	b.ReportMetric(float64(found)/float64(i), "hit-ratio")
}
