package sqlstore_test

import (
	"context"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
)

func TestStoreContinuity(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := fx.Build(t, s)
			ops, lead := fx.Actor(w.Users[poscare.RoleOps]), fx.Actor(w.Users[poscare.RoleLead])
			agent := w.Users[poscare.RoleAgent]
			// The lead must be the team's lead for the chain's third link.
			w.Team1.LeadID = &w.Users[poscare.RoleLead].ID
			if err := s.UpdateTeam(ctx, poscare.SystemActor("t"), w.Team1); err != nil {
				t.Fatal(err)
			}
			via := func() string {
				t.Helper()
				sc, err := s.ServiceContact(ctx, ops, w.Merchant.ID)
				if err != nil {
					t.Fatal(err)
				}
				return sc.Via
			}
			set := func(a poscare.Actor, id int64, c poscare.StatusChange) error {
				_, err := s.SetUserStatus(ctx, a, id, c)
				return err
			}
			if v := via(); v != poscare.ViaAccountManager {
				t.Fatalf("start: %s", v)
			}
			t.Run("MissingOrDepartedOnlyThroughThePlaybook", func(t *testing.T) {
				for _, st := range []poscare.UserStatus{poscare.UserMissing, poscare.UserDeparted} {
					err := set(lead, agent.ID, poscare.StatusChange{Status: st, Reason: "三天联系不上，电话关机"})
					wantFields(t, err, "status")
				}
				if u, _ := s.GetUser(ctx, ops, agent.ID); u.Status != poscare.UserActive {
					t.Fatalf("status %s after a refused change", u.Status)
				}
			})
			t.Run("DisabledAgentLosesAccessAndBackupServes", func(t *testing.T) {
				tok, _ := s.IssueToken(ctx, agent.ID)
				sess, _ := s.CreateSession(ctx, agent.ID)
				if err := set(lead, agent.ID, poscare.StatusChange{Status: poscare.UserDisabled, Reason: "账号暂停，等待调查"}); err != nil {
					t.Fatal(err)
				}
				if _, err := s.ActorForToken(ctx, tok, "t"); poscare.ErrorCode(err) != poscare.EUnauthenticated {
					t.Fatalf("token still valid: %v", err)
				}
				if _, err := s.SessionFor(ctx, sess, "t"); poscare.ErrorCode(err) != poscare.EUnauthenticated {
					t.Fatalf("session still valid: %v", err)
				}
				if _, err := s.Authenticate(ctx, agent.Login, fx.Password, "t"); poscare.ErrorCode(err) != poscare.EUnauthenticated {
					t.Fatalf("missing agent can log in: %v", err)
				}
				if v := via(); v != poscare.ViaBackup {
					t.Fatalf("service contact %s, want backup", v)
				}
			})
			t.Run("LastBackupCannotLeave", func(t *testing.T) {
				// Spare is the only one left before the lead for the away
				// agent's merchant: no leave, no disabling, no archiving.
				until := poscare.Date("2030-01-10")
				err := set(ops, w.Spare.ID, poscare.StatusChange{Status: poscare.UserOnLeave, Reason: "年假", CoverID: &w.Users[poscare.RoleLead].ID, AwayUntil: &until})
				wantCode(t, err, poscare.EConflict)
				wantCode(t, set(ops, w.Spare.ID, poscare.StatusChange{Status: poscare.UserDisabled, Reason: "停用"}), poscare.EConflict)
				wantCode(t, s.Archive(ctx, fx.Actor(w.Users[poscare.RoleAdmin]), poscare.EntityUser, w.Spare.ID, "离职归档"), poscare.EConflict)
				if u, _ := s.GetUser(ctx, ops, w.Spare.ID); u.Status != poscare.UserActive || u.Archived != nil {
					t.Fatalf("the last backup went: %s %v", u.Status, u.Archived)
				}
			})
			t.Run("ManagerCannotBeArchivedHoldingMerchants", func(t *testing.T) {
				wantCode(t, s.Archive(ctx, fx.Actor(w.Users[poscare.RoleAdmin]), poscare.EntityUser, agent.ID, "离职归档"), poscare.EConflict)
			})
			t.Run("LeadWhenBackupAlsoGone", func(t *testing.T) {
				// Unreachable is a fact, not a request: it is never refused.
				if err := set(ops, w.Spare.ID, poscare.StatusChange{Status: poscare.UserUnreachable, Reason: "电话停机"}); err != nil {
					t.Fatal(err)
				}
				if v := via(); v != poscare.ViaTeamLead {
					t.Fatalf("service contact %s, want team lead", v)
				}
			})
			t.Run("CentreWhenLeadUnreachable", func(t *testing.T) {
				if err := set(ops, w.Users[poscare.RoleLead].ID, poscare.StatusChange{Status: poscare.UserUnreachable, Reason: "多次未接电话"}); err != nil {
					t.Fatal(err)
				}
				sc, _ := s.ServiceContact(ctx, ops, w.Merchant.ID)
				if sc.Via != poscare.ViaServiceCentre || sc.Mobile == "" {
					t.Fatalf("service contact %+v, want the centre", sc)
				}
			})
			t.Run("CoverWhileOnLeave", func(t *testing.T) {
				for _, id := range []int64{agent.ID, w.Users[poscare.RoleLead].ID, w.Spare.ID} {
					if err := set(ops, id, poscare.StatusChange{Status: poscare.UserActive, Reason: "已恢复联系"}); err != nil {
						t.Fatal(err)
					}
				}
				until := poscare.Date("2030-01-10")
				if err := set(lead, agent.ID, poscare.StatusChange{Status: poscare.UserOnLeave, Reason: "婚假", CoverID: &w.Users[poscare.RoleLead].ID, AwayUntil: &until}); err != nil {
					t.Fatal(err)
				}
				sc, _ := s.ServiceContact(ctx, ops, w.Merchant.ID)
				if sc.Via != poscare.ViaCover || *sc.UserID != w.Users[poscare.RoleLead].ID {
					t.Fatalf("service contact %+v, want the cover", sc)
				}
				// On leave is not locked out.
				if _, err := s.Authenticate(ctx, agent.Login, fx.Password, "t"); err != nil {
					t.Fatalf("agent on leave cannot log in: %v", err)
				}
			})
			t.Run("WhoMayChangeStatus", func(t *testing.T) {
				c := poscare.StatusChange{Status: poscare.UserUnreachable, Reason: "测试权限"}
				if err := set(fx.Actor(agent), w.Spare.ID, c); poscare.ErrorCode(err) != poscare.EForbidden {
					t.Errorf("agent changed a colleague's status: %v", err)
				}
				if err := set(lead, w.AgentB.ID, c); poscare.ErrorCode(err) != poscare.ENotFound {
					t.Errorf("lead changed another team's agent: %v", err)
				}
				if err := set(lead, w.Users[poscare.RoleLead].ID, c); poscare.ErrorCode(err) != poscare.EForbidden {
					t.Errorf("lead changed own status: %v", err)
				}
				if err := set(fx.Actor(w.Users[poscare.RoleAuditor]), w.Spare.ID, c); poscare.ErrorCode(err) != poscare.EForbidden {
					t.Errorf("auditor changed a status: %v", err)
				}
			})
			t.Run("StatusChangesAreAudited", func(t *testing.T) {
				es, _ := s.AuditEntries(ctx, poscare.AuditFilter{Entity: poscare.EntityUser, EntityID: agent.ID})
				n := 0
				for _, e := range es {
					if e.Action == "status" {
						n++
					}
				}
				if n != 3 {
					t.Fatalf("%d status entries, want 3", n)
				}
			})
			t.Run("MerchantUserSeesOwnServiceContactOnly", func(t *testing.T) {
				mu := fx.Actor(w.Users[poscare.RoleMerchant])
				if _, err := s.ServiceContact(ctx, mu, w.Merchant.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := s.ServiceContact(ctx, mu, w.OtherMerchant.ID); poscare.ErrorCode(err) != poscare.ENotFound {
					t.Fatalf("merchant user saw another merchant's contact: %v", err)
				}
			})
		})
	}
}

// TestCoverSeesTheColleaguesMerchantsWhileOnLeave: while an agent is on
// leave, the colleague covering sees and serves their merchants (through
// the same token a request would bring), and no longer once they return.
func TestCoverSeesTheColleaguesMerchantsWhileOnLeave(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			agent := w.Users[poscare.RoleAgent]
			// Agent B of the other team covers (the fixture's Spare backs
			// the merchant up already, so it could see it anyway).
			cover := w.AgentB
			tok, err := s.IssueToken(ctx, cover.ID)
			if err != nil {
				t.Fatal(err)
			}
			as := func() poscare.Actor {
				a, err := s.ActorForToken(ctx, tok, "t")
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			sees := func() (bool, bool) {
				a := as()
				_, err := s.GetMerchant(ctx, a, w.Merchant.ID)
				ms, lerr := s.ListMerchants(ctx, a, poscare.MerchantFilter{Page: poscare.Page{Limit: 100}})
				if lerr != nil {
					t.Fatal(lerr)
				}
				listed := false
				for _, m := range ms {
					listed = listed || m.ID == w.Merchant.ID
				}
				return err == nil, listed
			}
			if got, listed := sees(); got || listed {
				t.Fatal("agent B sees the merchant before covering")
			}
			until := poscare.Date("2030-03-01")
			if _, err := s.SetUserStatus(ctx, sys, agent.ID, poscare.StatusChange{Status: poscare.UserOnLeave, Reason: "探亲假", CoverID: &cover.ID, AwayUntil: &until}); err != nil {
				t.Fatal(err)
			}
			if got, listed := sees(); !got || !listed {
				t.Fatalf("the cover does not see the merchant: get %v, listed %v", got, listed)
			}
			cb, err := s.RequestCallback(ctx, fx.Actor(w.Users[poscare.RoleMerchant]), w.Merchant.ID, "请回电")
			if err != nil || cb.Task.UserID != cover.ID {
				t.Fatalf("callback while covered: %+v %v", cb, err)
			}
			if err := s.CompleteTask(ctx, as(), cb.Task.ID); err != nil {
				t.Fatalf("the cover cannot close the callback: %v", err)
			}
			if _, err := s.SetUserStatus(ctx, sys, agent.ID, poscare.StatusChange{Status: poscare.UserActive, Reason: "休假结束"}); err != nil {
				t.Fatal(err)
			}
			if got, listed := sees(); got || listed {
				t.Fatal("the cover still sees the merchant after the colleague returned")
			}
		})
	}
}
