package console

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/internal/fixture"
	"poscare/servicedesk"
	"poscare/sqlstore"
)

// post sends a form with the page's CSRF token and returns the status,
// the redirect target and the body.
func (s *site) post(c *http.Client, page, action string, form url.Values) (int, string, string) {
	s.t.Helper()
	_, body := s.get(c, page)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		s.t.Fatalf("no form token on %s", page)
	}
	form.Set("csrf", m[1])
	res, err := c.PostForm(s.srv.URL+action, form)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

func TestServiceDeskPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	ops := fixture.Actor(s.w.Users[poscare.RoleOps])
	if err := s.s.SavePolicy(ctx, ops, &servicedesk.Policy{Name: "全部 4 小时", FirstResponse: time.Hour, Resolution: 4 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	shop, agent, other := s.browser(), s.browser(), s.browser()
	s.login(shop, "shop1")
	s.login(agent, "agenta")
	s.login(other, "agentb")

	// The merchant files in the portal; a missing subject names the field.
	status, _, body := s.post(shop, "/portal/tickets/new", "/portal/tickets/new", url.Values{"kind": {"repair"}, "subject": {""}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "标题") || !strings.Contains(body, `id="err-subject"`) {
		t.Fatalf("empty subject: %d %s", status, body)
	}
	status, loc, _ := s.post(shop, "/portal/tickets/new", "/portal/tickets/new", url.Values{"kind": {"repair"}, "subject": {"打印机不出纸"}, "body": {"换了纸还是不行"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/portal/tickets/") {
		t.Fatalf("file: %d %s", status, loc)
	}
	ticketPath := strings.Replace(strings.SplitN(loc, "?", 2)[0], "/portal", "", 1)
	if _, body := s.get(shop, "/portal/tickets"); !strings.Contains(body, "打印机不出纸") || !strings.Contains(body, "报修") {
		t.Fatalf("the merchant's list: %s", body)
	}

	// The account manager finds it in the team queue, takes it, writes a
	// note and a reply.
	if _, body := s.get(agent, "/tickets?tab=team"); !strings.Contains(body, "打印机不出纸") || !strings.Contains(body, "首次响应") {
		t.Fatalf("team queue: %s", body)
	}
	if status, _ := s.get(other, ticketPath); status != http.StatusNotFound {
		t.Errorf("another team's agent opens the ticket: %d", status)
	}
	if status, loc, _ := s.post(agent, ticketPath, ticketPath+"/assign", url.Values{"assignee": {"me"}}); status != http.StatusSeeOther {
		t.Fatalf("take: %d %s", status, loc)
	}
	s.post(agent, ticketPath, ticketPath+"/reply", url.Values{"as": {"note"}, "body": {"疑似打印头故障，先远程指导"}})
	s.post(agent, ticketPath, ticketPath+"/reply", url.Values{"as": {"reply"}, "body": {"您好，请关机后重新装纸"}})
	_, body = s.get(agent, ticketPath)
	for _, want := range []string{"疑似打印头故障", "您好，请关机后重新装纸", "已受理", s.w.Users[poscare.RoleAgent].Name, "仅内部可见"} {
		if !strings.Contains(body, want) {
			t.Errorf("the staff page lacks %q", want)
		}
	}
	// A move the workflow has not: a clear error, nothing written.
	status, _, body = s.post(agent, ticketPath, ticketPath+"/move", url.Values{"status": {"closed"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "不能从") {
		t.Errorf("acknowledged → closed: %d", status)
	}

	// The merchant sees the reply, never the note, and answers.
	_, body = s.get(shop, "/portal"+ticketPath)
	if !strings.Contains(body, "您好，请关机后重新装纸") || strings.Contains(body, "疑似打印头故障") || strings.Contains(body, s.w.Users[poscare.RoleAgent].Name) {
		t.Fatalf("the portal shows %s", body)
	}
	if status, _, _ := s.post(shop, "/portal"+ticketPath, "/portal"+ticketPath+"/reply", url.Values{"body": {"还是不出纸"}}); status != http.StatusSeeOther {
		t.Errorf("merchant reply: %d", status)
	}
	// In English the same page speaks English.
	lang := s.browser()
	s.login(lang, "agenta")
	s.post(lang, "/tickets", "/lang", url.Values{"back": {"/tickets"}})
	if _, body := s.get(lang, ticketPath); !strings.Contains(body, "repair request") || strings.Contains(body, "报修") {
		t.Errorf("English ticket page: %s", body)
	}
}

// TestTicketFilesAreDownloads: a mailed file reaches staff and the
// merchant as a download (an image inline), never as a page of poscare,
// and nobody outside the ticket's scope fetches it.
func TestTicketFilesAreDownloads(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	if _, err := s.s.IntakeMail(ctx, sqlstoreMail("boss@example.cn", "发票问题", "<html><script>alert(1)</script></html>")); err != nil {
		t.Fatal(err)
	}
	list, err := s.s.ListTickets(ctx, poscare.SystemActor("t"), sqlstore.TicketFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("%d tickets, %v", len(list), err)
	}
	files, err := s.s.TicketAttachments(ctx, poscare.SystemActor("t"), list[0].ID)
	if err != nil || len(files) != 1 {
		t.Fatalf("files %v %v", files, err)
	}
	path := "/tickets/" + itoa(list[0].ID) + "/files/" + itoa(files[0].ID)
	agent, shop, other := s.browser(), s.browser(), s.browser()
	s.login(agent, "agenta")
	s.login(shop, "shop1")
	s.login(other, "agentb")
	res, err := agent.Get(s.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("staff download: %d %v", res.StatusCode, res.Header)
	}
	if status, _ := s.get(shop, "/portal"+path); status != http.StatusOK {
		t.Errorf("the merchant's download: %d", status)
	}
	if status, _ := s.get(other, path); status != http.StatusNotFound {
		t.Errorf("another team's agent: %d", status)
	}
	if _, body := s.get(agent, "/tickets/"+itoa(list[0].ID)); !strings.Contains(body, "page.html") || !strings.Contains(body, "千字节") {
		t.Errorf("the ticket page does not list the file")
	}
}

func sqlstoreMail(from, subject, html string) sqlstore.InboundMail {
	return sqlstore.InboundMail{MessageID: "m1@example.cn", From: from, Subject: subject, Text: "见附件",
		Attachments: []sqlstore.MailAttachment{{Name: "page.html", ContentType: "text/html", Content: []byte(html)}}}
}

func TestInvestigationInTheConsole(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	agentA := fixture.Actor(s.w.Users[poscare.RoleAgent])
	v, err := s.s.OpenTicket(ctx, agentA, &servicedesk.Ticket{Kind: servicedesk.KindComplaint, Channel: servicedesk.ChannelPhone, MerchantID: s.w.Merchant.ID, Subject: "押金未退"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/tickets/" + itoa(v.ID)
	agent, ops := s.browser(), s.browser()
	s.login(agent, "agenta")
	s.login(ops, "ops")
	status, _, body := s.post(agent, path, path+"/investigation", url.Values{"compensation": {"四百"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "补偿金额") {
		t.Errorf("a bad amount: %d", status)
	}
	if status, _, _ := s.post(agent, path, path+"/investigation", url.Values{"findings": {"业务员私收押金"}, "cause": {"staff_error"}, "result": {"公司退还"}, "compensation": {"499.00"}}); status != http.StatusSeeOther {
		t.Fatalf("save: %d", status)
	}
	if _, body := s.get(agent, path); !strings.Contains(body, "499.00") || !strings.Contains(body, "待主管或运营中心批准") || strings.Contains(body, `id="inv-approve"`) {
		t.Errorf("the agent's page after saving")
	}
	status, _, body = s.post(agent, path, path+"/move", url.Values{"status": {"resolved"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "批准") {
		t.Errorf("resolving unapproved: %d", status)
	}
	if status, _, _ := s.post(ops, path, path+"/approve", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("approve: %d", status)
	}
	if status, _, _ := s.post(agent, path, path+"/move", url.Values{"status": {"resolved"}}); status != http.StatusSeeOther {
		t.Errorf("resolving approved: %d", status)
	}
}

func TestRatingFromALinkAndThePortal(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	shopA := fixture.Actor(s.w.Users[poscare.RoleMerchant])
	v, err := s.s.OpenTicket(ctx, shopA, &servicedesk.Ticket{Kind: servicedesk.KindInquiry, Subject: "费率咨询"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.s.MoveTicket(ctx, fixture.Actor(s.w.Users[poscare.RoleAgent]), v.ID, servicedesk.StatusResolved, ""); err != nil {
		t.Fatal(err)
	}
	shop := s.browser()
	s.login(shop, "shop1")
	path := "/portal/tickets/" + itoa(v.ID)
	if _, body := s.get(shop, path); !strings.Contains(body, `id="survey-form"`) || !strings.Contains(body, "服务态度") {
		t.Fatalf("no rating form on the portal")
	}
	if status, _, body := s.post(shop, path, path+"/rate", url.Values{"resolution_score": {"9"}}); status != http.StatusUnprocessableEntity || !strings.Contains(body, "1 到 5") {
		t.Errorf("a bad rating: %d", status)
	}
	// A reopened and resolved-again ticket is rated again, by link.
	if err := s.s.AnswerSurvey(ctx, shopA, v.ID, servicedesk.Survey{Resolution: 4, Speed: 4, Attitude: 4}, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.s.ReplyTicket(ctx, shopA, v.ID, "还有一个问题", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.s.MoveTicket(ctx, fixture.Actor(s.w.Users[poscare.RoleAgent]), v.ID, servicedesk.StatusResolved, ""); err != nil {
		t.Fatal(err)
	}
	link := "/survey?" + s.s.SurveyLink(v.ID, 2, time.Now().Add(time.Hour))
	anon := s.browser()
	status, body := s.get(anon, link)
	if status != http.StatusOK || !strings.Contains(body, "费率咨询") || !strings.Contains(body, `name="r"`) {
		t.Fatalf("the link's page: %d", status)
	}
	q, _ := url.ParseQuery(strings.TrimPrefix(link, "/survey?"))
	form := url.Values{"r": {q.Get("r")}, "s": {q.Get("s")}, "resolution_score": {"5"}, "speed_score": {"5"}, "attitude_score": {"4"}}
	res, err := anon.PostForm(s.srv.URL+"/survey", form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "感谢") {
		t.Errorf("rating by link: %d", res.StatusCode)
	}
	res, _ = anon.PostForm(s.srv.URL+"/survey", form)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("the link used twice: %d", res.StatusCode)
	}
}
