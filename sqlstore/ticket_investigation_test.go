package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/servicedesk"
)

func TestComplaintsResolveOnlyInvestigated(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			lead, agent, ops := fx.Actor(w.Users[poscare.RoleLead]), fx.Actor(w.Users[poscare.RoleAgent]), fx.Actor(w.Users[poscare.RoleOps])
			w.Team1.LeadID = &w.Users[poscare.RoleLead].ID
			must(t, s.UpdateTeam(ctx, sys, w.Team1))
			v, err := s.OpenTicket(ctx, agent, &servicedesk.Ticket{Kind: servicedesk.KindComplaint, Channel: servicedesk.ChannelPhone, MerchantID: w.Merchant.ID, Subject: "押金未退"})
			must(t, err)
			fields := func(err error) map[string]poscare.Text {
				t.Helper()
				var e *poscare.Error
				if !errors.As(err, &e) {
					t.Fatalf("want a field error, got %v", err)
				}
				return e.Fields
			}
			if f := fields(func() error { _, err := s.MoveTicket(ctx, agent, v.ID, servicedesk.StatusResolved, ""); return err }()); f["cause"].Zh == "" || f["result"].Zh == "" {
				t.Errorf("resolving uninvestigated: %+v", f)
			}
			x := &servicedesk.Investigation{TicketID: v.ID, Findings: "业务员私收押金", Cause: servicedesk.CauseStaffError, Result: "公司退还押金", CompensationFen: 49900}
			must(t, s.SaveInvestigation(ctx, agent, x))
			if f := fields(func() error { _, err := s.MoveTicket(ctx, agent, v.ID, servicedesk.StatusResolved, ""); return err }()); f["compensation_fen"].Zh == "" {
				t.Errorf("resolving with the compensation unapproved: %+v", f)
			}
			if err := s.ApproveCompensation(ctx, agent, v.ID); poscare.ErrorCode(err) != poscare.EForbidden {
				t.Errorf("an agent approves: %v", err)
			}
			must(t, s.SaveInvestigation(ctx, lead, x))
			if err := s.ApproveCompensation(ctx, lead, v.ID); poscare.ErrorCode(err) != poscare.EForbidden {
				t.Errorf("the lead approves what she wrote: %v", err)
			}
			must(t, s.ApproveCompensation(ctx, ops, v.ID))
			if err := s.ApproveCompensation(ctx, ops, v.ID); poscare.ErrorCode(err) != poscare.EConflict {
				t.Errorf("approving twice: %v", err)
			}
			if _, err := s.Investigation(ctx, fx.Actor(w.Users[poscare.RoleMerchant]), v.ID); poscare.ErrorCode(err) != poscare.EForbidden {
				t.Errorf("the merchant reads the investigation: %v", err)
			}
			got, err := s.Investigation(ctx, agent, v.ID)
			must(t, err)
			if got.ApprovedBy == nil || *got.ApprovedBy != ops.UserID || got.Cause != servicedesk.CauseStaffError {
				t.Errorf("investigation %+v", got)
			}
			// A changed amount needs approving again.
			x.CompensationFen = 59900
			must(t, s.SaveInvestigation(ctx, agent, x))
			if got, _ := s.Investigation(ctx, agent, v.ID); got.ApprovedBy != nil {
				t.Errorf("a changed compensation kept its approval")
			}
			x.CompensationFen = 0
			must(t, s.SaveInvestigation(ctx, agent, x))
			if _, err := s.MoveTicket(ctx, agent, v.ID, servicedesk.StatusResolved, ""); err != nil {
				t.Errorf("resolving investigated: %v", err)
			}
			if err := s.SaveInvestigation(ctx, agent, &servicedesk.Investigation{TicketID: v.ID, Cause: "bad luck", CompensationFen: -1}); len(fields(err)) != 2 {
				t.Errorf("bad investigation: %v", err)
			}
		})
	}
}
