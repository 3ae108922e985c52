package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"poscare"
	"poscare/demo"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/servicedesk"
	"poscare/sqlstore"
)

// portfolio gives agent A n more merchants with contacts and returns their ids.
func portfolio(t testing.TB, s *sqlstore.Store, w *fx.World, n int) []int64 {
	ctx := context.Background()
	a := w.Users[poscare.RoleAgent]
	items := demo.NewGenerator(rand.New(rand.NewPCG(9, 9))).Merchants(n, func(int) (int64, int64, *int64) { return w.Team1.ID, a.ID, nil })
	if err := s.CreateMerchants(ctx, fx.Actor(w.Users[poscare.RoleOps]), items); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, n)
	for i, it := range items {
		ids[i] = it.Merchant.ID
	}
	return ids
}

// rawSQL writes q's ? placeholders the way the database behind dsn
// takes them ($1, $2 … on PostgreSQL).
func rawSQL(dsn, q string) string {
	if sqlstore.DialectOf(dsn) != sqlstore.Postgres {
		return q
	}
	n := 0
	return regexp.MustCompile(`\?`).ReplaceAllStringFunc(q, func(string) string { n++; return fmt.Sprintf("$%d", n) })
}

// rawIDs runs q straight on the database behind dsn and returns the one
// integer column of every row.
func rawIDs(t testing.TB, dsn, q string, args ...any) []int64 {
	t.Helper()
	rows, err := rawDB(t, dsn).Query(rawSQL(dsn, q), args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t testing.TB, s *sqlstore.Store, dsn, q string, args ...any) int {
	t.Helper()
	db := rawDB(t, dsn)
	q = rawSQL(dsn, q)
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// countSaying counts the rows of q (one message column, stored as a
// catalog message) whose Chinese words contain words.
func countSaying(t testing.TB, dsn, words, q string, args ...any) int {
	t.Helper()
	db := rawDB(t, dsn)
	q = rawSQL(dsn, q)
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(poscare.DecodeMsg(msg).In("zh"), words) {
			n++
		}
	}
	return n
}

func TestStorePlaybook(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			agent, spare, lead := w.Users[poscare.RoleAgent], w.Spare, fx.Actor(w.Users[poscare.RoleLead])
			agent.BackupID = &spare.ID
			if err := s.UpdateUser(ctx, sys, agent); err != nil {
				t.Fatal(err)
			}
			ids := append(portfolio(t, s, w, 40), w.Merchant.ID)
			// One merchant has no contact at all: it is told in person.
			bare := fx.NewMerchant(w.Team1.ID, agent.ID, nil)
			must(t, s.CreateMerchant(ctx, sys, bare))
			ids = append(ids, bare.ID)
			// Agent A reads sensitive data and archives a contact before vanishing.
			if _, err := s.RevealMerchant(ctx, fx.Actor(agent), w.Merchant.ID); err != nil {
				t.Fatal(err)
			}
			audit := func() int { return count(t, s, dsn, "SELECT COUNT(*) FROM audit_log") }

			t.Run("NobodyToTakeOverChangesNothing", func(t *testing.T) {
				loner := &poscare.User{Login: "loner", Name: "孤单", Role: poscare.RoleAgent, TeamID: &w.SpareTeam.ID, Mobile: "13900000009"}
				if err := s.CreateUser(ctx, sys, loner, fx.Password); err != nil {
					t.Fatal(err)
				}
				m := fx.NewMerchant(w.SpareTeam.ID, loner.ID, nil)
				if err := s.CreateMerchant(ctx, sys, m); err != nil {
					t.Fatal(err)
				}
				before := audit()
				_, err := s.DeclareIncident(ctx, sys, loner.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "无人接手测试"})
				if poscare.ErrorCode(err) != poscare.EConflict {
					t.Fatalf("want conflict, got %v", err)
				}
				if u, _ := s.GetUser(ctx, sys, loner.ID); u.Status != poscare.UserActive {
					t.Fatal("status changed although the playbook failed")
				}
				if audit() != before {
					t.Fatal("audit entries written by a failed playbook")
				}
			})
			// One of every other kind of holding: the backup role for a
			// colleague's merchant, a colleague's backup, an open task.
			other := fx.NewMerchant(w.Team1.ID, w.Users[poscare.RoleLead].ID, &agent.ID)
			must(t, s.CreateMerchant(ctx, sys, other))
			spare.BackupID = &agent.ID
			must(t, s.UpdateUser(ctx, sys, spare))
			spare.BackupID = nil
			q := rawSQL(dsn, "INSERT INTO tasks (dedupe_key, kind, user_id, merchant_id, title_msg, due_at, created_at) VALUES ('t-playbook', 'follow_up', ?, ?, '回访', 0, 0)")
			if _, err := rawDB(t, dsn).Exec(q, agent.ID, other.ID); err != nil {
				t.Fatal(err)
			}
			// An open ticket assigned to the agent.
			if _, err := s.OpenTicket(ctx, sys, &servicedesk.Ticket{Kind: servicedesk.KindRepair, Channel: servicedesk.ChannelPhone,
				MerchantID: other.ID, Subject: "打印机不出纸", AssigneeID: &agent.ID}); err != nil {
				t.Fatal(err)
			}
			// The first merchant's contacts read English.
			english, err := s.ListContacts(ctx, sys, sqlstore.ContactFilter{MerchantID: &ids[0]})
			must(t, err)
			for _, c := range english {
				c.Lang = "en"
				must(t, s.UpdateContact(ctx, sys, c))
			}
			x, err := s.DeclareIncident(ctx, lead, agent.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "连续三天电话关机", Strategy: poscare.StrategyBackup})
			if err != nil {
				t.Fatal(err)
			}
			t.Run("NoticeInTheContactsLanguage", func(t *testing.T) {
				for _, m := range []int64{ids[0], ids[1]} {
					ns, err := s.MerchantNotifications(ctx, sys, m)
					must(t, err)
					if len(ns) != 1 {
						t.Fatalf("merchant %d has %d notices", m, len(ns))
					}
					en := strings.Contains(ns[0].Body, "account manager is now "+spare.Name)
					zh := strings.Contains(ns[0].Body, "您的客户经理已变更为"+spare.Name)
					if want := m == ids[0]; en != want || zh == want {
						t.Errorf("merchant %d (English contact: %v) got %q", m, want, ns[0].Body)
					}
				}
			})
			t.Run("EveryKindOfHoldingHandedOver", func(t *testing.T) {
				for _, kind := range sqlstore.HoldingKinds() {
					n := count(t, s, dsn, "SELECT COUNT(*) FROM handovers WHERE kind = '"+kind+"' AND incident_id = ?", x.ID)
					if n == 0 {
						t.Errorf("nothing of kind %q handed over: give the agent one in this test", kind)
					}
				}
				if x.Handed.BackupRoles != 1 || x.Handed.CoveredStaff != 1 || x.Handed.Tasks != 1 {
					t.Errorf("summary %+v, want 1 backup role, 1 colleague, 1 task", x.Handed)
				}
				if n := count(t, s, dsn, "SELECT COUNT(*) FROM tasks WHERE user_id = ? AND done_at IS NULL", agent.ID); n != 0 {
					t.Errorf("%d open tasks still with the missing agent", n)
				}
				// The task follows its merchant, who stays with the lead.
				if n := count(t, s, dsn, "SELECT COUNT(*) FROM tasks WHERE dedupe_key = 't-playbook' AND user_id = ?", w.Users[poscare.RoleLead].ID); n != 1 {
					t.Error("the task did not go to its merchant's account manager")
				}
			})
			t.Run("EverythingHandedToBackup", func(t *testing.T) {
				if x.Handed.Merchants != len(ids) {
					t.Fatalf("handed %d merchants, want %d", x.Handed.Merchants, len(ids))
				}
				if n := count(t, s, dsn, "SELECT COUNT(*) FROM merchants WHERE account_manager_id = ?", agent.ID); n != 0 {
					t.Fatalf("%d merchants still managed by the missing agent", n)
				}
				for _, id := range ids {
					m, _ := s.GetMerchant(ctx, sys, id)
					if m.AccountManagerID != spare.ID || (m.BackupManagerID != nil && *m.BackupManagerID == m.AccountManagerID) {
						t.Fatalf("merchant %d: manager %d backup %v", id, m.AccountManagerID, m.BackupManagerID)
					}
				}
				app, _ := s.GetApplication(ctx, sys, w.Application.ID)
				for _, st := range app.Steps {
					if st.CompletedAt == nil && st.ResponsibleID == agent.ID {
						t.Fatalf("stage %s still with the missing agent", st.Stage)
					}
				}
				if x.Handed.Stages == 0 {
					t.Fatal("no stages handed over")
				}
			})
			t.Run("AccessBlocked", func(t *testing.T) {
				if _, err := s.Authenticate(ctx, agent.Login, fx.Password, "t"); poscare.ErrorCode(err) != poscare.EUnauthenticated {
					t.Fatalf("missing agent can log in: %v", err)
				}
			})
			t.Run("MerchantsNotifiedOnce", func(t *testing.T) {
				n := count(t, s, dsn, "SELECT COUNT(*) FROM outbox WHERE incident_id = ?", x.ID)
				if n != x.Handed.Notifications || n < len(ids)-1 {
					t.Fatalf("%d notices queued, summary says %d, for %d merchants", n, x.Handed.Notifications, len(ids))
				}
				ns, err := s.MerchantNotifications(ctx, sys, w.Merchant.ID)
				if err != nil || len(ns) != 1 || ns[0].Status != "queued" || !strings.Contains(ns[0].Body, spare.Name) {
					t.Fatalf("merchant's notice: %+v %v", ns, err)
				}
			})
			t.Run("IncidentHasChecklistTimelineAndRiskReport", func(t *testing.T) {
				// Merchants are informed when their notices arrive, not when queued.
				if len(x.Checklist) != 5 || x.Checklist[4].Item != poscare.CheckMerchantsInformed || x.Checklist[4].Done != nil || x.Checklist[0].Done != nil {
					t.Fatalf("checklist %+v", x.Checklist)
				}
				if len(x.Timeline) < 4 {
					t.Fatalf("timeline %+v", x.Timeline)
				}
				if x.Risk == nil || x.Risk.SensitiveViews != 1 || x.Risk.Entries[0].Action != poscare.AuditView {
					t.Fatalf("risk report %+v", x.Risk)
				}
				y, err := s.CheckIncident(ctx, lead, x.ID, poscare.CheckPoliceReport, "报案回执 2026-1123-01")
				if err != nil || y.Checklist[1].Done == nil || y.Checklist[1].Notes == "" || len(y.Timeline) != len(x.Timeline)+1 {
					t.Fatalf("check: %v %+v", err, y)
				}
			})
			t.Run("MerchantsInformedWhenAllDelivered", func(t *testing.T) {
				msgs, err := s.ClaimMessages(ctx, 10000)
				if err != nil || len(msgs) != count(t, s, dsn, "SELECT COUNT(*) FROM outbox WHERE incident_id = ?", x.ID) {
					t.Fatalf("claimed %d of the incident's notices: %v", len(msgs), err)
				}
				for _, m := range msgs[1:] {
					must(t, s.MessageSent(ctx, m))
				}
				if n, err := s.MarkIncidentsInformed(ctx); err != nil || n != 0 {
					t.Fatalf("ticked %d with one notice still queued: %v", n, err)
				}
				must(t, s.MessageSent(ctx, msgs[0]))
				if n, err := s.MarkIncidentsInformed(ctx); err != nil || n != 1 {
					t.Fatalf("ticked %d once all were delivered: %v", n, err)
				}
				y, _ := s.GetIncident(ctx, sys, x.ID)
				if y.Checklist[4].Done == nil || !strings.Contains(y.Timeline[len(y.Timeline)-1].Text.Zh, "已收到新联系人通知") {
					t.Fatalf("checklist %+v, last event %+v", y.Checklist[4], y.Timeline[len(y.Timeline)-1])
				}
				if n, _ := s.MarkIncidentsInformed(ctx); n != 0 {
					t.Fatal("ticked twice")
				}
				// Merchants without any contact detail are told in person.
				if y.Handed.Unreachable == 0 || y.Handed.Unreachable != len(ids)-len(msgs) {
					t.Fatalf("%d merchants without contact, %d notices for %d merchants", y.Handed.Unreachable, len(msgs), len(ids))
				}
				if got := countSaying(t, dsn, "无可用联系方式", "SELECT title_msg FROM tasks WHERE kind = 'follow_up' AND done_at IS NULL"); got != y.Handed.Unreachable {
					t.Fatalf("%d in-person tasks for %d merchants without contact", got, y.Handed.Unreachable)
				}
			})
			t.Run("SecondRunChangesNothing", func(t *testing.T) {
				if x.ClosedAt != nil {
					t.Fatal("closed already")
				}
				before := audit()
				outbox := count(t, s, dsn, "SELECT COUNT(*) FROM outbox")
				y, err := s.DeclareIncident(ctx, lead, agent.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "再次执行"})
				if err != nil || y.ID != x.ID {
					t.Fatalf("second run: %v, incident %d vs %d", err, y.ID, x.ID)
				}
				if audit() != before || count(t, s, dsn, "SELECT COUNT(*) FROM outbox") != outbox {
					t.Fatal("second run wrote something")
				}
			})
			t.Run("LeadReturnsChosenMerchantsWhenAgentIsBack", func(t *testing.T) {
				// A status change cannot bring back someone missing: only
				// the return on the incident does, by the team's lead or ops.
				_, err := s.SetUserStatus(ctx, lead, agent.ID, poscare.StatusChange{Status: poscare.UserActive, Reason: "已联系上，家中急事"})
				wantCode(t, err, poscare.EConflict)
				if _, err := s.ReturnMerchants(ctx, fx.Actor(w.AgentB), x.ID, nil); err == nil {
					t.Fatal("another team's agent brought the person back")
				}
				n, err := s.ReturnMerchants(ctx, lead, x.ID, ids[:5])
				if err != nil || n != 5 {
					t.Fatalf("returned %d: %v", n, err)
				}
				if u, _ := s.GetUser(ctx, sys, agent.ID); u.Status != poscare.UserActive {
					t.Fatalf("status %s after the return", u.Status)
				}
				back := count(t, s, dsn, "SELECT COUNT(*) FROM audit_log WHERE action = 'return_to_work' AND entity_id = ? AND after_json LIKE ?", agent.ID, fmt.Sprintf(`%%"incident_id":%d%%`, x.ID))
				if back != 1 {
					t.Fatalf("%d audit entries of the return with incident %d", back, x.ID)
				}
				y, _ := s.GetIncident(ctx, sys, x.ID)
				if !strings.Contains(y.Timeline[len(y.Timeline)-2].Text.En, "back at work") {
					t.Fatalf("timeline %+v", y.Timeline[len(y.Timeline)-2:])
				}
				if got := count(t, s, dsn, "SELECT COUNT(*) FROM merchants WHERE account_manager_id = ?", agent.ID); got != 5 {
					t.Fatalf("agent manages %d, want 5", got)
				}
				n, _ = s.ReturnMerchants(ctx, lead, x.ID, nil)
				if n != len(ids)-5 {
					t.Fatalf("returned the rest: %d", n)
				}
				if n, _ := s.ReturnMerchants(ctx, lead, x.ID, nil); n != 0 {
					t.Fatalf("returned twice: %d", n)
				}
				if err := s.CloseIncident(ctx, lead, x.ID); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("AgentCannotRunIt", func(t *testing.T) {
				_, err := s.DeclareIncident(ctx, fx.Actor(spare), w.Users[poscare.RoleLead].ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "越权"})
				if poscare.ErrorCode(err) != poscare.EForbidden {
					t.Fatalf("agent ran the playbook: %v", err)
				}
			})
			if err := s.VerifyAuditOK(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStorePlaybookSpreadsByLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testenv.Open(t, filepath.Join(t.TempDir(), "p.db"))
	w := fx.Build(t, s)
	sys := poscare.SystemActor("t")
	third := &poscare.User{Login: "third", Name: "第三人", Role: poscare.RoleAgent, TeamID: &w.Team1.ID, Mobile: "13900000003"}
	if err := s.CreateUser(ctx, sys, third, fx.Password); err != nil {
		t.Fatal(err)
	}
	ids := portfolio(t, s, w, 60)
	x, err := s.DeclareIncident(ctx, sys, w.Users[poscare.RoleAgent].ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "离职交接", Strategy: poscare.StrategySpread})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int{}
	for _, id := range ids {
		m, _ := s.GetMerchant(ctx, sys, id)
		got[m.AccountManagerID]++
	}
	// Spare, third and the lead were at 0; the two agents take them,
	// within one of each other, and the lead none.
	lo, hi := len(ids), 0
	for _, n := range got {
		lo, hi = min(lo, n), max(hi, n)
	}
	if len(got) != 2 || got[w.Users[poscare.RoleLead].ID] != 0 || hi-lo > 1 || x.Handed.Merchants != 61 {
		t.Fatalf("spread %v (handed %d)", got, x.Handed.Merchants)
	}
	if u, _ := s.GetUser(ctx, sys, w.Users[poscare.RoleAgent].ID); u.Status != poscare.UserDeparted {
		t.Fatalf("status %s", u.Status)
	}
}

// TestPlaybookBlocksAccessEvenWithUntakenItems: an agent alone in their
// team, with no merchants but open tasks (a reminder to check their own
// details, a follow-up), is still declared missing and locked out; the
// items nobody can take stay with them and the timeline says so.
func TestPlaybookBlocksAccessEvenWithUntakenItems(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			loner := &poscare.User{Login: "loner2", Name: "独行", Role: poscare.RoleAgent, TeamID: &w.SpareTeam.ID, Mobile: fx.Mobile(fx.Seq())}
			must(t, s.CreateUser(ctx, sys, loner, fx.Password))
			q := rawSQL(dsn, "INSERT INTO tasks (dedupe_key, kind, user_id, title_msg, due_at, created_at) VALUES (?, ?, ?, '待办', 0, 0)")
			for _, kind := range []string{"verify_self", "follow_up"} {
				if _, err := rawDB(t, dsn).Exec(q, "loner-"+kind, kind, loner.ID); err != nil {
					t.Fatal(err)
				}
			}
			x, err := s.DeclareIncident(ctx, sys, loner.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "无人接手的待办"})
			if err != nil {
				t.Fatalf("declare: %v", err)
			}
			if u, _ := s.GetUser(ctx, sys, loner.ID); u.Status != poscare.UserMissing {
				t.Fatalf("status %s, want missing", u.Status)
			}
			if _, err := s.Authenticate(ctx, loner.Login, fx.Password, "t"); poscare.ErrorCode(err) != poscare.EUnauthenticated {
				t.Fatalf("the missing agent can still log in: %v", err)
			}
			if x.Handed.Tasks != 0 || count(t, s, dsn, "SELECT COUNT(*) FROM tasks WHERE user_id = ? AND done_at IS NULL", loner.ID) != 2 {
				t.Fatalf("tasks handed %d; the two should stay with the person", x.Handed.Tasks)
			}
			noted := false
			for _, e := range x.Timeline {
				noted = noted || strings.Contains(e.Text.En, "1 task or onboarding stage had nobody")
			}
			if !noted {
				t.Errorf("timeline does not say the follow-up was left: %+v", x.Timeline)
			}
		})
	}
}

// TestLeadsIncidentPagesAreFull: a lead's page of incidents is filled with
// the incidents they may see, however many newer ones of other teams there
// are.
func TestLeadsIncidentPagesAreFull(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			mate := &poscare.User{Login: "mate2", Name: "二组队友", Role: poscare.RoleAgent, TeamID: &w.Team2.ID, Mobile: fx.Mobile(fx.Seq())}
			must(t, s.CreateUser(ctx, sys, mate, fx.Password))
			mine, err := s.DeclareIncident(ctx, sys, w.Users[poscare.RoleAgent].ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "一组"})
			must(t, err)
			_, err = s.DeclareIncident(ctx, sys, w.AgentB.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "二组"})
			must(t, err)
			xs, err := s.ListIncidents(ctx, fx.Actor(w.Users[poscare.RoleLead]), false, poscare.Page{Limit: 1})
			must(t, err)
			if len(xs) != 1 || xs[0].ID != mine.ID {
				t.Fatalf("lead's first page: %+v, want their team's incident %d", xs, mine.ID)
			}
		})
	}
}

// TestPlaybookResumesAfterCrash leaves a declaration on record as a crash
// after the request's commit would, and checks that ResumePlaybooks
// finishes it in the requester's name, says so in the timeline, and that a
// second resume and a second declaration change nothing.
func TestPlaybookResumesAfterCrash(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			agent, lead := w.Users[poscare.RoleAgent], w.Users[poscare.RoleLead]
			ids := portfolio(t, s, w, 20)
			db := rawDB(t, dsn)
			q := rawSQL(dsn, "INSERT INTO playbook_requests (user_id, kind, reason, strategy, actor_id, actor_source, requested_at) VALUES (?, 'missing', '连续三天联系不上', 'backup', ?, '10.0.0.7', 1)")
			if _, err := db.Exec(q, agent.ID, lead.ID); err != nil {
				t.Fatal(err)
			}
			n, err := s.ResumePlaybooks(ctx)
			if err != nil || n != 1 {
				t.Fatalf("resumed %d, %v", n, err)
			}
			xs, err := s.ListIncidents(ctx, fx.Actor(lead), true, poscare.Page{})
			if err != nil || len(xs) != 1 {
				t.Fatalf("incidents %d, %v", len(xs), err)
			}
			x := xs[0]
			if x.UserID != agent.ID || x.OpenedBy != lead.ID || x.Reason != "连续三天联系不上" || x.Handed.Merchants != len(ids)+1 {
				t.Fatalf("incident %+v", x)
			}
			if x.Timeline[0].At.UnixMicro() != 1 || !strings.Contains(x.Timeline[1].Text.En, "interrupted") {
				t.Fatalf("timeline does not say it was resumed: %+v", x.Timeline[:2])
			}
			for _, id := range ids {
				if m, _ := s.GetMerchant(ctx, poscare.SystemActor("t"), id); m.AccountManagerID == agent.ID {
					t.Fatalf("merchant %d still with the missing agent", id)
				}
			}
			es, err := s.AuditEntries(ctx, poscare.AuditFilter{Entity: poscare.EntityUser, EntityID: agent.ID, Page: poscare.Page{Limit: 1}})
			if err != nil || len(es) != 1 || es[0].ActorID != lead.ID || es[0].Action != "declare_missing" || es[0].Source != "10.0.0.7" {
				t.Fatalf("audited as %+v (%v), want the lead who asked, from where they asked", es, err)
			}
			if n, err := s.ResumePlaybooks(ctx); err != nil || n != 0 {
				t.Fatalf("second resume: %d, %v", n, err)
			}
			again, err := s.DeclareIncident(ctx, fx.Actor(lead), agent.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "再次申报"})
			if err != nil || again.ID != x.ID {
				t.Fatalf("second declaration: %v %v", again, err)
			}
			if got := count(t, s, dsn, "SELECT COUNT(*) FROM playbook_requests WHERE done_at IS NULL"); got != 0 {
				t.Fatalf("%d requests still pending", got)
			}
		})
	}
}

// TestPlaybookDeclaredTwiceAtOnce declares the same person from several
// callers at the same moment: one incident, the same one for everybody.
func TestPlaybookDeclaredTwiceAtOnce(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			agent := w.Users[poscare.RoleAgent]
			portfolio(t, s, w, 30)
			const callers = 6
			got := make(chan int64, callers)
			errs := make(chan error, callers)
			for i := 0; i < callers; i++ {
				go func() {
					x, err := s.DeclareIncident(ctx, fx.Actor(w.Users[poscare.RoleOps]), agent.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "多人同时申报"})
					if err != nil {
						errs <- err
						return
					}
					got <- x.ID
				}()
			}
			var first int64
			for i := 0; i < callers; i++ {
				select {
				case err := <-errs:
					t.Fatal(err)
				case id := <-got:
					if first == 0 {
						first = id
					}
					if id != first {
						t.Fatalf("two incidents: %d and %d", first, id)
					}
				}
			}
			if n := count(t, s, dsn, "SELECT COUNT(*) FROM incidents"); n != 1 {
				t.Fatalf("%d incidents", n)
			}
			if n := count(t, s, dsn, "SELECT COUNT(*) FROM outbox"); n != count(t, s, dsn, "SELECT COUNT(DISTINCT merchant_id) FROM outbox") {
				t.Fatalf("a merchant was told twice")
			}
		})
	}
}

// TestPlaybookBackupAwaySpreadsAndSaysSo: asked to give everything to the
// backup, who is away, the playbook spreads by load and the timeline says
// why; a task tied to no merchant goes to the least loaded colleague.
func TestPlaybookBackupAwaySpreadsAndSaysSo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	s := testenv.Open(t, path)
	w := fx.Build(t, s)
	sys := poscare.SystemActor("t")
	agent := w.Users[poscare.RoleAgent]
	agent.BackupID = &w.Spare.ID
	must(t, s.UpdateUser(ctx, sys, agent))
	third := &poscare.User{Login: "third", Name: "第三人", Role: poscare.RoleAgent, TeamID: &w.Team1.ID, Mobile: "13900000003"}
	must(t, s.CreateUser(ctx, sys, third, fx.Password))
	// The agent holds 20 merchants; the lead is busy with 30 of their
	// own; the third agent has none.
	lead := w.Users[poscare.RoleLead]
	items := demo.NewGenerator(rand.New(rand.NewPCG(4, 4))).Merchants(50, func(i int) (int64, int64, *int64) {
		if i < 20 {
			return w.Team1.ID, agent.ID, nil
		}
		return w.Team1.ID, lead.ID, nil
	})
	must(t, s.CreateMerchants(ctx, fx.Actor(w.Users[poscare.RoleOps]), items))
	if _, err := s.SetUserStatus(ctx, sys, w.Spare.ID, poscare.StatusChange{Status: poscare.UserUnreachable, Reason: "电话关机"}); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	if _, err := db.Exec("INSERT INTO tasks (dedupe_key, kind, user_id, title_msg, due_at, created_at) VALUES ('t1', 'follow_up', ?, '整理交接材料', 1, 1)", agent.ID); err != nil {
		t.Fatal(err)
	}
	x, err := s.DeclareIncident(ctx, sys, agent.ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "离职", Strategy: poscare.StrategyBackup})
	if err != nil {
		t.Fatal(err)
	}
	said := false
	for _, e := range x.Timeline {
		said = said || strings.Contains(e.Text.Zh, "备岗人员不在岗")
	}
	if !said {
		t.Fatalf("the timeline does not say the backup could not take over: %+v", x.Timeline)
	}
	var owner int64
	if err := db.QueryRow("SELECT user_id FROM tasks WHERE dedupe_key = 't1'").Scan(&owner); err != nil {
		t.Fatal(err)
	}
	if owner != third.ID {
		t.Fatalf("the task went to %d, want the least loaded colleague %d", owner, third.ID)
	}
	got := map[int64]int{}
	for _, h := range rawIDs(t, path, "SELECT to_user FROM handovers WHERE incident_id = ? AND kind = 'merchant'", x.ID) {
		got[h]++
	}
	if got[w.Spare.ID] != 0 || got[third.ID] <= got[lead.ID] {
		t.Fatalf("merchants went %v: none to the away backup, most to the idle colleague", got)
	}
}

// TestPlaybookResumeRefusedWhenRequesterLostAccess: a recorded declaration
// whose requester has been disabled since is not run in their name; it
// ends on record, and ops are alerted that the person was not cut off.
func TestPlaybookResumeRefusedWhenRequesterLostAccess(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			agent, lead := w.Users[poscare.RoleAgent], w.Users[poscare.RoleLead]
			o := w.Users[poscare.RoleOps]
			o.Email = "ops@poscare.example"
			must(t, s.UpdateUser(ctx, sys, o))
			db := rawDB(t, dsn)
			q := rawSQL(dsn, "INSERT INTO playbook_requests (user_id, kind, reason, strategy, actor_id, actor_source, requested_at) VALUES (?, 'missing', '联系不上', 'backup', ?, 't', 1)")
			if _, err := db.Exec(q, agent.ID, lead.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetUserStatus(ctx, sys, lead.ID, poscare.StatusChange{Status: poscare.UserDisabled, Reason: "账号停用调查"}); err != nil {
				t.Fatal(err)
			}
			if n, err := s.ResumePlaybooks(ctx); err != nil || n != 0 {
				t.Fatalf("resumed %d: %v", n, err)
			}
			if got := count(t, s, dsn, "SELECT COUNT(*) FROM incidents"); got != 0 {
				t.Fatal("the playbook ran in the name of a disabled lead")
			}
			if got := count(t, s, dsn, "SELECT COUNT(*) FROM playbook_requests WHERE done_at IS NOT NULL AND incident_id IS NULL AND last_error <> ''"); got != 1 {
				t.Fatal("the refused request is not ended with its reason")
			}
			if e := lastEntryOf(t, s, poscare.EntityUser, agent.ID); e.Action != "declare_refused" {
				t.Fatalf("last entry about the agent: %s", e.Action)
			}
			if got := countSaying(t, dsn, "应急预案未能执行", "SELECT subject_msg FROM outbox WHERE address = 'ops@poscare.example'"); got != 1 {
				t.Fatalf("%d alerts to ops", got)
			}
			if n, _ := s.ResumePlaybooks(ctx); n != 0 {
				t.Fatal("an ended request was resumed")
			}
		})
	}
}
