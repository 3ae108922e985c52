package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// Leads and ops name backups without the admin's user form; row scope
// holds: a lead for the own team only, an agent never.
func TestStoreSetBackup(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			lead, agent, ops := fx.Actor(w.Users[poscare.RoleLead]), fx.Actor(w.Users[poscare.RoleAgent]), fx.Actor(w.Users[poscare.RoleOps])
			a, spare, b := w.Users[poscare.RoleAgent], w.Spare, w.AgentB
			t.Run("LeadSetsOwnTeamMember", func(t *testing.T) {
				u, err := s.SetBackup(ctx, lead, a.ID, &spare.ID)
				if err != nil || u.BackupID == nil || *u.BackupID != spare.ID {
					t.Fatalf("%+v %v", u, err)
				}
				es, _ := s.AuditEntries(ctx, poscare.AuditFilter{Entity: poscare.EntityUser, EntityID: a.ID})
				found := false
				for _, e := range es {
					found = found || (e.Action == "set_backup" && e.ActorID == lead.UserID)
				}
				if !found {
					t.Fatal("no set_backup audit entry")
				}
			})
			t.Run("LeadOfAnotherTeamRefused", func(t *testing.T) {
				if _, err := s.SetBackup(ctx, lead, b.ID, &spare.ID); poscare.ErrorCode(err) != poscare.ENotFound && poscare.ErrorCode(err) != poscare.EForbidden {
					t.Fatalf("lead set another team's backup: %v", err)
				}
			})
			t.Run("LeadChoosesOwnTeamOnly", func(t *testing.T) {
				if _, err := s.SetBackup(ctx, lead, a.ID, &b.ID); poscare.ErrorCode(err) != poscare.EInvalid {
					t.Fatalf("backup from another team: %v", err)
				}
			})
			t.Run("AgentRefused", func(t *testing.T) {
				if _, err := s.SetBackup(ctx, agent, spare.ID, &a.ID); poscare.ErrorCode(err) != poscare.EForbidden {
					t.Fatalf("agent set a backup: %v", err)
				}
			})
			t.Run("NotSelfNotNone", func(t *testing.T) {
				if _, err := s.SetBackup(ctx, ops, a.ID, &a.ID); poscare.ErrorCode(err) != poscare.EInvalid {
					t.Fatalf("own backup: %v", err)
				}
				if _, err := s.SetBackup(ctx, ops, a.ID, nil); poscare.ErrorCode(err) != poscare.EInvalid {
					t.Fatalf("agent at work left without a backup: %v", err)
				}
			})
			t.Run("OpsSetsAnyone", func(t *testing.T) {
				if u, err := s.SetBackup(ctx, ops, b.ID, &a.ID); err != nil || *u.BackupID != a.ID {
					t.Fatalf("%+v %v", u, err)
				}
			})
			if err := s.VerifyAuditOK(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A lead restores the ticked removals only; ticking none is refused, not
// taken for all.
func TestStoreRestoreChosenRemovals(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			agent, lead := fx.Actor(w.Users[poscare.RoleAgent]), fx.Actor(w.Users[poscare.RoleLead])
			start := time.Now().Add(-time.Minute)
			ids := portfolio(t, s, w, 3)
			for _, id := range ids {
				must(t, s.Archive(ctx, agent, poscare.EntityMerchant, id, "客户不做了"))
			}
			if _, err := s.RestoreChosenRemovals(ctx, lead, agent.UserID, start, nil); poscare.ErrorCode(err) != poscare.EInvalid {
				t.Fatalf("none chosen: %v", err)
			}
			n, err := s.RestoreChosenRemovals(ctx, lead, agent.UserID, start, []sqlstore.RemovalRef{{Entity: poscare.EntityMerchant, ID: ids[1]}, {Entity: poscare.EntityMerchant, ID: 999999}})
			if err != nil || n != 1 {
				t.Fatalf("restored %d: %v", n, err)
			}
			for i, id := range ids {
				m, _ := s.GetMerchant(ctx, lead, id)
				if (m.Archived == nil) != (i == 1) {
					t.Errorf("merchant %d archived %v", i, m.Archived != nil)
				}
			}
			if _, err := s.RestoreChosenRemovals(ctx, agent, agent.UserID, start, []sqlstore.RemovalRef{{Entity: poscare.EntityMerchant, ID: ids[0]}}); poscare.ErrorCode(err) != poscare.EForbidden {
				t.Fatalf("agent restored: %v", err)
			}
			if err := s.VerifyAuditOK(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
