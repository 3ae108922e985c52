package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/servicedesk"
	"poscare/sqlstore"
)

// clockOf finds one clock of a ticket.
func clockOf(v *sqlstore.TicketView, c servicedesk.Clock) *servicedesk.ClockState {
	for i := range v.Clocks {
		if v.Clocks[i].Clock == c {
			return &v.Clocks[i]
		}
	}
	return nil
}

func TestStoreTickets(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			var mu sync.Mutex
			now := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC) // Monday 10:00 in Shanghai
			s.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			travel := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
			lead, agent, ops := w.Users[poscare.RoleLead], w.Users[poscare.RoleAgent], w.Users[poscare.RoleOps]
			shop := fx.Actor(w.Users[poscare.RoleMerchant])
			w.Team1.LeadID = &lead.ID
			must(t, s.UpdateTeam(ctx, sys, w.Team1))
			policy := &servicedesk.Policy{Name: "投诉 24 小时", Kind: servicedesk.KindComplaint, FirstResponse: time.Hour, Resolution: 8 * time.Hour}
			must(t, s.SavePolicy(ctx, fx.Actor(ops), policy))

			var complaint *sqlstore.TicketView
			t.Run("AMerchantFilesInThePortal", func(t *testing.T) {
				other := w.OtherMerchant.ID
				x := &servicedesk.Ticket{Kind: servicedesk.KindComplaint, Channel: servicedesk.ChannelPhone, MerchantID: other,
					Subject: "业务员收费后不开票", Body: "上周交了押金，没有收据"}
				v, err := s.OpenTicket(ctx, shop, x)
				must(t, err)
				complaint = v
				if v.MerchantID != w.Merchant.ID || v.Channel != servicedesk.ChannelPortal || v.Status != servicedesk.StatusNew ||
					v.TeamID == nil || *v.TeamID != w.Team1.ID || v.AssigneeID != nil || v.PolicyID == nil || *v.PolicyID != policy.ID || v.Ref == "" {
					t.Fatalf("ticket %+v", v.Ticket)
				}
				fr := clockOf(v, servicedesk.ClockFirstResponse)
				if fr == nil || !fr.Running || !fr.Due.Equal(now.Add(time.Hour)) {
					t.Fatalf("first response %+v", fr)
				}
				if e := lastEntryOf(t, s, servicedesk.EntityTicket, v.ID); e.Action != "ticket_open" || e.ActorID != shop.UserID {
					t.Errorf("audit %+v", e)
				}
			})
			t.Run("RowScope", func(t *testing.T) {
				for _, who := range []poscare.Actor{fx.Actor(agent), fx.Actor(w.Spare), fx.Actor(lead), fx.Actor(ops), fx.Actor(w.Users[poscare.RoleAuditor]), shop} {
					if _, err := s.GetTicket(ctx, who, complaint.ID); err != nil {
						t.Errorf("%s cannot see the ticket: %v", who.Login, err)
					}
				}
				if _, err := s.GetTicket(ctx, fx.Actor(w.AgentB), complaint.ID); poscare.ErrorCode(err) != poscare.ENotFound {
					t.Errorf("another team's agent: %v, want not found", err)
				}
				// Another team's unassigned ticket is in that team's queue only.
				theirs, err := s.OpenTicket(ctx, fx.Actor(ops), &servicedesk.Ticket{Kind: servicedesk.KindInquiry, Channel: servicedesk.ChannelPhone,
					MerchantID: w.OtherMerchant.ID, Subject: "费率咨询"})
				must(t, err)
				list, err := s.ListTickets(ctx, fx.Actor(w.AgentB), sqlstore.TicketFilter{Open: true})
				must(t, err)
				if len(list) != 1 || list[0].ID != theirs.ID {
					t.Errorf("agent B's queue %+v", list)
				}
				list, err = s.ListTickets(ctx, fx.Actor(agent), sqlstore.TicketFilter{Open: true})
				must(t, err)
				if len(list) != 1 || list[0].ID != complaint.ID || len(list[0].Clocks) == 0 {
					t.Errorf("agent A's queue %+v", list)
				}
				if _, err := s.OpenTicket(ctx, fx.Actor(agent), &servicedesk.Ticket{Kind: servicedesk.KindInquiry, Channel: servicedesk.ChannelPhone,
					MerchantID: w.OtherMerchant.ID, Subject: "越权"}); poscare.ErrorCode(err) != poscare.ENotFound {
					t.Errorf("filing for a merchant outside the scope: %v", err)
				}
			})
			t.Run("BadInputNamesTheField", func(t *testing.T) {
				_, err := s.OpenTicket(ctx, fx.Actor(agent), &servicedesk.Ticket{Kind: "gripe", Channel: servicedesk.ChannelPhone, MerchantID: w.Merchant.ID})
				var e *poscare.Error
				if !errors.As(err, &e) || e.Fields["kind"].Zh == "" || e.Fields["subject"].En == "" {
					t.Fatalf("err %v", err)
				}
				_, err = s.OpenTicket(ctx, fx.Actor(agent), &servicedesk.Ticket{Kind: servicedesk.KindRepair, Channel: servicedesk.ChannelPhone,
					MerchantID: w.Merchant.ID, Subject: "打印机坏了", TerminalID: &w.OtherMerchant.ID})
				if !errors.As(err, &e) || e.Fields["terminal_id"].Zh == "" {
					t.Fatalf("another merchant's terminal: %v", err)
				}
			})
			t.Run("ReplyNoteWaitAndAnswer", func(t *testing.T) {
				travel(20 * time.Minute)
				v, err := s.ReplyTicket(ctx, fx.Actor(agent), complaint.ID, "您好，已收到，正在核实", false)
				must(t, err)
				if v.Status != servicedesk.StatusAcknowledged {
					t.Errorf("a first reply acknowledges: %s", v.Status)
				}
				if fr := clockOf(v, servicedesk.ClockFirstResponse); fr == nil || fr.Met.IsZero() || fr.Breached {
					t.Errorf("first response %+v", fr)
				}
				_, err = s.ReplyTicket(ctx, fx.Actor(agent), complaint.ID, "业务员小李疑似私收押金", true)
				must(t, err)
				if _, err := s.ReplyTicket(ctx, shop, complaint.ID, "备注", true); poscare.ErrorCode(err) != poscare.EForbidden {
					t.Errorf("a merchant writing a note: %v", err)
				}
				mine, err := s.GetTicket(ctx, shop, complaint.ID)
				must(t, err)
				for _, e := range mine.Events {
					if !e.Public || e.Kind == servicedesk.EventNote {
						t.Errorf("the merchant sees %+v", e)
					}
				}
				if _, err := s.MoveTicket(ctx, fx.Actor(agent), complaint.ID, servicedesk.StatusClosed, ""); poscare.ErrorCode(err) != poscare.EInvalid {
					t.Errorf("acknowledged → closed: %v", err)
				}
				v, err = s.MoveTicket(ctx, fx.Actor(agent), complaint.ID, servicedesk.StatusWaiting, "请商户提供收款截图")
				must(t, err)
				res := clockOf(v, servicedesk.ClockResolution)
				if res == nil || res.Running || !res.Waiting {
					t.Fatalf("waiting: %+v", res)
				}
				travel(3 * time.Hour)
				v, err = s.ReplyTicket(ctx, shop, complaint.ID, "截图已上传", false)
				must(t, err)
				res = clockOf(v, servicedesk.ClockResolution)
				if v.Status != servicedesk.StatusInvestigating || !res.Running || res.Paused != 3*time.Hour || res.Used != 20*time.Minute {
					t.Fatalf("after the merchant answered: %s %+v", v.Status, res)
				}
				if !res.Due.Equal(now.Add(8*time.Hour - 20*time.Minute)) {
					t.Errorf("resolution due %s, want the pause added", res.Due)
				}
			})
			t.Run("APolicyChangeMovesOpenDeadlines", func(t *testing.T) {
				policy.Resolution = 4 * time.Hour
				must(t, s.SavePolicy(ctx, fx.Actor(ops), policy))
				v, err := s.GetTicket(ctx, fx.Actor(agent), complaint.ID)
				must(t, err)
				if res := clockOf(v, servicedesk.ClockResolution); res == nil || !res.Due.Equal(now.Add(4*time.Hour-20*time.Minute)) {
					t.Errorf("resolution after the change %+v", res)
				}
				if err := s.SavePolicy(ctx, fx.Actor(lead), policy); poscare.ErrorCode(err) != poscare.EForbidden {
					t.Errorf("a lead changing a policy: %v", err)
				}
			})
			t.Run("EscalationFiresOnceUpTheChain", func(t *testing.T) {
				v, err := s.OpenTicket(ctx, fx.Actor(lead), &servicedesk.Ticket{Kind: servicedesk.KindComplaint, Channel: servicedesk.ChannelPhone,
					MerchantID: w.Merchant.ID, Subject: "终端扣款两次", AssigneeID: &agent.ID, Priority: servicedesk.PriorityUrgent})
				must(t, err)
				travel(50 * time.Minute) // past 80 % of the hour
				fired, err := s.SweepTickets(ctx, 0)
				must(t, err)
				if fired != 1 {
					t.Fatalf("fired %d at the warning, want 1", fired)
				}
				if again, _ := s.SweepTickets(ctx, 0); again != 0 {
					t.Errorf("the warning fired twice")
				}
				travel(15 * time.Minute) // breached: the backup, or with none the lead
				if fired, _ := s.SweepTickets(ctx, 0); fired != 1 {
					t.Errorf("fired %d at the breach", fired)
				}
				got, err := s.GetTicket(ctx, fx.Actor(lead), v.ID)
				must(t, err)
				var lines []string
				for _, e := range got.Events {
					if e.Kind == servicedesk.EventEscalated {
						lines = append(lines, e.Text.Zh)
					}
				}
				if len(lines) != 2 || lines[0] != "首次响应即将超时，已提醒 "+agent.Name || lines[1] != "首次响应已超时，升级给备岗 "+lead.Name {
					t.Errorf("escalation lines %q", lines)
				}
				if fr := clockOf(got, servicedesk.ClockFirstResponse); fr == nil || !fr.Breached {
					t.Errorf("breach not marked: %+v", fr)
				}
				breached, err := s.ListTickets(ctx, fx.Actor(lead), sqlstore.TicketFilter{Breached: true})
				must(t, err)
				if len(breached) != 1 || breached[0].ID != v.ID {
					t.Errorf("breached filter %+v", breached)
				}
				// Answered at last: the breach stays, the chain stops.
				_, err = s.ReplyTicket(ctx, fx.Actor(agent), v.ID, "已退款", false)
				must(t, err)
				travel(time.Hour) // the resolution's warning is 3.2 h in: not yet
				if fired, _ := s.SweepTickets(ctx, 0); fired != 0 {
					t.Errorf("an answered ticket escalated %d times", fired)
				}
				got, _ = s.GetTicket(ctx, fx.Actor(lead), v.ID)
				if fr := clockOf(got, servicedesk.ClockFirstResponse); fr == nil || !fr.Breached || !fr.Met.IsZero() {
					t.Errorf("after the late answer %+v", fr)
				}
			})
			t.Run("CannotReachMyContact", func(t *testing.T) {
				v, err := s.OpenTicket(ctx, shop, &servicedesk.Ticket{Kind: servicedesk.KindUnreachable, Subject: "客户经理电话一直关机"})
				must(t, err)
				if v.AssigneeID == nil || *v.AssigneeID != lead.ID || v.AboutUserID == nil || *v.AboutUserID != agent.ID {
					t.Fatalf("routed %+v", v.Ticket)
				}
			})
			t.Run("ThePlaybookHandsTicketsOver", func(t *testing.T) {
				open, err := s.ListTickets(ctx, fx.Actor(ops), sqlstore.TicketFilter{AssigneeID: &agent.ID, Open: true})
				must(t, err)
				if len(open) == 0 {
					v, err := s.AssignTicket(ctx, fx.Actor(lead), complaint.ID, &agent.ID, nil)
					must(t, err)
					open = append(open, v)
				}
				x, err := s.DeclareIncident(ctx, sys, agent.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上", Strategy: poscare.StrategyBackup})
				must(t, err)
				if x.Handed.Other[servicedesk.HoldingTicket] != len(open) {
					t.Errorf("handed %+v, want %d tickets", x.Handed, len(open))
				}
				for _, o := range open {
					v, err := s.GetTicket(ctx, fx.Actor(ops), o.ID)
					must(t, err)
					if v.AssigneeID == nil || *v.AssigneeID == agent.ID {
						t.Errorf("ticket %s still with the missing agent: %+v", v.Ref, v.AssigneeID)
					}
				}
			})
		})
	}
}
