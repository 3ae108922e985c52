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
	"poscare/internal/benchdb"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

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
		benchdb.Load(b, s, w, benchN, benchBatch) // starts the timer
	}
}

// searchQueries returns what a person would type: 2-4 characters out of
// real names, and real phone numbers, from merchants all over the table.
func searchQueries(b *testing.B, s *sqlstore.Store, ops poscare.Actor) (names, phones []string) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 5))
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
	return names, phones
}

// BenchmarkSearchMerchants1M searches 1,000,000 merchants as ops (no scope
// filter, the widest search) for a first page of 50, alternating name
// fragments and phone numbers, and reports the 95th percentile of each.
func BenchmarkSearchMerchants1M(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 1,000,000-merchant database")
	}
	s, ops := benchdb.Million(b)
	names, phones := searchQueries(b, s, ops)
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
