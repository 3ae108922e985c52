package sqlstore_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
)

// BenchmarkAuditedWrites8 renames merchants from 8 concurrent clients on
// PostgreSQL, each its own merchant, every rename an audited write (its
// audit entry chained in the same transaction), and reports the audited
// writes per second. It measures how much the audit chain's lock
// serialises writes that have nothing else in common.
func BenchmarkAuditedWrites8(b *testing.B) {
	dsn := testenv.PostgresDSN(b)
	if dsn == "" {
		b.Skip("no PostgreSQL: POSCARE_TEST_POSTGRES is not set")
	}
	const clients = 8
	s := testenv.Open(b, dsn)
	w := fx.Build(b, s)
	ops := fx.Actor(w.Users[poscare.RoleOps])
	ctx := context.Background()
	merchants := make([]*poscare.Merchant, clients)
	for i := range merchants {
		merchants[i] = fx.NewMerchant(w.Team1.ID, w.Users[poscare.RoleAgent].ID, nil)
		if err := s.CreateMerchant(ctx, ops, merchants[i]); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	var writes atomic.Int64
	// RunParallel starts parallelism × GOMAXPROCS goroutines: 8 in all.
	b.SetParallelism(max(1, clients/gomaxprocs()))
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		m := *merchants[int(next.Add(1)-1)%clients]
		for n := 0; pb.Next(); n++ {
			m.LegalName = fmt.Sprintf("成都市锦江区测试火锅店%d号分店%d", m.ID, n)
			if err := s.UpdateMerchant(ctx, ops, &m); err != nil {
				b.Error(err)
				return
			}
			writes.Add(1)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(writes.Load())/time.Since(start).Seconds(), "writes/s")
	if err := s.VerifyAuditOK(ctx); err != nil {
		b.Fatal(err)
	}
}

func gomaxprocs() int { return runtime.GOMAXPROCS(0) }
