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

func TestStoreDeletionProtection(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			s.Policy.BulkLimit = 5
			w := fx.Build(t, s)
			agent := fx.Actor(w.Users[poscare.RoleAgent])
			lead := fx.Actor(w.Users[poscare.RoleLead])
			// The lead gets the alert by email.
			l := w.Users[poscare.RoleLead]
			l.Email = "lead1@poscare.example"
			if err := s.UpdateUser(ctx, poscare.SystemActor("t"), l); err != nil {
				t.Fatal(err)
			}
			w.Team1.LeadID = &l.ID
			if err := s.UpdateTeam(ctx, poscare.SystemActor("t"), w.Team1); err != nil {
				t.Fatal(err)
			}
			// So does ops, who reads English.
			o := w.Users[poscare.RoleOps]
			o.Email = "ops@poscare.example"
			must(t, s.UpdateUser(ctx, poscare.SystemActor("t"), o))
			must(t, s.SetLanguage(ctx, fx.Actor(o), "en"))
			start := time.Now().Add(-time.Minute)
			ids := portfolio(t, s, w, 8)
			for i, id := range ids[:5] {
				if err := s.Archive(ctx, agent, poscare.EntityMerchant, id, "客户不做了"); err != nil {
					t.Fatalf("archive %d: %v", i, err)
				}
			}
			t.Run("SixthRemovalRefused", func(t *testing.T) {
				err := s.Archive(ctx, agent, poscare.EntityMerchant, ids[5], "客户不做了")
				if poscare.ErrorCode(err) != poscare.EForbidden {
					t.Fatalf("sixth archive: %v", err)
				}
				if m, _ := s.GetMerchant(ctx, agent, ids[5]); m.Archived != nil {
					t.Fatal("the refused archive happened")
				}
				// Removing a phone counts too, and is refused as well.
				c, _ := s.GetContact(ctx, agent, w.Contact.ID)
				c.Channels, c.Reason = c.Channels[:1], "客户要求删除"
				if err := s.UpdateContact(ctx, agent, c); poscare.ErrorCode(err) != poscare.EForbidden {
					t.Fatalf("channel removal past the limit: %v", err)
				}
			})
			t.Run("LeadAndOpsAlertedOnce", func(t *testing.T) {
				n := count(t, s, dsn, "SELECT COUNT(*) FROM outbox WHERE address = ?", "lead1@poscare.example")
				if n != 1 {
					t.Fatalf("%d alerts to the lead, want 1", n)
				}
				for addr, want := range map[string]string{"lead1@poscare.example": "【预警】批量删除客户已被拦截", "ops@poscare.example": "[Alert] bulk removal of customers blocked"} {
					if n := countRendered(t, dsn, "SELECT subject_msg, lang FROM outbox WHERE address = ?", want, addr); n != 1 {
						t.Errorf("%d alerts to %s starting %q, want 1", n, addr, want)
					}
				}
				// The alert names what was removed, and the window in words.
				var zh, en, opsLang string
				db := rawDB(t, dsn)
				if err := db.QueryRow("SELECT body_msg FROM outbox WHERE address = 'lead1@poscare.example'").Scan(&zh); err != nil {
					t.Fatal(err)
				}
				zh = poscare.DecodeMsg(zh).In("zh")
				if err := db.QueryRow("SELECT body_msg, lang FROM outbox WHERE address = 'ops@poscare.example'").Scan(&en, &opsLang); err != nil {
					t.Fatal(err)
				}
				en = poscare.DecodeMsg(en).In(opsLang)
				first, err := s.GetMerchant(ctx, lead, ids[0])
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{fmt.Sprintf("归档商户 #%d %s", first.ID, first.LegalName), "在 1 小时内", "已达 5 次"} {
					if !strings.Contains(zh, want) {
						t.Errorf("lead's alert lacks %q:\n%s", want, zh)
					}
				}
				for _, want := range []string{fmt.Sprintf("archived merchant #%d %s", first.ID, first.LegalName), "5 times within 1 hour"} {
					if !strings.Contains(en, want) {
						t.Errorf("ops' alert lacks %q:\n%s", want, en)
					}
				}
				es, _ := s.AuditEntries(ctx, poscare.AuditFilter{Entity: poscare.EntityUser, EntityID: agent.UserID})
				blocked := 0
				for _, e := range es {
					if e.Action == "bulk_blocked" {
						blocked++
						if !strings.Contains(string(e.After), "merchant") {
							t.Errorf("alert lacks the list: %s", e.After)
						}
					}
				}
				if blocked != 2 {
					t.Fatalf("%d bulk_blocked entries, want 2", blocked)
				}
			})
			t.Run("OpsAndSystemAreNotTheAgent", func(t *testing.T) {
				if err := s.Archive(ctx, fx.Actor(w.Users[poscare.RoleOps]), poscare.EntityMerchant, ids[6], "运营清理"); err != nil {
					t.Fatalf("ops archive blocked by the agent's count: %v", err)
				}
			})
			t.Run("LeadRestoresEverythingInOneAction", func(t *testing.T) {
				n, err := s.RestoreRemovals(ctx, lead, agent.UserID, start)
				if err != nil || n != 5 {
					t.Fatalf("restored %d: %v", n, err)
				}
				for _, id := range ids[:5] {
					if m, _ := s.GetMerchant(ctx, agent, id); m.Archived != nil {
						t.Fatalf("merchant %d still archived", id)
					}
				}
				if m, _ := s.GetMerchant(ctx, lead, ids[6]); m.Archived == nil {
					t.Fatal("ops' own archive was undone too")
				}
				if _, err := s.RestoreRemovals(ctx, fx.Actor(w.Users[poscare.RoleAuditor]), agent.UserID, start); poscare.ErrorCode(err) != poscare.EForbidden {
					t.Fatalf("auditor restored: %v", err)
				}
			})
			if err := s.VerifyAuditOK(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStoreRemovalsListedAndUndone(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			agent, lead := fx.Actor(w.Users[poscare.RoleAgent]), fx.Actor(w.Users[poscare.RoleLead])
			start := time.Now().Add(-time.Minute)
			ids := portfolio(t, s, w, 3)
			must(t, s.Archive(ctx, agent, poscare.EntityMerchant, ids[0], "客户已倒闭"))
			must(t, s.Archive(ctx, agent, poscare.EntityMerchant, ids[1], "重复录入"))
			extra := &poscare.Contact{MerchantID: w.Merchant.ID, Name: "赵会计", Role: "finance", PreferredChannel: poscare.ChannelPhone,
				Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fx.Mobile(fx.Seq())}}}
			must(t, s.CreateContact(ctx, agent, extra))
			must(t, s.Archive(ctx, agent, poscare.EntityContact, extra.ID, "已离职"))
			c, err := s.GetContact(ctx, agent, w.Contact.ID)
			must(t, err)
			email := c.Channels[1]
			c.Channels, c.Reason = c.Channels[:1], "邮箱退信"
			must(t, s.UpdateContact(ctx, agent, c))
			// Someone else's archive is not the agent's.
			must(t, s.Archive(ctx, fx.Actor(w.Users[poscare.RoleOps]), poscare.EntityMerchant, ids[2], "运营清理"))
			// The agent backs up a team-2 merchant (data from before a
			// backup had to be in the merchant's team) and archives it too:
			// team 1's lead may not see that merchant, so neither its removal.
			across := fx.NewMerchant(w.Team2.ID, w.AgentB.ID, nil)
			must(t, s.CreateMerchant(ctx, sys, across))
			if _, err := rawDB(t, dsn).Exec(rawSQL(dsn, "UPDATE merchants SET backup_manager_id = ? WHERE id = ?"), agent.UserID, across.ID); err != nil {
				t.Fatal(err)
			}
			must(t, s.Archive(ctx, agent, poscare.EntityMerchant, across.ID, "二部的客户，不做了"))

			t.Run("LeadSeesEachWithItsReason", func(t *testing.T) {
				rs, err := s.Removals(ctx, lead, agent.UserID, start)
				must(t, err)
				got := map[string]sqlstore.Removal{}
				for _, r := range rs {
					key := r.Entity
					if r.Channel != nil {
						key = "channel"
					}
					got[key+":"+r.Reason] = r
				}
				if len(rs) != 4 || len(got) != 4 {
					t.Fatalf("%d removals %+v, want 4 (and not team 2's merchant)", len(rs), rs)
				}
				all, err := s.Removals(ctx, fx.Actor(w.Users[poscare.RoleOps]), agent.UserID, start)
				if err != nil || len(all) != 5 {
					t.Fatalf("ops sees %d removals, want 5 with team 2's merchant: %v", len(all), err)
				}
				if r := got["merchant:客户已倒闭"]; r.ID != ids[0] || r.Name == "" || r.MerchantID != ids[0] {
					t.Errorf("archived merchant %+v", r)
				}
				if r := got["contact:已离职"]; r.ID != extra.ID || r.Name != "赵会计" || r.MerchantName != w.Merchant.LegalName {
					t.Errorf("archived contact %+v", r)
				}
				if r := got["channel:邮箱退信"]; r.ID != w.Contact.ID || r.Channel == nil || r.Channel.Value != email.Value || r.Channel.ID != email.ID {
					t.Errorf("removed channel %+v", r)
				}
				for i := 1; i < len(rs); i++ {
					if rs[i].At.After(rs[i-1].At) {
						t.Fatalf("not newest first: %v after %v", rs[i].At, rs[i-1].At)
					}
				}
			})
			t.Run("OnlyWhoMayUndoSees", func(t *testing.T) {
				otherLead := &poscare.User{Login: "lead2", Name: "二组主管", Role: poscare.RoleLead, TeamID: &w.Team2.ID, Mobile: fx.Mobile(fx.Seq())}
				must(t, s.CreateUser(ctx, sys, otherLead, fx.Password))
				for _, c := range []struct {
					actor poscare.Actor
					code  string
				}{
					{fx.Actor(w.Users[poscare.RoleOps]), ""},
					{fx.Actor(otherLead), poscare.ENotFound},
					{fx.Actor(w.Spare), poscare.EForbidden},
					{agent, poscare.EForbidden},
					{fx.Actor(w.Users[poscare.RoleAuditor]), poscare.EForbidden},
				} {
					_, err := s.Removals(ctx, c.actor, agent.UserID, start)
					if poscare.ErrorCode(err) != c.code {
						t.Errorf("%s: %v, want %q", c.actor.Login, err, c.code)
					}
				}
			})
			t.Run("OneActionUndoesAll", func(t *testing.T) {
				n, err := s.RestoreRemovals(ctx, lead, agent.UserID, start)
				if err != nil || n != 4 {
					t.Fatalf("restored %d: %v", n, err)
				}
				if rs, err := s.Removals(ctx, lead, agent.UserID, start); err != nil || len(rs) != 0 {
					t.Fatalf("left after the undo: %+v %v", rs, err)
				}
				c, err := s.GetContact(ctx, lead, w.Contact.ID)
				must(t, err)
				if len(c.Channels) != 2 || len(c.RemovedChannels) != 0 || c.Channels[1].RemovedReason != "" {
					t.Fatalf("contact after the undo: %+v", c)
				}
				if m, _ := s.GetMerchant(ctx, lead, ids[2]); m.Archived == nil {
					t.Fatal("ops' archive was undone too")
				}
				if m, _ := s.GetMerchant(ctx, sys, across.ID); m.Archived == nil {
					t.Fatal("team 1's lead restored a team-2 merchant")
				}
				es, _ := s.AuditEntries(ctx, poscare.AuditFilter{Entity: poscare.EntityContact, EntityID: w.Contact.ID})
				if es[0].Action != "restore_channel" && es[len(es)-1].Action != "restore_channel" {
					t.Errorf("no restore_channel entry on the contact: first %s, last %s", es[0].Action, es[len(es)-1].Action)
				}
				must(t, s.VerifyAuditOK(ctx))
			})
		})
	}
}

// TestRemovalLimitHoldsUnderConcurrency: removals sent at the same moment
// cannot slip past the limit together.
func TestRemovalLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			s.Policy.BulkLimit = 3
			w := fx.Build(t, s)
			agent := fx.Actor(w.Users[poscare.RoleAgent])
			ids := portfolio(t, s, w, 12)
			errs := make(chan error, len(ids))
			for _, id := range ids {
				go func() { errs <- s.Archive(ctx, agent, poscare.EntityMerchant, id, "同时删除") }()
			}
			done, refused := 0, 0
			for range ids {
				switch err := <-errs; poscare.ErrorCode(err) {
				case "":
					done++
				case poscare.EForbidden:
					refused++
				default:
					t.Fatal(err)
				}
			}
			archived := count(t, s, dsn, "SELECT COUNT(*) FROM merchants WHERE archived_by = ?", w.Users[poscare.RoleAgent].ID)
			if done != 3 || refused != 9 || archived != 3 {
				t.Fatalf("%d archived (%d in the table), %d refused; the limit is 3", done, archived, refused)
			}
		})
	}
}
