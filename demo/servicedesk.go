package demo

import (
	"fmt"
	"time"

	"poscare"
	"poscare/servicedesk"
)

// deskPolicies are the demo's service-level policies: the 24-hour centre
// answers complaints and urgent tickets around the clock; the rest is
// counted in office hours on China's calendar.
var deskPolicies = []servicedesk.Policy{
	{Name: "标准时限", FirstResponse: 8 * time.Hour, Update: 8 * time.Hour, Resolution: 40 * time.Hour, BusinessHours: true},
	{Name: "投诉（24 小时中心）", Kind: servicedesk.KindComplaint, FirstResponse: 2 * time.Hour, Update: 4 * time.Hour, Resolution: 72 * time.Hour},
	{Name: "报修", Kind: servicedesk.KindRepair, FirstResponse: 4 * time.Hour, Resolution: 16 * time.Hour, BusinessHours: true},
	{Name: "紧急", Priority: servicedesk.PriorityUrgent, FirstResponse: 30 * time.Minute, Resolution: 8 * time.Hour},
}

// deskTickets are the demo's tickets, from the merchants' side.
var deskTickets = []struct {
	kind    servicedesk.Kind
	prio    servicedesk.Priority
	channel servicedesk.Channel
	subject string
	body    string
	ago     time.Duration
	status  servicedesk.Status // how far the desk got
}{
	{servicedesk.KindComplaint, servicedesk.PriorityHigh, servicedesk.ChannelPhone, "业务员收了押金不给收据", "三个月前交了 499 元押金，业务员说会补收据，一直没有。", 30 * time.Hour, servicedesk.StatusNew},
	{servicedesk.KindRepair, servicedesk.PriorityNormal, servicedesk.ChannelPortal, "打印机不出纸", "换了新纸还是打印空白。", 3 * time.Hour, servicedesk.StatusAcknowledged},
	{servicedesk.KindInquiry, servicedesk.PriorityLow, servicedesk.ChannelPortal, "信用卡费率是多少", "想确认一下现在的费率。", 26 * time.Hour, servicedesk.StatusResolved},
	{servicedesk.KindFeeDispute, servicedesk.PriorityNormal, servicedesk.ChannelEmail, "本月多扣了流量费", "账单上有两笔 26 元的流量费。", 50 * time.Hour, servicedesk.StatusWaiting},
	{servicedesk.KindRepair, servicedesk.PriorityUrgent, servicedesk.ChannelPhone, "POS 机摔坏了，无法刷卡", "收银台掉地上，屏幕碎了，今天无法收款。", 90 * time.Minute, servicedesk.StatusInvestigating},
	{servicedesk.KindUnreachable, servicedesk.PriorityHigh, servicedesk.ChannelPortal, "客户经理电话一直打不通", "连续两天打不通，也不回微信。", 5 * time.Hour, servicedesk.StatusNew},
	{servicedesk.KindComplaint, servicedesk.PriorityNormal, servicedesk.ChannelInPerson, "安装时间一再推迟", "约好的上门安装推迟了三次。", 8 * time.Hour, servicedesk.StatusInvestigating},
	{servicedesk.KindOther, servicedesk.PriorityLow, servicedesk.ChannelPortal, "想换一台带扫码的机器", "顾客越来越多用扫码付款。", 70 * time.Hour, servicedesk.StatusNew},
}

// serviceDesk gives the demo its desk: the policies, and tickets of the
// first merchants in every state the desk knows, some of them past due.
func (sd *seeder) serviceDesk() error {
	for i := range deskPolicies {
		p := deskPolicies[i]
		if err := sd.s.SavePolicy(sd.ctx, sd.ops, &p); err != nil {
			return fmt.Errorf("demo: policy %s: %w", p.Name, err)
		}
	}
	now := sd.s.Now
	defer func() { sd.s.Now = now }()
	for i, x := range deskTickets {
		if i >= len(sd.merchants) {
			break
		}
		m := sd.merchants[i*7%len(sd.merchants)].Merchant
		at := sd.now.Add(-x.ago)
		sd.s.Now = func() time.Time { return at }
		y := &servicedesk.Ticket{Kind: x.kind, Priority: x.prio, Channel: x.channel, Subject: x.subject, Body: x.body, MerchantID: m.ID}
		v, err := sd.s.OpenTicket(sd.ctx, sd.ops, y)
		if err != nil {
			return fmt.Errorf("demo: ticket %q: %w", x.subject, err)
		}
		later := func(d time.Duration) { t := at.Add(d); sd.s.Now = func() time.Time { return t } }
		steps := []servicedesk.Status{}
		switch x.status {
		case servicedesk.StatusAcknowledged:
			steps = []servicedesk.Status{servicedesk.StatusAcknowledged}
		case servicedesk.StatusInvestigating:
			steps = []servicedesk.Status{servicedesk.StatusAcknowledged, servicedesk.StatusInvestigating}
		case servicedesk.StatusWaiting:
			steps = []servicedesk.Status{servicedesk.StatusAcknowledged, servicedesk.StatusWaiting}
		case servicedesk.StatusResolved:
			steps = []servicedesk.Status{servicedesk.StatusAcknowledged, servicedesk.StatusInvestigating, servicedesk.StatusResolved}
		}
		for j, st := range steps {
			later(time.Duration(j+1) * 20 * time.Minute)
			if st == servicedesk.StatusAcknowledged {
				// To the account manager, unless the continuity story took
				// them away: then it stays in the team's queue.
				if _, err := sd.s.AssignTicket(sd.ctx, sd.ops, v.ID, &m.AccountManagerID, nil); err != nil && poscare.ErrorCode(err) != poscare.EInvalid {
					return fmt.Errorf("demo: assign %s: %w", v.Ref, err)
				}
				if _, err := sd.s.ReplyTicket(sd.ctx, sd.ops, v.ID, "您好，已收到，客户经理会尽快联系您。", false); err != nil {
					return fmt.Errorf("demo: reply %s: %w", v.Ref, err)
				}
				continue
			}
			if _, err := sd.s.MoveTicket(sd.ctx, sd.ops, v.ID, st, ""); err != nil {
				return fmt.Errorf("demo: move %s to %s: %w", v.Ref, st, err)
			}
		}
	}
	return nil
}
