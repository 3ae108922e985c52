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
