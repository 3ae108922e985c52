package sqlstore_test

import (
	"context"
	"testing"

	"poscare"
	"poscare/demo"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// TestPlaybookPreviewMatchesTheRun: the preview of a declaration writes
// nothing, and the playbook then declared does what it said: the same
// counts kind by kind, the same notices, and each receiver the merchants
// it was to take.
func TestPlaybookPreviewMatchesTheRun(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			if _, err := demo.Seed(ctx, s, demo.Size{Teams: 2, Staff: 14, Merchants: 160, Terminals: 40}); err != nil {
				t.Fatal(err)
			}
			sys := poscare.SystemActor("t")
			agents, err := s.ListUsers(ctx, sys, sqlstore.UserFilter{Role: poscare.RoleAgent, Page: poscare.Page{Limit: 100}})
			if err != nil || len(agents) < 2 {
				t.Fatalf("agents %d: %v", len(agents), err)
			}
			for i, strategy := range []poscare.Strategy{poscare.StrategySpread, poscare.StrategyBackup} {
				person := agents[i]
				d := poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "连续三天联系不上", Strategy: strategy}
				before, _ := s.ListIncidents(ctx, sys, false, poscare.Page{Limit: 100})
				const rowsLeft = "SELECT (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM audit_log) + (SELECT COUNT(*) FROM handovers) + (SELECT COUNT(*) FROM tasks)"
				rowsBefore := count(t, s, dsn, rowsLeft)
				p, err := s.PreviewPlaybook(ctx, sys, person.ID, d)
				if err != nil {
					t.Fatalf("preview %s: %v", strategy, err)
				}
				if p.Sum.Merchants == 0 || len(p.Receivers) == 0 {
					t.Fatalf("%s holds nothing to preview: %+v", person.Login, p.Sum)
				}
				if u, _ := s.GetUser(ctx, sys, person.ID); u.Status != person.Status {
					t.Fatalf("the preview changed %s's status to %s", person.Login, u.Status)
				}
				if xs, _ := s.ListIncidents(ctx, sys, false, poscare.Page{Limit: 100}); len(xs) != len(before) {
					t.Fatalf("the preview opened an incident: %d", len(xs))
				}
				// The preview is the playbook rolled back: no notice, audit
				// entry, handover or task is left behind.
				if n := count(t, s, dsn, rowsLeft); n != rowsBefore {
					t.Fatalf("the preview left %d rows behind", n-rowsBefore)
				}
				t.Logf("%s: %+v, channels %v, receivers %d", strategy, p.Sum, p.ByChannel, len(p.Receivers))
				x, err := s.DeclareIncident(ctx, sys, person.ID, d)
				if err != nil {
					t.Fatal(err)
				}
				if x.Handed.Merchants != p.Sum.Merchants || x.Handed.BackupRoles != p.Sum.BackupRoles || x.Handed.Stages != p.Sum.Stages ||
					x.Handed.Tasks != p.Sum.Tasks || x.Handed.CoveredStaff != p.Sum.CoveredStaff ||
					x.Handed.Notifications != p.Sum.Notifications || x.Handed.Unreachable != p.Sum.Unreachable {
					t.Errorf("%s: the run handed %+v, the preview said %+v", strategy, x.Handed, p.Sum)
				}
				sent := 0
				for _, n := range p.ByChannel {
					sent += n
				}
				if sent != p.Sum.Notifications {
					t.Errorf("channels %v do not add up to %d notices", p.ByChannel, p.Sum.Notifications)
				}
				got, err := s.IncidentReceivers(ctx, sys, x.ID)
				if err != nil {
					t.Fatal(err)
				}
				took := map[int64]int{}
				for _, r := range got {
					took[r.UserID] = r.Counts.Merchants
					if len(r.Merchants) != r.Counts.Merchants {
						t.Errorf("receiver %d: %d merchants listed, %d counted", r.UserID, len(r.Merchants), r.Counts.Merchants)
					}
				}
				for _, r := range p.Receivers {
					if took[r.User.ID] != r.Merchants+r.Archived {
						t.Errorf("%s: %s was to take %d merchants, took %d", strategy, r.User.Login, r.Merchants+r.Archived, took[r.User.ID])
					}
				}
				calls, err := s.IncidentCallList(ctx, sys, x.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(calls) != p.Sum.Merchants-p.Archived {
					t.Errorf("call list has %d merchants, want %d", len(calls), p.Sum.Merchants-p.Archived)
				}
			}
		})
	}
}
