package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
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
	t.Parallel()
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

// BenchmarkBareHandover10k is the floor under BenchmarkDeclareMissing10k:
// on the same world, the same row changes as the 10,000-merchant playbook
// makes, written as plain SQL in one transaction with every value worked
// out beforehand (the audit chain's HMACs too): the person's status, the
// incident, 12,001 merchants' manager and backup (the person's 10,001 and
// the 2,000 they backed up), the open stages, 12,002 audit entries, 14,006
// handover rows and 10,001 notices, each table in as few statements as
// PostgreSQL's bind-parameter limit allows. The playbook's time over this
// one is what its own work costs: reading, planning, the chain, checks.
func BenchmarkBareHandover10k(b *testing.B) {
	for _, db := range benchDatabases() {
		b.Run(db, func(b *testing.B) {
			var stmts int
			defer func() { b.ReportMetric(float64(stmts)/float64(b.N), "statements/op") }()
			for b.Loop() {
				b.StopTimer()
				dsn := freshDSN(b, db)
				hw := newHandoverWorld(b, dsn, 10_000)
				bare := planBareHandover(b, hw, dsn)
				b.StartTimer()
				stmts += bare.run(b)
				b.StopTimer()
				bare.check(b)
				b.StartTimer()
			}
		})
	}
}

// bareHandover is a playbook's row changes, worked out in advance.
type bareHandover struct {
	dsn        string
	db         *sql.DB
	hw         *handoverWorld
	incident   int64
	now        int64
	merchants  [][]any // id, manager, backup (nil: none)
	audit      [][]any
	handovers  [][]any
	outbox     [][]any
	incidentRw []any
}

func planBareHandover(b *testing.B, hw *handoverWorld, dsn string) *bareHandover {
	ctx := context.Background()
	db := rawDB(b, dsn)
	now := time.Now().UnixMicro()
	x := &bareHandover{dsn: dsn, db: db, hw: hw, now: now}
	if sqlstore.DialectOf(dsn) == sqlstore.Postgres {
		must(b, db.QueryRowContext(ctx, "SELECT nextval(pg_get_serial_sequence('incidents', 'id'))").Scan(&x.incident))
	} else {
		must(b, db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM incidents").Scan(&x.incident))
	}
	agent, spare := hw.agent.ID, hw.w.Spare.ID
	others := []int64{hw.colleagues[1].ID, hw.colleagues[2].ID} // third, fourth
	var seq int64
	var head sql.NullString
	must(b, db.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM audit_log").Scan(&seq))
	must(b, db.QueryRowContext(ctx, rawSQL(dsn, "SELECT hash FROM audit_log WHERE seq = ?"), seq).Scan(&head))
	mac, err := hw.s.Vault().AuditMAC()
	must(b, err)
	prev := head.String
	entry := func(action, entity string, id int64, before, after string) {
		seq++
		e := poscare.AuditEntry{Seq: seq, At: time.UnixMicro(now).UTC(), ActorID: hw.ops.UserID, ActorLogin: hw.ops.Login, Action: action,
			Entity: entity, EntityID: id, Source: hw.ops.Source, PrevHash: prev, Before: json.RawMessage(before), After: json.RawMessage(after)}
		mac.Reset()
		e.Hash = e.ComputeMAC(mac)
		prev = e.Hash
		x.audit = append(x.audit, []any{e.Seq, now, e.ActorID, e.ActorLogin, e.Action, e.Entity, e.EntityID, before, after, e.Source, e.PrevHash, e.Hash})
	}
	idOrNull := func(id int64) string {
		if id == 0 {
			return "null"
		}
		return fmt.Sprint(id)
	}
	// The person's merchants go to their backup, Spare; a backup who is
	// Spare, or none, becomes third or fourth by turns.
	type held struct{ id, backup int64 }
	var mine, backed []held
	rows, err := db.QueryContext(ctx, rawSQL(dsn, "SELECT id, COALESCE(backup_manager_id, 0) FROM merchants WHERE account_manager_id = ? ORDER BY id"), agent)
	must(b, err)
	for rows.Next() {
		var h held
		must(b, rows.Scan(&h.id, &h.backup))
		mine = append(mine, h)
	}
	rows.Close()
	turn := 0
	for _, m := range mine {
		backup := m.backup
		if backup == spare || backup == 0 {
			backup, turn = others[turn%2], turn+1
		}
		x.merchants = append(x.merchants, []any{m.id, spare, backup})
		entry("handover", poscare.EntityMerchant, m.id,
			fmt.Sprintf(`{"account_manager_id":%d,"backup_manager_id":%s}`, agent, idOrNull(m.backup)),
			fmt.Sprintf(`{"account_manager_id":%d,"backup_manager_id":%d,"incident_id":%d}`, spare, backup, x.incident))
		x.handovers = append(x.handovers, []any{x.incident, "merchant", m.id, "", agent, spare, now})
	}
	// The colleagues' merchants the person backed up get another colleague.
	rows, err = db.QueryContext(ctx, rawSQL(dsn, "SELECT id, account_manager_id FROM merchants WHERE backup_manager_id = ? ORDER BY id"), agent)
	must(b, err)
	for rows.Next() {
		var h held
		must(b, rows.Scan(&h.id, &h.backup))
		backed = append(backed, h)
	}
	rows.Close()
	for _, m := range backed {
		backup := others[0]
		if m.backup == backup {
			backup = others[1]
		}
		x.merchants = append(x.merchants, []any{m.id, m.backup, backup})
		entry("handover_backup", poscare.EntityMerchant, m.id, fmt.Sprintf(`{"backup_manager_id":%d}`, agent),
			fmt.Sprintf(`{"backup_manager_id":%d,"incident_id":%d}`, backup, x.incident))
		x.handovers = append(x.handovers, []any{x.incident, "backup", m.id, "", agent, backup, now})
	}
	rows, err = db.QueryContext(ctx, rawSQL(dsn, "SELECT application_id, position FROM application_stages WHERE responsible_id = ? AND completed_at IS NULL"), agent)
	must(b, err)
	for rows.Next() {
		var app int64
		var pos int
		must(b, rows.Scan(&app, &pos))
		x.handovers = append(x.handovers, []any{x.incident, "stage", app, fmt.Sprint(pos), agent, spare, now})
	}
	rows.Close()
	// One notice per merchant, to its first contact's first channel.
	rows, err = db.QueryContext(ctx, rawSQL(dsn, `SELECT m.id, m.legal_name, c.lang, ch.kind, ch.value FROM merchants m
		JOIN contacts c ON c.merchant_id = m.id JOIN contact_channels ch ON ch.contact_id = c.id
		WHERE m.account_manager_id = ? ORDER BY m.id, c.id, ch.id`), agent)
	must(b, err)
	last := int64(0)
	channel := map[string]string{"phone": "sms", "email": "email", "wechat": "wechat"}
	for rows.Next() {
		var id int64
		var name, lang, kind, value string
		must(b, rows.Scan(&id, &name, &lang, &kind, &value))
		if id == last {
			continue
		}
		last = id
		subject, body := poscare.HandoverMessage(name, hw.w.Spare)
		x.outbox = append(x.outbox, []any{fmt.Sprintf("incident:%d:merchant:%d", x.incident, id), id, x.incident, channel[kind], value, lang,
			subject.Encode(), body.Encode(), "queued", now, now})
	}
	rows.Close()
	entry("declare_missing", poscare.EntityUser, agent, `{"status":"active"}`, fmt.Sprintf(`{"status":"missing","incident_id":%d}`, x.incident))
	if len(x.merchants) != 12_001 || len(x.audit) != 12_002 || len(x.handovers) < 14_000 || len(x.outbox) != 10_001 { // the world's agent has one merchant of its own
		b.Fatalf("bare plan: %d merchants, %d audit entries, %d handovers, %d notices", len(x.merchants), len(x.audit), len(x.handovers), len(x.outbox))
	}
	x.incidentRw = []any{x.incident, "missing", agent, "基准测试", "backup", hw.ops.UserID, now, "[]", `{"merchants":10001}`, "{}"}
	return x
}

// mergeChunk is how many merchants one UPDATE of the bare handover
// changes (POSCARE_BENCH_MERGE_CHUNK; at most 10,000, the bind-parameter
// limit).
var mergeChunk = 10_000

func init() {
	if v := os.Getenv("POSCARE_BENCH_MERGE_CHUNK"); v != "" {
		fmt.Sscan(v, &mergeChunk)
	}
}

// run writes the changes in one transaction and returns its statements.
func (x *bareHandover) run(b *testing.B) int {
	ctx := context.Background()
	pg := sqlstore.DialectOf(x.dsn) == sqlstore.Postgres
	tx, err := x.db.BeginTx(ctx, nil)
	must(b, err)
	defer tx.Rollback()
	n := 0
	exec := func(q string, args ...any) {
		n++
		if _, err := tx.ExecContext(ctx, rawSQL(x.dsn, q), args...); err != nil {
			b.Fatalf("%.80s: %v", q, err)
		}
	}
	var chunk func(rows [][]any, per int, fn func(values string, args []any))
	// chunks calls fn with at most 30,000 bind parameters' worth of rows.
	chunks := func(rows [][]any, fn func(values string, args []any)) {
		chunk(rows, 30_000/len(rows[0]), fn)
	}
	chunk = func(rows [][]any, per int, fn func(values string, args []any)) {
		for len(rows) > 0 {
			c := rows[:min(per, len(rows))]
			rows = rows[len(c):]
			one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(c[0])), ", ") + ")"
			args := make([]any, 0, len(c)*len(c[0]))
			for _, r := range c {
				args = append(args, r...)
			}
			fn(strings.TrimSuffix(strings.Repeat(one+", ", len(c)), ", "), args)
		}
	}
	insert := func(table, cols string, rows [][]any) {
		chunks(rows, func(values string, args []any) { exec("INSERT INTO "+table+" ("+cols+") VALUES "+values, args...) })
	}
	exec("UPDATE users SET status = 'missing', status_reason = '基准测试', cover_id = NULL, away_until = NULL, updated_at = ? WHERE id = ?", x.now, x.hw.agent.ID)
	insert("incidents", "id, kind, user_id, reason, strategy, opened_by, opened_at, checklist, handed_over, risk_report", [][]any{x.incidentRw})
	// Measured on PostgreSQL (EXPLAIN ANALYZE of one 10,000-row
	// statement): the merchant_holdings trigger (migration 17) took 6.8 of
	// its 9.0 s, rewriting the same few holdings rows once per merchant.
	chunk(x.merchants, mergeChunk, func(values string, args []any) {
		if pg {
			values = strings.Replace(values, "(?, ?, ?)", "(?::bigint, ?::bigint, ?::bigint)", 1)
		}
		if pg {
			exec("UPDATE merchants SET account_manager_id = v.m, backup_manager_id = v.b, updated_at = ? FROM (VALUES "+values+") AS v (id, m, b) WHERE merchants.id = v.id",
				append([]any{x.now}, args...)...)
			return
		}
		exec("WITH v (id, m, b) AS (VALUES "+values+") UPDATE merchants SET account_manager_id = v.m, backup_manager_id = v.b, updated_at = ? FROM v WHERE merchants.id = v.id",
			append(args, x.now)...)
	})
	exec("UPDATE application_stages SET responsible_id = ? WHERE responsible_id = ? AND completed_at IS NULL", x.hw.w.Spare.ID, x.hw.agent.ID)
	insert("audit_log", "seq, at, actor_id, actor_login, action, entity, entity_id, before_json, after_json, source, prev_hash, hash", x.audit)
	insert("handovers", "incident_id, kind, record_id, detail, from_user, to_user, at", x.handovers)
	insert("outbox", "dedupe_key, merchant_id, incident_id, channel, address, lang, subject_msg, body_msg, status, next_attempt_at, created_at", x.outbox)
	must(b, tx.Commit())
	return n
}

// check fails unless the changes are in: the team covered, the chain whole.
func (x *bareHandover) check(b *testing.B) {
	x.hw.checkCovered(b)
	if err := x.hw.s.VerifyAuditOK(context.Background()); err != nil {
		b.Fatal(err)
	}
	if n := count(b, x.hw.s, x.dsn, "SELECT COUNT(*) FROM merchants WHERE account_manager_id = ?", x.hw.agent.ID); n != 0 {
		b.Fatalf("%d merchants left with the person", n)
	}
}
