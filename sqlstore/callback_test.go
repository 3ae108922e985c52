package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

func TestStoreCallbackRequests(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			agent, shop := w.Users[poscare.RoleAgent], fx.Actor(w.Users[poscare.RoleMerchant])
			s.AlertChannels = []string{"sms"}
			defer func() { s.AlertChannels = []string{"email"} }()

			t.Run("MerchantAsksItsServiceContact", func(t *testing.T) {
				cb, err := s.RequestCallback(ctx, shop, w.Merchant.ID, "  POS机无法打印小票，请尽快回电  ")
				if err != nil {
					t.Fatal(err)
				}
				x := cb.Task
				if cb.Existing || x.Kind != sqlstore.TaskCallback || x.UserID != agent.ID || x.Notes != "POS机无法打印小票，请尽快回电" || *x.MerchantID != w.Merchant.ID {
					t.Fatalf("task %+v", x)
				}
				if d := x.DueAt.Sub(x.CreatedAt); d != 4*time.Hour {
					t.Fatalf("due in %s, want the policy's 4h", d)
				}
				if n := countRendered(t, dsn, "SELECT subject_msg, lang FROM outbox WHERE channel = 'sms' AND address = ?", "回电", agent.Mobile); n != 1 {
					t.Fatalf("%d SMS to the account manager, want 1", n)
				}
				if e := lastEntryOf(t, s, poscare.EntityMerchant, w.Merchant.ID); e.Action != "callback_request" || e.ActorID != w.Users[poscare.RoleMerchant].ID {
					t.Fatalf("audit %+v", e)
				}
			})
			t.Run("AskingTwiceQueuesOneCall", func(t *testing.T) {
				cb, err := s.RequestCallback(ctx, shop, w.Merchant.ID, "再次请求")
				if err != nil || !cb.Existing {
					t.Fatalf("second request: %+v %v", cb, err)
				}
				if n := count(t, s, dsn, "SELECT COUNT(*) FROM tasks WHERE kind = 'callback'"); n != 1 {
					t.Fatalf("%d callback tasks", n)
				}
				open, err := s.OpenCallback(ctx, shop, w.Merchant.ID)
				if err != nil || open == nil || open.ID != cb.Task.ID {
					t.Fatalf("open callback %+v %v", open, err)
				}
			})
			t.Run("GoesToTheBackupWhenTheManagerIsAway", func(t *testing.T) {
				must(t, s.CompleteTask(ctx, fx.Actor(agent), mustOpen(t, s, shop, w.Merchant.ID).ID))
				if _, err := s.SetUserStatus(ctx, sys, agent.ID, poscare.StatusChange{Status: poscare.UserUnreachable, Reason: "电话关机"}); err != nil {
					t.Fatal(err)
				}
				cb, err := s.RequestCallback(ctx, fx.Actor(w.Users[poscare.RoleOps]), w.Merchant.ID, "商户致电服务中心，要求回电")
				if err != nil || cb.Existing || cb.Task.UserID != w.Spare.ID || cb.Contact.Via != poscare.ViaBackup {
					t.Fatalf("callback while the manager is away: %+v %v", cb, err)
				}
			})
			t.Run("CentreAlertedWhenNobodyIsAtWork", func(t *testing.T) {
				must(t, s.CompleteTask(ctx, fx.Actor(w.Spare), mustOpen(t, s, shop, w.Merchant.ID).ID))
				if _, err := s.SetUserStatus(ctx, sys, w.Spare.ID, poscare.StatusChange{Status: poscare.UserUnreachable, Reason: "电话关机"}); err != nil {
					t.Fatal(err)
				}
				cb, err := s.RequestCallback(ctx, shop, w.Merchant.ID, "联系不上客户经理")
				if err != nil || cb.Contact.Via != poscare.ViaServiceCentre {
					t.Fatalf("%+v %v", cb, err)
				}
				if n := countRendered(t, dsn, "SELECT subject_msg, lang FROM outbox WHERE address = ?", "回电", sqlstore.DefaultServiceCentre.Email); n != 0 {
					t.Fatalf("the centre got the request by SMS only? %d", n)
				}
				s.AlertChannels = []string{"email", "sms"}
				must(t, s.CompleteTask(ctx, fx.Actor(agent), cb.Task.ID))
				if _, err := s.RequestCallback(ctx, shop, w.Merchant.ID, "还是联系不上"); err != nil {
					t.Fatal(err)
				}
				if n := countRendered(t, dsn, "SELECT subject_msg, lang FROM outbox WHERE address = ?", "回电", sqlstore.DefaultServiceCentre.Email); n != 1 {
					t.Fatalf("%d callback mails to the service centre, want 1", n)
				}
			})
			t.Run("Refusals", func(t *testing.T) {
				_, err := s.RequestCallback(ctx, shop, w.OtherMerchant.ID, "")
				wantCode(t, err, poscare.ENotFound)
				_, err = s.RequestCallback(ctx, fx.Actor(agent), w.OtherMerchant.ID, "")
				wantCode(t, err, poscare.ENotFound)
				_, err = s.RequestCallback(ctx, fx.Actor(w.Users[poscare.RoleAuditor]), w.Merchant.ID, "")
				wantCode(t, err, poscare.EForbidden)
				_, err = s.RequestCallback(ctx, shop, w.Merchant.ID, strings.Repeat("长", 501))
				wantFields(t, err, "note")
			})
		})
	}
}

// TestOverdueMerchantTasksMarkUnreachable: callbacks left past their
// deadline are a silence signal; overdue contact verifications are upkeep
// and are not.
func TestOverdueMerchantTasksMarkUnreachable(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			agent := w.Users[poscare.RoleAgent]
			ids := portfolio(t, s, w, 5)
			db := rawDB(t, dsn)
			task := func(kind string, merchant int64) {
				q := rawSQL(dsn, "INSERT INTO tasks (dedupe_key, kind, user_id, merchant_id, title_msg, due_at, created_at) VALUES (?, ?, ?, ?, '测试', 1, 1)")
				if _, err := db.Exec(q, fmt.Sprintf("%s:%d", kind, merchant), kind, agent.ID, merchant); err != nil {
					t.Fatal(err)
				}
			}
			for _, u := range []*poscare.User{agent, w.Spare, w.AgentB, w.Users[poscare.RoleLead]} {
				if _, err := s.Authenticate(ctx, u.Login, fx.Password, "t"); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range ids {
				task(sqlstore.TaskVerifyContact, id)
			}
			if got, err := s.SweepSilence(ctx); err != nil || len(got) != 0 {
				t.Fatalf("five overdue verifications marked %d: %v", len(got), err)
			}
			for _, id := range ids {
				task(sqlstore.TaskCallback, id)
			}
			got, err := s.SweepSilence(ctx)
			if err != nil || len(got) != 1 || got[0].User.ID != agent.ID || got[0].OverdueTasks != 5 {
				t.Fatalf("five overdue callbacks: %+v %v", got, err)
			}
			if why := got[0].Crossed(s.Policy); !strings.Contains(why.Zh, "5 项任务逾期") {
				t.Fatalf("reason %+v", why)
			}
		})
	}
}

func TestStaffConfirmOwnContact(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := fx.Build(t, s)
			agent := fx.Actor(w.Users[poscare.RoleAgent])
			later := time.Now().Add(200 * 24 * time.Hour)
			s.Now = func() time.Time { return later }
			defer func() { s.Now = time.Now }()
			if _, err := s.SweepStaleContacts(ctx); err != nil {
				t.Fatal(err)
			}
			if len(kind(mustTasks(t, s, agent), sqlstore.TaskVerifySelf)) != 1 {
				t.Fatal("no reminder to check own details")
			}
			_, err := s.ConfirmOwnContact(ctx, agent, poscare.OwnContact{Mobile: "1380013800", Email: "x@", WeChat: "1abc"})
			wantFields(t, err, "mobile", "email", "wechat")
			u, err := s.ConfirmOwnContact(ctx, agent, poscare.OwnContact{Mobile: "13912345678", Email: "zhang.wei@poscare.example", WeChat: "zhangwei_sales"})
			if err != nil || u.Mobile != "13912345678" || u.WeChat != "zhangwei_sales" {
				t.Fatalf("%+v %v", u, err)
			}
			if len(kind(mustTasks(t, s, agent), sqlstore.TaskVerifySelf)) != 0 {
				t.Fatal("the reminder is still open after confirming")
			}
			// Checked just now: the next sweep does not remind again,
			// although the period is the same.
			s.Now = func() time.Time { return later.Add(time.Hour) }
			if _, err := s.SweepStaleContacts(ctx); err != nil {
				t.Fatal(err)
			}
			if len(kind(mustTasks(t, s, agent), sqlstore.TaskVerifySelf)) != 0 {
				t.Fatal("reminded again right after confirming")
			}
			_, err = s.ConfirmOwnContact(ctx, fx.Actor(w.Users[poscare.RoleMerchant]), poscare.OwnContact{Mobile: "13912345678"})
			wantCode(t, err, poscare.EForbidden)
		})
	}
}

func mustTasks(t *testing.T, s *sqlstore.Store, a poscare.Actor) []*sqlstore.Task {
	t.Helper()
	ts, err := s.MyTasks(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func mustOpen(t *testing.T, s *sqlstore.Store, a poscare.Actor, merchantID int64) *sqlstore.Task {
	t.Helper()
	x, err := s.OpenCallback(context.Background(), a, merchantID)
	if err != nil || x == nil {
		t.Fatalf("open callback: %v %v", x, err)
	}
	return x
}

func lastEntryOf(t *testing.T, s *sqlstore.Store, entity string, id int64) poscare.AuditEntry {
	t.Helper()
	es, err := s.AuditEntries(context.Background(), poscare.AuditFilter{Entity: entity, EntityID: id, Page: poscare.Page{Limit: 1}})
	if err != nil || len(es) == 0 {
		t.Fatalf("no audit entry for %s %d: %v", entity, id, err)
	}
	return es[0]
}
