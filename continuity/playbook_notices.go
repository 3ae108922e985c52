package continuity

import "poscare"

// NoticeRoute is one way to reach a merchant: one live channel of one of
// its live contacts. Storage gives them in the order of merchant, contact,
// channel.
type NoticeRoute struct {
	Merchant  int64
	Name      string // the merchant's legal name
	Contact   int64
	Preferred poscare.ChannelKind // the contact's preferred channel
	Lang      string              // the contact's language
	Kind      poscare.ChannelKind
	Value     string
}

// Notice is the message queued to tell a merchant its new contact.
type Notice struct {
	Merchant      int64
	Channel       string // the outbox channel: sms, email, wechat
	Address, Lang string
	Subject, Body poscare.Msg
}

// NoticeChannel maps a contact channel to the outbox channel that reaches
// it.
var NoticeChannel = map[poscare.ChannelKind]string{poscare.ChannelPhone: "sms", poscare.ChannelEmail: "email", poscare.ChannelWeChat: "wechat"}

// PlanNotices decides, for each merchant of merchants handed over by plan
// (merchant → new account manager, one of people), the notice it gets: to
// its first contact, through that contact's preferred channel when it has
// it live, else its first live channel, in the contact's language. A
// merchant with no live contact detail is unreachable: its new account
// manager tells it in person. A merchant whose new manager is not among
// people gets nothing.
func PlanNotices(merchants []int64, routes []NoticeRoute, plan map[int64]int64, people map[int64]*poscare.User) (notices []Notice, unreachable []int64) {
	type pick struct {
		NoticeRoute
		preferred bool
	}
	best := map[int64]pick{}
	for _, r := range routes {
		cur, seen := best[r.Merchant]
		// The first contact wins; within it, its preferred channel.
		if !seen || (cur.Contact == r.Contact && !cur.preferred && r.Kind == r.Preferred) {
			best[r.Merchant] = pick{NoticeRoute: r, preferred: r.Kind == r.Preferred}
		}
	}
	for _, mid := range merchants {
		p, ok := best[mid]
		if !ok {
			unreachable = append(unreachable, mid)
			continue
		}
		to := people[plan[mid]]
		if to == nil {
			continue
		}
		subject, body := poscare.HandoverMessage(p.Name, to)
		notices = append(notices, Notice{Merchant: mid, Channel: NoticeChannel[p.Kind], Address: p.Value, Lang: p.Lang, Subject: subject, Body: body})
	}
	return notices, unreachable
}

// TellInPersonTitle is the title of the task that asks a merchant's new
// account manager to tell it, by phone or in person, a merchant the
// playbook could not message.
func TellInPersonTitle(merchant string) poscare.Msg {
	return poscare.M("playbook.task.tell_in_person", "merchant", merchant)
}
