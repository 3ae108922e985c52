package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/demo"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// salesTeam is a team of a lead and six agents, each backed up by the
// next (a ring), each managing perAgent merchants backed up by their own
// backup, as the demo builds it.
type salesTeam struct {
	team   *poscare.Team
	lead   *poscare.User
	agents []*poscare.User
}

func newSalesTeam(t *testing.T, s *sqlstore.Store, perAgent int) *salesTeam {
	t.Helper()
	ctx := context.Background()
	sys := poscare.SystemActor("t")
	st := &salesTeam{team: &poscare.Team{Name: fmt.Sprintf("销售%d部", fx.Seq())}}
	must(t, s.CreateTeam(ctx, sys, st.team))
	user := func(role poscare.Role) *poscare.User {
		n := fx.Seq()
		u := &poscare.User{Login: fmt.Sprintf("%s%d", role, n), Name: fmt.Sprintf("员工%d", n), Role: role, TeamID: &st.team.ID, Mobile: fx.Mobile(n)}
		must(t, s.CreateUser(ctx, sys, u, fx.Password))
		return u
	}
	st.lead = user(poscare.RoleLead)
	st.team.LeadID = &st.lead.ID
	must(t, s.UpdateTeam(ctx, sys, st.team))
	for range 6 {
		st.agents = append(st.agents, user(poscare.RoleAgent))
	}
	for i, u := range st.agents {
		u.BackupID = &st.agents[(i+1)%len(st.agents)].ID
		must(t, s.UpdateUser(ctx, sys, u))
	}
	g := demo.NewGenerator(rand.New(rand.NewPCG(3, 4)))
	items := g.Merchants(perAgent*len(st.agents), func(i int) (int64, int64, *int64) {
		a := st.agents[i%len(st.agents)]
		return st.team.ID, a.ID, a.BackupID
	})
	must(t, s.CreateMerchants(ctx, sys, items))
	return st
}

// teamMerchants returns every merchant of the team, archived ones too.
func teamMerchants(t *testing.T, s *sqlstore.Store, team int64) []*poscare.Merchant {
	t.Helper()
	var out []*poscare.Merchant
	for _, archived := range []bool{false, true} {
		for before := int64(0); ; {
			ms, err := s.ListMerchants(context.Background(), poscare.SystemActor("t"), poscare.MerchantFilter{TeamID: &team, Archived: archived,
				Page: poscare.Page{Limit: 500}, BeforeID: before})
			must(t, err)
			if len(ms) > 500 {
				ms = ms[:500]
			}
			out = append(out, ms...)
			if len(ms) < 500 {
				break
			}
			before = ms[len(ms)-1].ID
		}
	}
	return out
}

// unbacked checks every merchant of the team (live ones, or archived ones
// too) has an account manager at work in the team and a backup who is
// somebody else, at work in the same team; it returns the merchants that
// have no such backup and reports any merchant whose manager is not at
// work.
func unbacked(t *testing.T, s *sqlstore.Store, team int64, withArchived bool) []int64 {
	t.Helper()
	ctx, sys := context.Background(), poscare.SystemActor("t")
	people := map[int64]*poscare.User{}
	user := func(id int64) *poscare.User {
		if u, ok := people[id]; ok {
			return u
		}
		u, err := s.GetUser(ctx, sys, id)
		must(t, err)
		people[id] = u
		return u
	}
	var bare []int64
	for _, m := range teamMerchants(t, s, team) {
		if m.Archived != nil && !withArchived {
			continue
		}
		if am := user(m.AccountManagerID); !poscare.HoldsPortfolio(am, team) {
			t.Errorf("merchant %d (archived %v) is managed by %s, %s, team %v", m.ID, m.Archived != nil, am.Login, am.Status, am.TeamID)
		}
		if m.BackupManagerID == nil || *m.BackupManagerID == m.AccountManagerID || !poscare.HoldsPortfolio(user(*m.BackupManagerID), team) {
			bare = append(bare, m.ID)
		}
	}
	return bare
}

// TestPlaybookLeavesEveryMerchantManagedAndBackedUp runs two "all to the
// backup" declarations in one team and a spread one, then checks every
// merchant of the team, archived or not: a manager at work and a backup at
// work, somebody else in the same team; the spread goes over the agents,
// not the lead; the dashboard counts the merchants without a backup and
// shows each one's load.
func TestPlaybookLeavesEveryMerchantManagedAndBackedUp(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			sys, ops := poscare.SystemActor("t"), poscare.SystemActor("t")
			st := newSalesTeam(t, s, 20)
			lead := fx.Actor(st.lead)
			a := st.agents
			// A merchant made without a backup, and one archived by its
			// manager before they vanish: the dashboard counts the first.
			loose := fx.NewMerchant(st.team.ID, a[3].ID, nil)
			must(t, s.CreateMerchant(ctx, sys, loose))
			mine := teamMerchants(t, s, st.team.ID)
			var shelved, shelvedBacked *poscare.Merchant
			for _, m := range mine {
				if m.AccountManagerID == a[0].ID && shelved == nil {
					shelved = m
				}
				if m.AccountManagerID == a[5].ID && shelvedBacked == nil {
					shelvedBacked = m // backed up by a[0]
				}
			}
			must(t, s.Archive(ctx, fx.Actor(a[0]), poscare.EntityMerchant, shelved.ID, "客户说店面已转让"))
			must(t, s.Archive(ctx, ops, poscare.EntityMerchant, shelvedBacked.ID, "暂停合作"))
			dash := func() *sqlstore.Coverage {
				t.Helper()
				c, err := s.ContinuityStatus(ctx, lead)
				must(t, err)
				return c.Coverage
			}
			if c, bare := dash(), unbacked(t, s, st.team.ID, false); c.WithoutBackup != 1 || len(bare) != 1 || bare[0] != loose.ID || c.Unbacked[0].ID != loose.ID {
				t.Fatalf("before: dashboard says %d without a backup (%v), the team has %v", c.WithoutBackup, c.Unbacked, bare)
			}

			// a0 → all to a1; a1 → all to a2; a3 spread.
			for _, d := range []struct {
				who *poscare.User
				s   poscare.Strategy
			}{{a[0], poscare.StrategyBackup}, {a[1], poscare.StrategyBackup}, {a[3], poscare.StrategySpread}} {
				x, err := s.DeclareIncident(ctx, lead, d.who.ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "离职未交接", Strategy: d.s})
				must(t, err)
				if bare := unbacked(t, s, st.team.ID, true); len(bare) != 0 {
					t.Fatalf("after declaring %s (%s): %d merchants without a backup: %v", d.who.Login, d.s, len(bare), bare)
				}
				if d.s == poscare.StrategySpread {
					got := map[int64]int{}
					for _, id := range rawIDs(t, dsn, "SELECT to_user FROM handovers WHERE incident_id = ? AND kind = 'merchant'", x.ID) {
						got[id]++
					}
					// a2 holds 60 by now: the two agents at 20 take them, the
					// lead (at 0) none.
					if got[st.lead.ID] != 0 || got[a[4].ID] < 10 || got[a[5].ID] < 10 || len(got) != 2 {
						t.Fatalf("spread %v: want a4 %d and a5 %d, the least loaded agents, not the lead %d", got, a[4].ID, a[5].ID, st.lead.ID)
					}
				}
			}
			c := dash()
			if c.WithoutBackup != 0 || len(c.Unbacked) != 0 {
				t.Fatalf("dashboard: %d without a backup: %v", c.WithoutBackup, c.Unbacked)
			}
			// The loads add up to the team's live merchants, and a2 holds
			// a0's, a1's and its own.
			total, live := 0, 0
			for _, m := range teamMerchants(t, s, st.team.ID) {
				if m.Archived == nil {
					live++
				}
			}
			var a2 sqlstore.Load
			for _, l := range c.Load {
				total += l.Merchants
				if l.UserID == a[2].ID {
					a2 = l
				}
			}
			if total != live || a2.Merchants < 58 || c.Load[0].UserID != a[2].ID {
				t.Fatalf("load %+v: total %d of %d live merchants", c.Load, total, live)
			}

			t.Run("ArchivedMerchantsLeaveTheDepartedToo", func(t *testing.T) {
				for _, m := range []*poscare.Merchant{shelved, shelvedBacked} {
					got, err := s.GetMerchant(ctx, sys, m.ID)
					must(t, err)
					if got.AccountManagerID == a[0].ID || (got.BackupManagerID != nil && *got.BackupManagerID == a[0].ID) {
						t.Fatalf("archived merchant %d still in the departed's name: %+v", m.ID, got)
					}
				}
				if n := count(t, s, dsn, "SELECT COUNT(*) FROM merchants WHERE account_manager_id IN (?, ?, ?) OR backup_manager_id IN (?, ?, ?)",
					a[0].ID, a[1].ID, a[3].ID, a[0].ID, a[1].ID, a[3].ID); n != 0 {
					t.Fatalf("%d merchants still in the name of someone departed", n)
				}
				// Restored, it is with someone at work and is told who.
				must(t, s.Restore(ctx, ops, poscare.EntityMerchant, shelved.ID, "客户重新开业"))
				got, _ := s.GetMerchant(ctx, sys, shelved.ID)
				if am, _ := s.GetUser(ctx, sys, got.AccountManagerID); !am.Available() {
					t.Fatalf("restored to %s (%s)", am.Login, am.Status)
				}
				ns, err := s.MerchantNotifications(ctx, sys, shelved.ID)
				must(t, err)
				if len(ns) != 1 {
					t.Fatalf("the restored merchant got %d notices, want 1 naming its contact", len(ns))
				}
				if bare := unbacked(t, s, st.team.ID, true); len(bare) != 0 {
					t.Fatalf("after the restore: %v without a backup", bare)
				}
			})
		})
	}
}

// TestRestoreNeverGivesToSomeoneAway: a merchant archived while its manager
// was at work, restored after the manager was disabled, goes to someone
// at work in the team and is told; with nobody at work, the restore is
// refused and changes nothing.
func TestRestoreNeverGivesToSomeoneAway(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sys := poscare.SystemActor("t")
			st := newSalesTeam(t, s, 1)
			m := teamMerchants(t, s, st.team.ID)[0]
			must(t, s.Archive(ctx, sys, poscare.EntityMerchant, m.ID, "暂停合作"))
			owner := m.AccountManagerID
			_, err := s.SetUserStatus(ctx, fx.Actor(st.lead), owner, poscare.StatusChange{Status: poscare.UserDisabled, Reason: "账号暂停"})
			must(t, err)
			must(t, s.Restore(ctx, sys, poscare.EntityMerchant, m.ID, "恢复合作"))
			got, _ := s.GetMerchant(ctx, sys, m.ID)
			if got.AccountManagerID == owner || got.BackupManagerID == nil || *got.BackupManagerID == got.AccountManagerID {
				t.Fatalf("restored merchant: manager %d (was %d), backup %v", got.AccountManagerID, owner, got.BackupManagerID)
			}
			if ns, _ := s.MerchantNotifications(ctx, sys, m.ID); len(ns) != 1 {
				t.Fatalf("%d notices to the restored merchant", len(ns))
			}

			// The same through the lead's undo of a person's removals: the
			// merchant an agent archived before going away comes back to
			// someone at work, and is told.
			owner2 := teamMerchants(t, s, st.team.ID)[0].AccountManagerID
			var m2 *poscare.Merchant
			for _, x := range teamMerchants(t, s, st.team.ID) {
				if x.AccountManagerID == owner2 {
					m2 = x
				}
			}
			before := time.Now().Add(-time.Hour)
			must(t, s.Archive(ctx, poscare.Actor{UserID: owner2, Role: poscare.RoleAgent, TeamID: &st.team.ID, Login: "owner"}, poscare.EntityMerchant, m2.ID, "客户不做了"))
			_, err = s.SetUserStatus(ctx, fx.Actor(st.lead), owner2, poscare.StatusChange{Status: poscare.UserDisabled, Reason: "账号暂停"})
			must(t, err)
			if _, err := s.RestoreRemovals(ctx, fx.Actor(st.lead), owner2, before); err != nil {
				t.Fatal(err)
			}
			got, _ = s.GetMerchant(ctx, sys, m2.ID)
			if got.Archived != nil || got.AccountManagerID == owner2 {
				t.Fatalf("merchant restored by the undo: manager %d (was %d), archived %v", got.AccountManagerID, owner2, got.Archived)
			}
			if ns, _ := s.MerchantNotifications(ctx, sys, m2.ID); len(ns) != 1 {
				t.Fatalf("%d notices to the merchant restored by the undo", len(ns))
			}
		})
	}
}

// TestBackupMustBeInTheTeam: an agent naming another team's agent as the
// backup of a new merchant is refused on the field, and so is a lead or
// ops doing it on an update, or naming the manager themselves.
func TestBackupMustBeInTheTeam(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := fx.Build(t, s)
			agent := w.Users[poscare.RoleAgent]
			m := fx.NewMerchant(w.Team1.ID, agent.ID, &w.AgentB.ID)
			wantFields(t, s.CreateMerchant(ctx, fx.Actor(agent), m), "backup_manager_id")
			m = fx.NewMerchant(w.Team1.ID, agent.ID, &agent.ID)
			wantFields(t, s.CreateMerchant(ctx, fx.Actor(agent), m), "backup_manager_id")
			got, _ := s.GetMerchant(ctx, poscare.SystemActor("t"), w.Merchant.ID)
			got.BackupManagerID = &w.AgentB.ID
			wantFields(t, s.UpdateMerchant(ctx, fx.Actor(w.Users[poscare.RoleOps]), got), "backup_manager_id")
			if _, err := s.RevealMerchant(ctx, fx.Actor(w.AgentB), w.Merchant.ID); poscare.ErrorCode(err) != poscare.ENotFound {
				t.Fatalf("another team's agent reveals the merchant: %v", err)
			}
			m = fx.NewMerchant(w.Team1.ID, agent.ID, &w.Spare.ID)
			must(t, s.CreateMerchant(ctx, fx.Actor(agent), m))
		})
	}
}

// TestPlaybookRecordsEveryBackupChange: after a playbook, the history of
// every merchant whose backup changed shows the change (from whom, to
// whom, which incident), once, and no merchant whose backup stayed shows
// one: the person's own merchants (their new manager was their backup)
// and the merchants the person backed up.
func TestPlaybookRecordsEveryBackupChange(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := newSalesTeam(t, s, 8)
			before := map[int64]int64{}
			for _, m := range teamMerchants(t, s, st.team.ID) {
				before[m.ID] = *m.BackupManagerID
			}
			x, err := s.DeclareIncident(ctx, fx.Actor(st.lead), st.agents[0].ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上", Strategy: poscare.StrategyBackup})
			must(t, err)
			changed := 0
			for _, m := range teamMerchants(t, s, st.team.ID) {
				now := int64(0)
				if m.BackupManagerID != nil {
					now = *m.BackupManagerID
				}
				es, err := s.AuditEntries(ctx, poscare.AuditFilter{Entity: poscare.EntityMerchant, EntityID: m.ID, Page: poscare.Page{Limit: 100}})
				must(t, err)
				var shown []string
				for _, e := range es {
					var b, a struct {
						Backup   *int64 `json:"backup_manager_id"`
						Incident int64  `json:"incident_id"`
					}
					json.Unmarshal(e.Before, &b)
					json.Unmarshal(e.After, &a)
					if e.Action != "create" && a.Incident == x.ID && (b.Backup != nil || a.Backup != nil) {
						shown = append(shown, fmt.Sprintf("%s %v→%v", e.Action, ptrID(b.Backup), ptrID(a.Backup)))
					}
				}
				want := []string(nil)
				if now != before[m.ID] {
					changed++
					want = []string{fmt.Sprintf("%v→%v", before[m.ID], now)}
				}
				if len(shown) != len(want) || (len(want) == 1 && !strings.HasSuffix(shown[0], " "+want[0])) {
					t.Errorf("merchant %d: backup %d → %d, its history shows %q", m.ID, before[m.ID], now, shown)
				}
			}
			// a0's 8 merchants (backed up by a1, now their manager) and
			// a5's 8 (backed up by a0).
			if changed != 16 {
				t.Fatalf("%d merchants changed backup, want 16", changed)
			}
		})
	}
}

func ptrID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// TestCoverageFollowsEveryWrite: the dashboard's coverage follows each
// write that changes it: a merchant losing its backup, a backup disabled,
// a merchant archived, one created; a view between writes gives the same
// counts.
func TestCoverageFollowsEveryWrite(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sys := poscare.SystemActor("t")
			st := newSalesTeam(t, s, 3)
			lead := fx.Actor(st.lead)
			bare := func(want int) {
				t.Helper()
				for range 2 {
					c, err := s.ContinuityStatus(ctx, lead)
					must(t, err)
					if c.Coverage.WithoutBackup != want || len(c.Coverage.Unbacked) != want {
						t.Fatalf("dashboard: %d without a backup (%v), want %d", c.Coverage.WithoutBackup, c.Coverage.Unbacked, want)
					}
				}
			}
			bare(0)
			var m *poscare.Merchant
			for _, x := range teamMerchants(t, s, st.team.ID) {
				if x.AccountManagerID == st.agents[0].ID {
					m = x
				}
			}
			m.BackupManagerID = nil
			must(t, s.UpdateMerchant(ctx, sys, m))
			bare(1)
			// a[1] backs up a[0]'s 3 merchants (m among them).
			_, err := s.SetUserStatus(ctx, lead, st.agents[1].ID, poscare.StatusChange{Status: poscare.UserDisabled, Reason: "账号暂停"})
			must(t, err)
			bare(3)
			must(t, s.Archive(ctx, sys, poscare.EntityMerchant, m.ID, "暂停合作"))
			bare(2)
			must(t, s.CreateMerchant(ctx, sys, fx.NewMerchant(st.team.ID, st.agents[3].ID, nil)))
			bare(3)
		})
	}
}
