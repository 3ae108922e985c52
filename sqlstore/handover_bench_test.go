package sqlstore_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"poscare"
	"poscare/demo"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// handoverWorld is the emergency playbook's benchmark world: an agent of
// a real sales team (a lead and four agents) who holds n merchants (with
// their contacts) and n/5 open onboarding stages, and backs up n/5 of the
// colleagues' merchants. Three in four of the agent's merchants have a
// backup already: the colleague who now takes them (the agent's own
// backup, Spare, who must then be replaced), or another who stays.
type handoverWorld struct {
	s          *sqlstore.Store
	w          *fx.World
	ops        poscare.Actor
	agent      *poscare.User
	colleagues []*poscare.User // Spare (the agent's backup), third, fourth
}

func newHandoverWorld(b testing.TB, dsn string, n int) *handoverWorld {
	ctx := context.Background()
	s := testenv.Open(b, dsn)
	w := fx.Build(b, s)
	hw := &handoverWorld{s: s, w: w, ops: fx.Actor(w.Users[poscare.RoleOps]), agent: w.Users[poscare.RoleAgent], colleagues: []*poscare.User{w.Spare}}
	sys := poscare.SystemActor("b")
	for _, login := range []string{"third", "fourth"} {
		u := &poscare.User{Login: login, Name: "同事" + login, Role: poscare.RoleAgent, TeamID: &w.Team1.ID, Mobile: fx.Mobile(fx.Seq())}
		if err := s.CreateUser(ctx, sys, u, fx.Password); err != nil {
			b.Fatal(err)
		}
		hw.colleagues = append(hw.colleagues, u)
	}
	gen := demo.NewGenerator(rand.New(rand.NewPCG(9, 9)))
	items := gen.Merchants(n, func(i int) (int64, int64, *int64) {
		if i%4 == 0 {
			return w.Team1.ID, hw.agent.ID, nil
		}
		return w.Team1.ID, hw.agent.ID, &hw.colleagues[i%4-1].ID
	})
	items = append(items, gen.Merchants(n/5, func(i int) (int64, int64, *int64) {
		return w.Team1.ID, hw.colleagues[i%3].ID, &hw.agent.ID
	})...)
	if err := s.CreateMerchants(ctx, hw.ops, items); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n/25; i++ { // applications × 5 open stages = n/5 items
		if err := s.CreateApplication(ctx, hw.ops, &poscare.Application{MerchantID: items[i].Merchant.ID}); err != nil {
			b.Fatal(err)
		}
	}
	hw.agent.BackupID = &w.Spare.ID
	if err := s.UpdateUser(ctx, sys, hw.agent); err != nil {
		b.Fatal(err)
	}
	// A database in service has its planner statistics (the server
	// refreshes them at start, PostgreSQL's autovacuum within a minute).
	if err := s.Optimize(ctx); err != nil {
		b.Fatal(err)
	}
	return hw
}

// declare runs the playbook for the agent and checks all was handed over.
func (hw *handoverWorld) declare(b testing.TB, n int) *poscare.Incident {
	ctx := context.Background()
	x, err := hw.s.DeclareIncident(ctx, hw.ops, hw.agent.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "基准测试", Strategy: poscare.StrategyBackup})
	if err != nil {
		b.Fatal(err)
	}
	if x.Handed.Merchants != n+1 || x.Handed.Stages < n/5 || x.Handed.Notifications < n || x.Handed.BackupRoles != n/5 {
		b.Fatalf("handed %+v", x.Handed)
	}
	return x
}

// checkCovered fails unless every merchant of the team has a fitting backup.
func (hw *handoverWorld) checkCovered(b testing.TB) {
	c, err := hw.s.ContinuityStatus(context.Background(), fx.Actor(hw.w.Users[poscare.RoleLead]))
	if err != nil || c.Coverage.WithoutBackup != 0 {
		b.Fatalf("after the playbook: %v merchants of the team without a backup (%v)", c.Coverage.WithoutBackup, err)
	}
}

// benchDatabases names the databases the benchmarks run on: SQLite, and
// PostgreSQL when POSCARE_TEST_POSTGRES names a server.
func benchDatabases() []string {
	if os.Getenv("POSCARE_TEST_POSTGRES") != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// freshDSN is a new empty database of the named kind.
func freshDSN(b testing.TB, kind string) string {
	if kind == "postgres" {
		return testenv.PostgresDSN(b)
	}
	return filepath.Join(b.TempDir(), "p.db")
}

// BenchmarkDeclareMissing10k runs the playbook for the agent of
// handoverWorld with 10,000 merchants: everything handed over to their
// backup, 10,000 notices queued and every merchant of the team left with a
// backup who fits, in one transaction.
//
// Besides wall time it reports cpu-ms/op, the process's CPU time in the
// timed part (on PostgreSQL the server's is not in it): on a machine
// shared with other work the wall time swings with the load, the CPU time
// much less; and statements/op, the round trips to the database.
func BenchmarkDeclareMissing10k(b *testing.B) {
	for _, db := range benchDatabases() {
		b.Run(db, func(b *testing.B) {
			var cpu time.Duration
			var stmts int64
			defer func() {
				b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
				b.ReportMetric(float64(stmts)/float64(b.N), "statements/op")
			}()
			for b.Loop() {
				b.StopTimer()
				hw := newHandoverWorld(b, freshDSN(b, db), 10_000)
				b.StartTimer()
				start, n0 := processCPU(), sqlstore.Statements(hw.s)
				hw.declare(b, 10_000)
				cpu += processCPU() - start
				stmts += sqlstore.Statements(hw.s) - n0
				b.StopTimer()
				hw.checkCovered(b)
				b.StartTimer()
			}
		})
	}
}

// TestPlaybookStatementsDoNotGrowWithMerchants: the playbook sends the
// database a number of statements that does not grow with the merchants
// handed over (multi-row INSERTs, set-based UPDATEs); on PostgreSQL each
// statement is a round trip, and 10,000 single-row statements took
// seconds. Ten times the merchants may cost a few more chunks, no more.
func TestPlaybookStatementsDoNotGrowWithMerchants(t *testing.T) {
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			stmts := map[int]int64{}
			for _, n := range []int{50, 500} {
				if n != 50 {
					dsn = freshDSN(t, name)
				}
				hw := newHandoverWorld(t, dsn, n)
				n0 := sqlstore.Statements(hw.s)
				hw.declare(t, n)
				stmts[n] = sqlstore.Statements(hw.s) - n0
				hw.checkCovered(t)
				if err := hw.s.VerifyAuditOK(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if stmts[500] > stmts[50]+10 {
				t.Fatalf("the playbook sent %d statements for 50 merchants and %d for 500: some path writes row by row", stmts[50], stmts[500])
			}
		})
	}
}
