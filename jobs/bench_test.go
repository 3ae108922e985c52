package jobs_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"poscare/internal/testenv"
	"poscare/jobs"
	"poscare/sqlstore"
)

type benchArgs struct {
	N int `json:"n"`
}

func (benchArgs) Kind() string { return "bench.noop" }

// BenchmarkEnqueueAndWork is the job engine's measurement on each
// database: b.N jobs, each inserted in a transaction of its own on the
// store's pool (beside a row of the transaction's own, as a change that
// causes a job would be), worked by a trivial worker, with the default
// queue's workers (4, as serve runs it). Beside, a writer runs one small
// write transaction every 2 ms, as poscare's requests would, and the
// benchmark reports its latency while the jobs are inserted and worked:
//
//	go test ./jobs/ -run '^$' -bench EnqueueAndWork -benchtime 2000x
//
// jobs/s counts from the first insert to the last job worked.
func BenchmarkEnqueueAndWork(b *testing.B) {
	for name, dsn := range testenv.DSNs(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			s := testenv.Open(b, dsn)
			if _, err := jobs.Migrate(ctx, s); err != nil {
				b.Fatal(err)
			}
			var worked atomic.Int64
			e := jobs.New(s, jobs.Config{DSN: dsn, Instance: "bench", Logger: slog.New(slog.DiscardHandler)})
			jobs.Add(e, jobs.Kind[benchArgs]{Work: func(context.Context, benchArgs) error { worked.Add(1); return nil }})
			if err := e.Start(ctx); err != nil {
				b.Fatal(err)
			}
			defer e.Stop(ctx)
			db := s.JobsDB()
			q := func(sql string) string {
				if s.Dialect() == sqlstore.Postgres {
					return strings.Replace(sql, "?", "$1", 1)
				}
				return sql
			}
			if _, err := db.Exec("CREATE TABLE IF NOT EXISTS bench_rows (v BIGINT)"); err != nil {
				b.Fatal(err)
			}
			write := func() error {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(q("INSERT INTO bench_rows (v) VALUES (?)"), 1); err != nil {
					tx.Rollback()
					return err
				}
				return tx.Commit()
			}
			// Latency of the beside writer, until stop closes.
			stop := make(chan struct{})
			var lat []time.Duration
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					case <-time.After(2 * time.Millisecond):
					}
					t0 := time.Now()
					if err := write(); err != nil {
						b.Error(err)
						return
					}
					lat = append(lat, time.Since(t0))
				}
			}()
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Exec(q("INSERT INTO bench_rows (v) VALUES (?)"), i); err != nil {
					b.Fatal(err)
				}
				if err := e.EnqueueTx(ctx, tx, benchArgs{N: i}); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			inserted := time.Since(start)
			for worked.Load() < int64(b.N) {
				if time.Since(start) > 5*time.Minute {
					b.Fatalf("%d of %d jobs worked in 5 min", worked.Load(), b.N)
				}
				time.Sleep(time.Millisecond)
			}
			took := time.Since(start)
			b.StopTimer()
			close(stop)
			wg.Wait()
			slices.Sort(lat)
			b.ReportMetric(float64(b.N)/inserted.Seconds(), "inserts/s")
			b.ReportMetric(float64(b.N)/took.Seconds(), "jobs/s")
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "write-p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "write-p99-ms")
				b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "write-max-ms")
			}
			b.Logf("%d jobs: inserted in %s, all worked after %s; %d beside writes", b.N, inserted.Round(time.Millisecond), took.Round(time.Millisecond), len(lat))
		})
	}
}
