package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"poscare"
	"poscare/sqlstore"
)

// portalData is what a merchant user sees of their own business.
type portalData struct {
	M            *poscare.Merchant
	Terminals    []*poscare.Terminal
	Contract     *poscare.Contract
	FeeLines     []string
	Applications []*poscare.Application
	Contact      *poscare.ServiceContact
	Names        map[int64]string
	Confirm      []confirmRow
	Callback     *sqlstore.Task // the open callback request, if any
	Overdue      bool           // the callback's promised time has passed
	ServicePhone string         // the 24-hour service centre's number, "" when none is configured
	CallService  string         // the words on its call button
	CallContact  string         // the words on the service contact's call button
	OverdueText  string         // what an overdue callback says, with its promised time
	Activity     []activityRow  // the merchant's own history, newest first
}

// activityRow is one line of the merchant's history in words: when, who
// (a role, never a person) and what changed.
type activityRow struct {
	At      time.Time
	By      string
	What    string
	Changed string
}

// activityRows puts a merchant's history into words.
func activityRows(p *Page, events []poscare.MerchantEvent) []activityRow {
	out := make([]activityRow, 0, len(events))
	for _, ev := range events {
		what := p.T("action." + ev.Action)
		if what == "action."+ev.Action {
			what = ev.Action
		}
		fields := make([]string, 0, len(ev.Fields))
		for _, f := range ev.Fields {
			fields = append(fields, p.Field(f))
		}
		out = append(out, activityRow{At: ev.At, By: ev.By.In(p.Lang), What: what + " " + poscare.EntityName(ev.Entity).In(p.Lang), Changed: strings.Join(fields, "、")})
	}
	return out
}

// confirmRow is one of the merchant's contacts with its signed link.
type confirmRow struct {
	C    *poscare.Contact
	Link string
}

// feeLines explains a fee schedule the way a shopkeeper thinks of it: how
// much is charged per 10,000 yuan taken.
func feeLines(lang string, f poscare.FeeSchedule) []string {
	per := func(m poscare.PaymentMethod) string { return yuan(f.Fee(1_000_000, m)) }
	if lang == "en" {
		return []string{
			fmt.Sprintf("Credit cards: %s CNY per 10,000 CNY taken (%s)", per(poscare.PayCredit), rate(f.Credit)),
			fmt.Sprintf("Debit cards: %s of each payment, at most %s CNY per payment", rate(f.Debit), yuan(f.DebitCapFen)),
			fmt.Sprintf("WeChat Pay and Alipay: %s CNY per 10,000 CNY (%s)", per(poscare.PayQR), rate(f.QR)),
			fmt.Sprintf("UnionPay QR: %s CNY per 10,000 CNY, as credit cards", per(poscare.PayUnionPayQR)),
		}
	}
	return []string{
		fmt.Sprintf("信用卡：每刷1万元收取%s元（%s）", per(poscare.PayCredit), rate(f.Credit)),
		fmt.Sprintf("借记卡（储蓄卡）：每笔收取%s，单笔最高%s元", rate(f.Debit), yuan(f.DebitCapFen)),
		fmt.Sprintf("微信、支付宝：每收1万元收取%s元（%s）", per(poscare.PayQR), rate(f.QR)),
		fmt.Sprintf("云闪付（银联二维码）：每收1万元收取%s元，与信用卡相同", per(poscare.PayUnionPayQR)),
	}
}

// portal is the merchant's own page. A staff member opening it is sent to
// the console; a merchant user sees only their merchant, by the same
// scope rule as everywhere else.
func (c *Console) portal(q *request) {
	a := q.sess.Actor
	if a.Role != poscare.RoleMerchant || a.MerchantID == nil {
		q.redirect("/")
		return
	}
	ctx := q.r.Context()
	m, err := c.Store.GetMerchant(ctx, a, *a.MerchantID)
	if err != nil {
		q.fail(err)
		return
	}
	p := q.page(m.LegalName, nil)
	d := &portalData{M: m, Names: map[int64]string{}}
	d.Terminals, _ = c.Store.ListTerminals(ctx, a, poscare.TerminalFilter{MerchantID: &m.ID, Page: poscare.Page{Limit: 100}})
	if ks, err := c.Store.ListContracts(ctx, a, poscare.ContractFilter{MerchantID: &m.ID, Page: poscare.Page{Limit: 1}}); err == nil && len(ks) > 0 {
		d.Contract = ks[0]
		d.FeeLines = feeLines(p.Lang, ks[0].Fees)
	}
	if apps, err := c.Store.ListApplications(ctx, a, poscare.ApplicationFilter{MerchantID: &m.ID, Page: poscare.Page{Limit: 5}}); err == nil {
		for _, x := range apps {
			if x.CompletedAt == nil {
				d.Applications = append(d.Applications, x)
			}
		}
	}
	if cs, err := c.Store.ListContacts(ctx, a, sqlstore.ContactFilter{MerchantID: &m.ID, Page: poscare.Page{Limit: 20}}); err == nil {
		for _, ct := range cs {
			d.Confirm = append(d.Confirm, confirmRow{C: ct, Link: "/confirm?" + c.Store.ConfirmLink(ct, time.Now().Add(7*24*time.Hour))})
		}
	}
	// Never empty: the chain ends at the 24-hour service centre.
	d.Contact, _ = c.Store.ServiceContact(ctx, a, m.ID)
	d.Callback, _ = c.Store.OpenCallback(ctx, a, m.ID)
	d.Overdue = d.Callback != nil && c.Store.Now().After(d.Callback.DueAt)
	// The service centre's number is always shown; with none configured
	// the page says so and points to the service contact instead.
	d.ServicePhone = strings.TrimSpace(c.Store.ServiceCentre.Phone)
	d.CallService = poscare.Say(p.Lang, "ph.service.call", "phone", d.ServicePhone)
	if d.Contact != nil && d.Contact.Mobile != "" {
		d.CallContact = poscare.Say(p.Lang, "ph.service.call", "phone", d.Contact.Mobile)
	}
	if d.Overdue {
		d.OverdueText = poscare.Say(p.Lang, "ph.callback.overdue", "due", d.Callback.DueAt.In(shanghai).Format("2006-01-02 15:04"))
	}
	if events, err := c.Store.MerchantActivity(ctx, a, m.ID, poscare.Page{Limit: 20}); err == nil {
		d.Activity = activityRows(p, events)
	}
	p.Data = d
	q.render(http.StatusOK, "portal", p)
}

// portalCallback is the merchant asking to be called back from the portal.
func (c *Console) portalCallback(q *request) {
	a := q.sess.Actor
	if a.Role != poscare.RoleMerchant || a.MerchantID == nil {
		q.redirect("/")
		return
	}
	if _, err := c.Store.RequestCallback(q.r.Context(), a, *a.MerchantID, q.r.PostForm.Get("note")); err != nil {
		q.fail(err)
		return
	}
	q.redirect("/portal#callback")
}

// confirmData is the page behind a signed link.
type confirmData struct {
	C         *poscare.Contact
	Link, Sig string
	Done      bool
}

// confirm is the page behind a signed link: opening it shows the contact's
// details and a button; only pressing it (a POST) confirms them, so a mail
// scanner that fetches the link confirms nothing. No login: the signature
// is the proof.
func (c *Console) confirm(w http.ResponseWriter, r *http.Request) {
	q := &request{w: w, r: r, c: c}
	p := q.page("", nil)
	p.Title = p.T("confirm.title")
	var link, sig string
	var ct *poscare.Contact
	var err error
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		link, sig = r.PostFormValue("c"), r.PostFormValue("s")
		ct, err = c.Store.ConfirmContact(r.Context(), link, sig, c.clientIP(r))
	} else {
		link, sig = r.URL.Query().Get("c"), r.URL.Query().Get("s")
		ct, err = c.Store.LinkedContact(r.Context(), link, sig)
	}
	if err != nil {
		// The store says why (invalid or expired, already used, contact
		// archived); anything else gets the general message.
		status, e := http.StatusBadRequest, (*poscare.Error)(nil)
		p.Error = p.T("confirm.bad")
		if code := poscare.ErrorCode(err); (code == poscare.EInvalid || code == poscare.EConflict) && errors.As(err, &e) {
			p.Error = e.Message.In(p.Lang)
			if code == poscare.EConflict {
				status = http.StatusConflict
			}
		}
		q.render(status, "error", p)
		return
	}
	p.Data = &confirmData{C: ct, Link: link, Sig: sig, Done: r.Method == http.MethodPost}
	q.render(http.StatusOK, "confirm", p)
}
