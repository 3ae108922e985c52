package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

func TestStoreIncidentNotifications(t *testing.T) {
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			lead := fx.Actor(w.Users[poscare.RoleLead])
			agent := w.Users[poscare.RoleAgent]
			portfolio(t, s, w, 12)
			x, err := s.DeclareIncident(ctx, lead, agent.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "手机关机两天", Strategy: poscare.StrategySpread})
			if err != nil {
				t.Fatal(err)
			}
			if x.Handed.Notifications < 10 {
				t.Fatalf("only %d notices queued", x.Handed.Notifications)
			}

			// The worker's outcomes: the fixture merchant's message fails for
			// good (and falls back to its email), three are sent, two stay
			// leased, the rest failed once and wait for a retry.
			claimed, err := s.ClaimMessages(ctx, 1000)
			if err != nil || len(claimed) != x.Handed.Notifications {
				t.Fatalf("claimed %d of %d: %v", len(claimed), x.Handed.Notifications, err)
			}
			sent, leased := 0, 0
			for _, m := range claimed {
				switch {
				case m.MerchantID != nil && *m.MerchantID == w.Merchant.ID:
					failForGood(t, s, dsn, m, errors.New("sms gateway: 503"))
				case sent < 3:
					must(t, s.MessageSent(ctx, m))
					sent++
				case leased < 2:
					leased++
				default:
					must(t, s.MessageFailed(ctx, m, errors.New("sms gateway: timeout")))
				}
			}
			total := count(t, s, dsn, "SELECT COUNT(*) FROM outbox WHERE incident_id = ?", x.ID)
			if total != x.Handed.Notifications+1 {
				t.Fatalf("%d messages for %d notices: the fallback copy is missing", total, x.Handed.Notifications)
			}
			list := func(a poscare.Actor, f sqlstore.DeliveryFilter) []*sqlstore.IncidentNotification {
				t.Helper()
				ns, _, err := s.IncidentNotifications(ctx, a, x.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				return ns
			}

			t.Run("CountsEveryStatus", func(t *testing.T) {
				_, sum, err := s.IncidentNotifications(ctx, lead, x.ID, sqlstore.DeliveryFilter{Status: "failed"})
				if err != nil {
					t.Fatal(err)
				}
				want := sqlstore.DeliverySummary{Total: total, Queued: total - 6, Sending: 2, Sent: 3, Failed: 1,
					Merchants: x.Handed.Notifications, MerchantsReached: 3}
				if sum != want {
					t.Fatalf("summary %+v, want %+v (a filter must not narrow the counts)", sum, want)
				}
			})
			t.Run("FailedMessageNamesItsMerchant", func(t *testing.T) {
				ns := list(lead, sqlstore.DeliveryFilter{Status: "failed"})
				if len(ns) != 1 {
					t.Fatalf("%d failed messages, want 1", len(ns))
				}
				n := ns[0]
				if n.MerchantID != w.Merchant.ID || n.MerchantName != w.Merchant.LegalName || n.Attempts != sqlstore.MaxAttempts || n.SentAt != nil || n.Address == "" {
					t.Fatalf("failed message %+v", n)
				}
			})
			t.Run("FallbackCopyBelongsToTheIncident", func(t *testing.T) {
				var failed, copy *sqlstore.IncidentNotification
				for _, n := range list(lead, sqlstore.DeliveryFilter{Page: poscare.Page{Limit: 500}}) {
					if n.MerchantID != w.Merchant.ID {
						continue
					}
					if n.Status == "failed" {
						failed = n
					} else {
						copy = n
					}
				}
				if failed == nil || copy == nil || copy.Status != "queued" || copy.Channel == failed.Channel || copy.ID < failed.ID {
					t.Fatalf("fixture merchant's messages: failed %+v, copy %+v", failed, copy)
				}
			})
			t.Run("StatusFilterKeepsOnlyThatStatus", func(t *testing.T) {
				for status, want := range map[string]int{"queued": total - 6, "sending": 2, "sent": 3, "failed": 1} {
					ns := list(lead, sqlstore.DeliveryFilter{Status: status, Page: poscare.Page{Limit: 500}})
					if len(ns) != want {
						t.Errorf("%s: %d messages, want %d", status, len(ns), want)
					}
					for _, n := range ns {
						if n.Status != status || (status == "sent") != (n.SentAt != nil) {
							t.Errorf("%s filter returned %+v", status, n)
						}
					}
				}
			})
			t.Run("PagesCoverEveryMessageOnce", func(t *testing.T) {
				seen := map[int64]bool{}
				last := int64(0)
				for offset := 0; ; offset += 5 {
					ns := list(lead, sqlstore.DeliveryFilter{Page: poscare.Page{Limit: 5, Offset: offset}})
					more := len(ns) > 5
					if more {
						ns = ns[:5]
					}
					for _, n := range ns {
						if seen[n.ID] || n.ID < last {
							t.Fatalf("message %d twice or out of order at offset %d", n.ID, offset)
						}
						seen[n.ID], last = true, n.ID
					}
					if !more {
						break
					}
				}
				if len(seen) != total {
					t.Fatalf("pages held %d messages, want %d", len(seen), total)
				}
			})
			t.Run("UnknownStatusIsInvalid", func(t *testing.T) {
				_, _, err := s.IncidentNotifications(ctx, lead, x.ID, sqlstore.DeliveryFilter{Status: "delivered"})
				wantFields(t, err, "status")
			})
			t.Run("SameRuleAsTheIncident", func(t *testing.T) {
				otherLead := &poscare.User{Login: "lead2", Name: "二组主管", Role: poscare.RoleLead, TeamID: &w.Team2.ID, Mobile: fx.Mobile(fx.Seq())}
				must(t, s.CreateUser(ctx, sys, otherLead, fx.Password))
				cases := []struct {
					name  string
					actor poscare.Actor
					id    int64
					code  string
				}{
					{"LeadOfTheTeam", lead, x.ID, ""},
					{"Ops", fx.Actor(w.Users[poscare.RoleOps]), x.ID, ""},
					{"Auditor", fx.Actor(w.Users[poscare.RoleAuditor]), x.ID, ""},
					{"LeadOfAnotherTeam", fx.Actor(otherLead), x.ID, poscare.ENotFound},
					{"NoSuchIncident", lead, x.ID + 1000, poscare.ENotFound},
					{"Agent", fx.Actor(w.Spare), x.ID, poscare.EForbidden},
					{"MerchantUser", fx.Actor(w.Users[poscare.RoleMerchant]), x.ID, poscare.EForbidden},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						_, _, err := s.IncidentNotifications(ctx, c.actor, c.id, sqlstore.DeliveryFilter{})
						_, getErr := s.GetIncident(ctx, c.actor, c.id)
						if poscare.ErrorCode(err) != poscare.ErrorCode(getErr) {
							t.Fatalf("notifications: %v; incident: %v", err, getErr)
						}
						wantCode(t, err, c.code)
					})
				}
			})
			t.Run("LeadSeesOnlyMerchantsStillInTheTeam", func(t *testing.T) {
				// The fixture merchant moves to team 2 after the incident:
				// its two messages leave the lead's list and counts, and
				// stay in ops' view.
				m, err := s.GetMerchant(ctx, sys, w.Merchant.ID)
				if err != nil {
					t.Fatal(err)
				}
				m.TeamID, m.AccountManagerID, m.BackupManagerID = w.Team2.ID, w.AgentB.ID, nil
				must(t, s.UpdateMerchant(ctx, sys, m))
				ops := fx.Actor(w.Users[poscare.RoleOps])
				for _, c := range []struct {
					actor     poscare.Actor
					total     int
					merchants int
					holdsIt   bool
				}{
					{lead, total - 2, x.Handed.Notifications - 1, false},
					{ops, total, x.Handed.Notifications, true},
				} {
					ns, sum, err := s.IncidentNotifications(ctx, c.actor, x.ID, sqlstore.DeliveryFilter{Page: poscare.Page{Limit: 500}})
					if err != nil {
						t.Fatal(err)
					}
					held := false
					for _, n := range ns {
						held = held || n.MerchantID == w.Merchant.ID
					}
					if len(ns) != c.total || sum.Total != c.total || sum.Merchants != c.merchants || sum.Failed != map[bool]int{true: 1}[c.holdsIt] || held != c.holdsIt {
						t.Fatalf("%s: %d messages, summary %+v, moved merchant listed %v; want %d messages of %d merchants, listed %v",
							c.actor.Role, len(ns), sum, held, c.total, c.merchants, c.holdsIt)
					}
				}
			})
		})
	}
}
