package mailin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/text/encoding/simplifiedchinese"

	"poscare"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/mailin"
	"poscare/servicedesk"
	"poscare/sqlstore"
)

// deliver puts raw mails into a mailbox of the Dovecot, as an MTA would.
func deliver(t *testing.T, d *testenv.Dovecot, user string, mails ...string) {
	t.Helper()
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, d.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		raw := strings.ReplaceAll(m, "\n", "\r\n")
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	c.Logout().Wait()
}

func gb18030(t *testing.T, s string) string {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// TestMailThroughARealIMAPServer: a merchant's complaint mailed in GB18030
// with a photo becomes a ticket acknowledged by mail; a machine's mails
// are dropped; the merchant's answer threads by In-Reply-To though its
// subject lost the reference; a stranger quoting the reference opens
// nothing; a mail fetched twice is taken once; the desk's reply goes out
// by mail under the reference.
func TestMailThroughARealIMAPServer(t *testing.T) {
	d := testenv.StartDovecot(t)
	ctx := context.Background()
	s := testenv.Open(t, filepath.Join(t.TempDir(), "m.db"))
	w := fixture.Build(t, s)
	box := mailin.IMAP{Addr: d.Addr, User: "desk", Password: d.Password, Insecure: true}
	photo := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0xe0}, 64)

	deliver(t, d, "desk", `From: =?UTF-8?B?546L6ICB5p2/?= <Boss@Example.cn>
To: desk@poscare.example
Subject: =?GB18030?B?`+gb18030(t, "投诉：押金至今未退")+`?=
Message-ID: <complaint-1@example.cn>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=GB18030
Content-Transfer-Encoding: base64

`+gb18030(t, "业务员说三个月后退押金，已经半年了。")+`
--b1
Content-Type: image/jpeg
Content-Disposition: attachment; filename="receipt.jpg"
Content-Transfer-Encoding: base64

`+base64.StdEncoding.EncodeToString(photo)+`
--b1--
`, `From: boss@example.cn
Subject: Out of office
Auto-Submitted: auto-replied
Message-ID: <ooo-1@example.cn>

I am away.
`, `From: MAILER-DAEMON@mx.example.cn
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.example.cn>
Content-Type: multipart/report; report-type=delivery-status; boundary="r"

--r
Content-Type: text/plain

The mail could not be delivered.
--r--
`)
	n, err := box.Fetch(ctx, s)
	if err != nil || n != 3 {
		t.Fatalf("fetched %d, %v", n, err)
	}
	list, err := s.ListTickets(ctx, poscare.SystemActor("t"), sqlstore.TicketFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("tickets %d, %v", len(list), err)
	}
	v := list[0]
	if v.MerchantID != w.Merchant.ID || v.Channel != servicedesk.ChannelEmail || v.Subject != "投诉：押金至今未退" ||
		!strings.Contains(v.Body, "已经半年了") || v.ReplyAddress != "boss@example.cn" || v.ReplyLang != "zh" {
		t.Fatalf("ticket %+v", v.Ticket)
	}
	ops := fixture.Actor(w.Users[poscare.RoleOps])
	files, err := s.TicketAttachments(ctx, ops, v.ID)
	if err != nil || len(files) != 1 || files[0].Name != "receipt.jpg" || files[0].Size != int64(len(photo)) || files[0].ContentType != "image/jpeg" {
		t.Fatalf("attachments %+v %v", files, err)
	}
	ack := outboxTo(t, s, "boss@example.cn")
	if len(ack) != 1 || !strings.HasPrefix(ack[0], "["+v.Ref+"] 已收到") {
		t.Fatalf("acknowledgement %q", ack)
	}

	// The answer lost the reference in its subject; In-Reply-To names the
	// acknowledgement poscare sent. A stranger quotes the reference; the
	// first mail arrives a second time.
	deliver(t, d, "desk", `From: boss@example.cn
Subject: Re: 押金
In-Reply-To: <ticket.`+v.Ref+`.ack@poscare>
Message-ID: <answer-1@example.cn>
Content-Type: text/plain; charset=utf-8

收据照片已附上，请尽快处理。
`, `From: someone@elsewhere.example
Subject: Re: [`+v.Ref+`] 已收到
Message-ID: <stranger-1@elsewhere.example>

我也要退押金
`, `From: boss@example.cn
Subject: =?UTF-8?B?5oqV6K+J?=
Message-ID: <complaint-1@example.cn>

again
`)
	start := time.Now()
	if n, err := box.Fetch(ctx, s); err != nil || n != 3 {
		t.Fatalf("second fetch %d, %v", n, err)
	}
	t.Logf("second fetch took %s", time.Since(start))
	if n, _ := box.Fetch(ctx, s); n != 0 {
		t.Errorf("a third fetch took %d mails again", n)
	}
	got, err := s.GetTicket(ctx, ops, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	var mails int
	for _, e := range got.Events {
		if e.Kind == servicedesk.EventMerchantMsg {
			mails++
			if !strings.Contains(e.Body, "收据照片已附上") {
				t.Errorf("threaded message %q", e.Body)
			}
		}
		if strings.Contains(e.Body, "我也要退押金") {
			t.Errorf("the stranger's mail reached the ticket")
		}
	}
	if mails != 1 {
		t.Errorf("%d merchant mails on the ticket, want 1", mails)
	}
	if all, _ := s.ListTickets(ctx, ops, sqlstore.TicketFilter{}); len(all) != 1 {
		t.Errorf("%d tickets: the stranger or the duplicate opened one", len(all))
	}

	// The desk answers: by mail, under the reference.
	if _, err := s.ReplyTicket(ctx, ops, v.ID, "已为您办理退押金，三个工作日内到账。", false); err != nil {
		t.Fatal(err)
	}
	sent := outboxTo(t, s, "boss@example.cn")
	if len(sent) != 2 || !strings.HasPrefix(sent[1], "["+v.Ref+"] 回复：") {
		t.Fatalf("mails to the merchant %q", sent)
	}
}

// outboxTo lists the subjects queued to an address, oldest first.
func outboxTo(t *testing.T, s *sqlstore.Store, addr string) []string {
	t.Helper()
	ms, err := s.ClaimMessages(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		if m.Address == addr {
			out = append(out, m.Subject)
		}
	}
	if err := s.ReleaseMessages(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMailboxURL(t *testing.T) {
	x, err := mailin.ParseURL("imaps://desk%40poscare.example:p%40ss@mail.example.cn/Support")
	if err != nil || x.Addr != "mail.example.cn:993" || x.User != "desk@poscare.example" || x.Password != "p@ss" || x.Mailbox != "Support" || x.Insecure {
		t.Fatalf("%+v %v", x, err)
	}
	if strings.Contains(x.Redacted(), "p@ss") {
		t.Errorf("redacted shows the password: %s", x.Redacted())
	}
	if x, err := mailin.ParseURL("imap://desk:pw@127.0.0.1:1143"); err != nil || !x.Insecure || x.Addr != "127.0.0.1:1143" {
		t.Errorf("local plain IMAP: %+v %v", x, err)
	}
	for _, bad := range []string{"imap://desk:pw@mail.example.cn", "imaps://mail.example.cn", "pop3://a:b@c", "::"} {
		if _, err := mailin.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("the error quotes the URL: %v", err)
		}
	}
}
