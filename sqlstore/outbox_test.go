package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"poscare"
	"poscare/demo"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
)

// TestFallbackFollowsPreference makes every channel of some merchants fail
// for good and checks the order in which a playbook notice tries them: the
// contact it went to first, its preferred kind of channel first, then the
// merchant's other contacts, each with its preferred kind first, never a
// channel the chain already tried, and nothing once all are tried.
func TestFallbackFollowsPreference(t *testing.T) {
	t.Parallel()
	phone := func(s string) poscare.Channel { return poscare.Channel{Kind: poscare.ChannelPhone, Value: s} }
	email := func(s string) poscare.Channel { return poscare.Channel{Kind: poscare.ChannelEmail, Value: s} }
	wechat := func(s string) poscare.Channel { return poscare.Channel{Kind: poscare.ChannelWeChat, Value: s} }
	type person struct {
		preferred poscare.ChannelKind
		channels  []poscare.Channel
	}
	cases := []struct {
		name     string
		contacts []person
		// away is the index of a contact archived while the playbook runs
		// and restored before the first failure, or -1.
		away int
		want []string // channel:address, in the order tried
	}{
		{
			name: "PreferredWeChatThenItsPhoneThenEmailThenSecondContactPreferredFirst",
			contacts: []person{
				{poscare.ChannelWeChat, []poscare.Channel{phone("13900000101"), email("boss101@example.cn"), wechat("wxboss101")}},
				{poscare.ChannelEmail, []poscare.Channel{phone("13900000102"), email("cashier102@example.cn")}},
			},
			away: -1,
			want: []string{"wechat:wxboss101", "sms:13900000101", "email:boss101@example.cn", "email:cashier102@example.cn", "sms:13900000102"},
		},
		{
			name: "SecondNumberOfThePreferredKindBeforeOtherKinds",
			contacts: []person{
				{poscare.ChannelPhone, []poscare.Channel{phone("13900000201"), wechat("wxboss201"), phone("13900000202")}},
			},
			away: -1,
			want: []string{"sms:13900000201", "sms:13900000202", "wechat:wxboss201"},
		},
		{
			name: "ContactTheNoticeWentToComesBeforeEarlierContacts",
			contacts: []person{
				{poscare.ChannelPhone, []poscare.Channel{phone("13900000301")}},
				{poscare.ChannelPhone, []poscare.Channel{phone("13900000302"), email("manager302@example.cn")}},
			},
			away: 0,
			want: []string{"sms:13900000302", "email:manager302@example.cn", "sms:13900000301"},
		},
		{
			name: "ChannelAlreadyTriedIsSkipped",
			contacts: []person{
				{poscare.ChannelWeChat, []poscare.Channel{phone("13900000401"), wechat("wxboss401")}},
				// The same shop phone as the owner's, preferred.
				{poscare.ChannelPhone, []poscare.Channel{email("finance402@example.cn"), phone("13900000401")}},
			},
			away: -1,
			want: []string{"wechat:wxboss401", "sms:13900000401", "email:finance402@example.cn"},
		},
	}

	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			ops := fx.Actor(w.Users[poscare.RoleOps])
			agent := w.Users[poscare.RoleAgent]
			items := demo.NewGenerator(rand.New(rand.NewPCG(3, 3))).Merchants(len(cases), func(int) (int64, int64, *int64) { return w.Team1.ID, agent.ID, nil })
			for i, c := range cases {
				items[i].Contacts = nil
				for j, p := range c.contacts {
					items[i].Contacts = append(items[i].Contacts, &poscare.Contact{Name: fmt.Sprintf("联系人%d", j+1), Role: "owner",
						PreferredChannel: p.preferred, Channels: slices.Clone(p.channels)})
				}
			}
			must(t, s.CreateMerchants(ctx, ops, items))
			for i, c := range cases {
				if c.away >= 0 {
					must(t, s.Archive(ctx, ops, poscare.EntityContact, items[i].Contacts[c.away].ID, "休产假，暂不联系"))
				}
			}
			if _, err := s.DeclareIncident(ctx, fx.Actor(w.Users[poscare.RoleLead]), agent.ID,
				poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "手机关机两天", Strategy: poscare.StrategySpread}); err != nil {
				t.Fatal(err)
			}
			for i, c := range cases {
				if c.away >= 0 {
					must(t, s.Restore(ctx, ops, poscare.EntityContact, items[i].Contacts[c.away].ID, "已回到店里"))
				}
			}

			// Every message to the cases' merchants fails for good; the
			// others are sent. A fallback copy is due at once.
			caseOf := map[int64]int{}
			for i, it := range items {
				caseOf[it.Merchant.ID] = i
			}
			tried := make([][]string, len(cases))
			for round := 0; ; round++ {
				if round > 20 {
					t.Fatal("the fallback chains never end")
				}
				ms, err := s.ClaimMessages(ctx, 1000)
				if err != nil {
					t.Fatal(err)
				}
				if len(ms) == 0 {
					break
				}
				for _, m := range ms {
					i, ok := caseOf[deref(m.MerchantID)]
					if !ok {
						must(t, s.MessageSent(ctx, m))
						continue
					}
					tried[i] = append(tried[i], m.Channel+":"+m.Address)
					failForGood(t, s, dsn, m, errors.New("gateway answered 503"))
				}
			}
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					if !slices.Equal(tried[i], c.want) {
						t.Fatalf("channels tried in the order\n%q\nwant\n%q", tried[i], c.want)
					}
				})
			}
			counts, err := s.OutboxCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, c := range cases {
				want += len(c.want)
			}
			if counts["failed"] != want || counts["queued"] != 0 || counts["sending"] != 0 {
				t.Fatalf("outbox %v, want %d failed and nothing pending", counts, want)
			}
		})
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
