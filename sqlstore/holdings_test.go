package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// holdingsAgree fails the test when merchant_holdings differs from the
// live merchants grouped by team, manager and backup.
func holdingsAgree(t *testing.T, s *sqlstore.Store, after string) {
	t.Helper()
	diff, err := sqlstore.HoldingsDrift(context.Background(), s)
	must(t, err)
	if diff != "" {
		t.Fatalf("after %s: merchant_holdings differs from the merchants: %s", after, diff)
	}
}

// TestHoldingsFollowMerchants: the holdings the dashboard reads equal a
// GROUP BY over the live merchants after every kind of write that moves a
// merchant: bulk and single creation, a new manager, a new or no backup,
// another team, archiving and restoring, an edit that moves nothing, and
// the playbook's handovers and return.
func TestHoldingsFollowMerchants(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sys := poscare.SystemActor("t")
			holdingsAgree(t, s, "migrating")
			st := newSalesTeam(t, s, 4)
			other := &poscare.Team{Name: fmt.Sprintf("销售%d部", fx.Seq())}
			must(t, s.CreateTeam(ctx, sys, other))
			var others []*poscare.User
			for range 2 {
				n := fx.Seq()
				u := &poscare.User{Login: fmt.Sprintf("agent%d", n), Name: fmt.Sprintf("员工%d", n), Role: poscare.RoleAgent, TeamID: &other.ID, Mobile: fx.Mobile(n)}
				must(t, s.CreateUser(ctx, sys, u, fx.Password))
				others = append(others, u)
			}
			holdingsAgree(t, s, "the bulk import")
			a := st.agents
			loose := fx.NewMerchant(st.team.ID, a[0].ID, nil)
			must(t, s.CreateMerchant(ctx, sys, loose))
			holdingsAgree(t, s, "creating a merchant without a backup")

			ms := map[int64][]*poscare.Merchant{}
			for _, m := range teamMerchants(t, s, st.team.ID) {
				ms[m.AccountManagerID] = append(ms[m.AccountManagerID], m)
			}
			update := func(m *poscare.Merchant, what string) {
				t.Helper()
				must(t, s.UpdateMerchant(ctx, sys, m))
				holdingsAgree(t, s, what)
			}
			m := ms[a[0].ID][0]
			m.AccountManagerID = a[2].ID // backed up by a1 still
			update(m, "a new account manager")
			m = ms[a[1].ID][0]
			m.BackupManagerID = &a[4].ID
			update(m, "a new backup")
			m = ms[a[1].ID][1]
			m.BackupManagerID = nil
			update(m, "the backup taken away")
			loose.BackupManagerID = &a[3].ID
			update(loose, "a backup given")
			m = ms[a[2].ID][0]
			m.TeamID, m.AccountManagerID, m.BackupManagerID = other.ID, others[0].ID, &others[1].ID
			update(m, "another team")
			m = ms[a[3].ID][0]
			m.Address += "（新址）"
			update(m, "an edit that moves nothing")

			archived := ms[a[4].ID][0]
			must(t, s.Archive(ctx, sys, poscare.EntityMerchant, archived.ID, "暂停合作"))
			holdingsAgree(t, s, "archiving")
			must(t, s.Archive(ctx, sys, poscare.EntityMerchant, ms[a[5].ID][0].ID, "暂停合作"))
			must(t, s.Restore(ctx, sys, poscare.EntityMerchant, archived.ID, "恢复合作"))
			holdingsAgree(t, s, "archiving one and restoring another")

			lead := fx.Actor(st.lead)
			_, err := s.DeclareIncident(ctx, lead, a[0].ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "离职未交接", Strategy: poscare.StrategySpread})
			must(t, err)
			holdingsAgree(t, s, "a departure spread over the team")
			x, err := s.DeclareIncident(ctx, lead, a[1].ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "手机关机两天", Strategy: poscare.StrategyBackup})
			must(t, err)
			holdingsAgree(t, s, "a missing agent's merchants to their backups")
			n, err := s.ReturnMerchants(ctx, lead, x.ID, nil)
			must(t, err)
			if n == 0 {
				t.Fatal("no merchant went back to the returning agent")
			}
			holdingsAgree(t, s, "the return of the missing agent")
		})
	}
}

// TestHoldingsUnderConcurrentWrites: on PostgreSQL, transactions that
// create the first merchants of the same holdings at once, and others
// that empty and refill a holding meanwhile, all succeed and leave the
// holdings equal to the merchants.
func TestHoldingsUnderConcurrentWrites(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresDSN(t)
	if dsn == "" {
		t.Skip("POSCARE_TEST_POSTGRES is not set")
	}
	s := testenv.Open(t, dsn)
	ctx := context.Background()
	sys := poscare.SystemActor("t")
	st := newSalesTeam(t, s, 1)
	a := st.agents
	// The one merchant of holding (a5, backed up by a0), archived and
	// restored over and over while others are created beside it.
	var single *poscare.Merchant
	for _, m := range teamMerchants(t, s, st.team.ID) {
		if m.AccountManagerID == a[5].ID {
			single = m
		}
	}
	const writers, each = 6, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// Holdings none of the setup made: (a0, no backup), (a1, a2), (a2, a3).
				mgr := a[i%3]
				var backup *int64
				if i%3 != 0 {
					backup = &a[i%3+1].ID
				}
				if err := s.CreateMerchant(ctx, sys, fx.NewMerchant(st.team.ID, mgr.ID, backup)); err != nil {
					errs <- fmt.Errorf("writer %d, merchant %d: %w", w, i, err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range each {
			if err := s.Archive(ctx, sys, poscare.EntityMerchant, single.ID, "暂停合作"); err != nil {
				errs <- err
			}
			if err := s.CreateMerchant(ctx, sys, fx.NewMerchant(st.team.ID, a[5].ID, &a[0].ID)); err != nil {
				errs <- err
			}
			if err := s.Restore(ctx, sys, poscare.EntityMerchant, single.ID, "恢复合作"); err != nil {
				errs <- err
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	holdingsAgree(t, s, "concurrent creations")
	c, err := s.ContinuityStatus(ctx, fx.Actor(st.lead))
	must(t, err)
	for _, l := range c.Coverage.Load {
		if l.UserID == a[0].ID && l.Merchants != 1+writers*(each/3+1) {
			t.Fatalf("a0 manages %d on the dashboard, want %d", l.Merchants, 1+writers*(each/3+1))
		}
	}
}
