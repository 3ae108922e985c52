package notify_test

import (
	"bytes"
	"context"
	"mime"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/notify"
	"poscare/sqlstore"
)

// The e-mail channel against a real SMTP server, mailpit: what a mail
// client would show, read back through mailpit's API. Every test writes to
// its own recipient, so the tests share one mailpit and run in parallel.

const mailFrom = "service@poscare.example"

// msgID is a valid RFC 5322 msg-id: ASCII dot-atoms on both sides of one @.
var msgID = regexp.MustCompile(`^<[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*>$`)

func TestSMTPMailReadsRightInMailpit(t *testing.T) {
	mp := testenv.MailpitServer(t)
	sender := notify.SMTP{Addr: mp.SMTP, From: mailFrom}
	cases := []struct {
		name    string
		subject string
		body    string
		want    string // the text body mailpit decodes, when not body itself
	}{
		{name: "ChineseSubjectAndMixedBody", subject: "【通知】您的服务联系人已变更",
			body: "尊敬的成都市锦江区测试火锅店：您的客户经理已变更为李四，电话13800000001。\nDear merchant: your account manager is now Li Si.\n24小时服务热线 400-800-9000"},
		{name: "LongChineseSubjectSplitIntoEncodedWords", subject: strings.Repeat("客户经理变更通知", 12),
			body: "主题很长。The subject is long."},
		{name: "LineLongerThanSMTPAllows", subject: "长段落 long paragraph",
			body: strings.Repeat("为保证服务不中断，您的客户经理已变更。", 40) + "\nEnd."},
		{name: "WindowsLineEndingsFromAFormStayOneLineBreak", subject: "换行 line breaks",
			body: "第一行 first line\r\n第二行 second line\r\n", want: "第一行 first line\n第二行 second line\n"},
		{name: "LineStartingWithADotSurvives", subject: "句点 dot",
			body: "下一行以句点开头：\n.这一行\n.\nlast line"},
		{name: "AsciiSubjectStaysReadable", subject: "Your service contact has changed",
			body: "Plain English only."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			to := mp.NewAddress("smtp")
			m := &sqlstore.Message{ID: 1, DedupeKey: "test:" + to, Channel: "email", Address: to, Subject: c.subject, Body: c.body}
			if err := sender.Send(ctx, m); err != nil {
				t.Fatal(err)
			}
			got := mp.WaitForOne(t, "to:"+to)
			if len(got.To) != 1 || got.To[0].Address != to {
				t.Errorf("To = %+v, want %s", got.To, to)
			}
			if got.From == nil || got.From.Address != mailFrom {
				t.Errorf("From = %+v, want %s", got.From, mailFrom)
			}
			if got.Subject != c.subject {
				t.Errorf("Subject = %q, want %q", got.Subject, c.subject)
			}
			want := c.want
			if want == "" {
				want = c.body
			}
			// A text body ends with a line break on the wire; mailpit keeps it.
			if text := strings.ReplaceAll(got.Text, "\r\n", "\n"); strings.TrimSuffix(text, "\n") != strings.TrimSuffix(want, "\n") {
				t.Errorf("Text = %q,\nwant   %q", text, want)
			}

			h, err := mp.Headers(ctx, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := mp.Raw(ctx, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
			// Headers are 7-bit: a non-ASCII subject travels as RFC 2047
			// encoded words, which a mail client decodes.
			for i, b := range head {
				if b >= 0x80 {
					t.Fatalf("8-bit byte in the headers at %d: %q", i, head)
				}
			}
			if subj := strings.Join(h["Subject"], ""); subj != c.subject && !strings.HasPrefix(subj, "=?UTF-8?") {
				t.Errorf("raw Subject %q is neither the ASCII subject nor RFC 2047", subj)
			}
			for i, line := range bytes.Split(raw, []byte("\r\n")) {
				if len(line) > 998 {
					t.Errorf("line %d is %d octets, over RFC 5322's 998", i+1, len(line))
				}
				if bytes.ContainsRune(line, '\r') || bytes.ContainsRune(line, '\n') {
					t.Errorf("line %d holds a bare CR or LF: %q", i+1, line)
				}
			}
			if d, err := mail.ParseDate(strings.Join(h["Date"], "")); err != nil || time.Since(d).Abs() > time.Hour {
				t.Errorf("Date header %q: %v", h["Date"], err)
			}
			if v := strings.Join(h["Mime-Version"], ""); v != "1.0" {
				t.Errorf("MIME-Version %q, want 1.0", v)
			}
			if ct, params, err := mime.ParseMediaType(strings.Join(h["Content-Type"], "")); err != nil || ct != "text/plain" || !strings.EqualFold(params["charset"], "UTF-8") {
				t.Errorf("Content-Type %q: %v", h["Content-Type"], err)
			}
			if !msgID.MatchString(strings.Join(h["Message-Id"], "")) {
				t.Errorf("Message-ID %q", h["Message-Id"])
			}
		})
	}
}

func TestSMTPMessageIDIsValidAndStable(t *testing.T) {
	t.Parallel()
	mp := testenv.MailpitServer(t)
	sender := notify.SMTP{Addr: mp.SMTP, From: mailFrom}
	ctx := context.Background()
	to := mp.NewAddress("msgid")
	// Dedupe keys carry colons, Chinese subjects, spaces and addresses
	// (alerts and channel fallbacks do); none of that may leak into the
	// Message-ID, and a resend after a crash must carry the same one.
	m := &sqlstore.Message{ID: 1, DedupeKey: "alert:7:1763856000:【预警】批量删除 客户:" + to + ":via:email:" + to,
		Channel: "email", Address: to, Subject: "预警", Body: "重发测试"}
	for range 2 {
		if err := sender.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	found := mp.WaitFor(t, "to:"+to, 2)
	if len(found) != 2 {
		t.Fatalf("%d messages, want the message and its resend", len(found))
	}
	var ids []string
	for _, f := range found {
		h, err := mp.Headers(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		id := strings.Join(h["Message-Id"], "")
		if !msgID.MatchString(id) {
			t.Errorf("Message-ID %q is not a valid msg-id", id)
		}
		ids = append(ids, id)
	}
	if ids[0] != ids[1] {
		t.Errorf("the resend has Message-ID %s, the first %s", ids[0], ids[1])
	}
	other := *m
	other.DedupeKey = "alert:7:1763856000:【预警】批量删除 客户:" + to
	other.Address = mp.NewAddress("msgid")
	if err := sender.Send(ctx, &other); err != nil {
		t.Fatal(err)
	}
	h, err := mp.Headers(ctx, mp.WaitForOne(t, "to:"+other.Address).ID)
	if err != nil {
		t.Fatal(err)
	}
	if id := strings.Join(h["Message-Id"], ""); id == ids[0] {
		t.Errorf("two dedupe keys share the Message-ID %s", id)
	}
}

func TestSMTPGivesUpOnASilentServer(t *testing.T) {
	t.Parallel()
	// A server that accepts the connection and never greets: the worker
	// must get its goroutine back when the context ends, or one stuck mail
	// server stops every notification of this instance.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- notify.SMTP{Addr: ln.Addr().String(), From: mailFrom}.Send(ctx, &sqlstore.Message{Address: "x@example.cn", Subject: "s", Body: "b"})
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Send reported success to a server that never answered")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Send still waiting for a silent server after its context ended")
	}
}

func TestWorkerDeliversOutboxToMailpitOnce(t *testing.T) {
	mp := testenv.MailpitServer(t)
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			sys := poscare.SystemActor("t")
			w := fx.Build(t, s)
			// The merchant's owner prefers e-mail, at an address only this
			// test writes to.
			to := mp.NewAddress("worker-" + name)
			c := w.Contact
			for i := range c.Channels {
				if c.Channels[i].Kind == poscare.ChannelEmail {
					c.Channels[i].Value = to
				}
			}
			c.PreferredChannel, c.Reason = poscare.ChannelEmail, "换成测试邮箱"
			if err := s.UpdateContact(ctx, fx.Actor(w.Users[poscare.RoleOps]), c); err != nil {
				t.Fatal(err)
			}
			a := w.Users[poscare.RoleAgent]
			a.BackupID = &w.Spare.ID
			if err := s.UpdateUser(ctx, sys, a); err != nil {
				t.Fatal(err)
			}
			x, err := s.DeclareIncident(ctx, sys, a.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上"})
			if err != nil || x.Handed.Notifications != 1 {
				t.Fatalf("declare: %v %+v", err, x)
			}
			worker := &notify.Worker{Store: s, Channels: map[string]notify.Channel{"email": notify.SMTP{Addr: mp.SMTP, From: mailFrom}}}
			if sent, failed, err := worker.RunOnce(ctx); err != nil || sent != 1 || failed != 0 {
				t.Fatalf("sent %d failed %d: %v", sent, failed, err)
			}

			got := mp.WaitForOne(t, "to:"+to)
			sm, bm := poscare.HandoverMessage(w.Merchant.LegalName, w.Spare)
			subject, body := sm.Text(), bm.Text()
			if got.Subject != subject.Zh {
				t.Errorf("Subject = %q, want %q", got.Subject, subject.Zh)
			}
			if text := strings.TrimRight(got.Text, "\r\n"); text != body.Zh {
				t.Errorf("Text = %q,\nwant   %q", text, body.Zh)
			}
			if got.From == nil || got.From.Address != mailFrom || len(got.To) != 1 || got.To[0].Address != to {
				t.Errorf("From %+v To %+v", got.From, got.To)
			}
			if !strings.HasPrefix(got.MessageID, "incident.") {
				t.Errorf("Message-ID %q does not name the incident notice", got.MessageID)
			}

			ns, err := s.MerchantNotifications(ctx, sys, w.Merchant.ID)
			if err != nil || len(ns) != 1 || ns[0].Status != "sent" || ns[0].SentAt == nil || ns[0].Address != to {
				t.Fatalf("notifications %+v: %v", ns, err)
			}
			// Neither another pass nor one after the send lease would have
			// run out sends it again.
			if sent, _, err := worker.RunOnce(ctx); err != nil || sent != 0 {
				t.Fatalf("second pass sent %d: %v", sent, err)
			}
			s.Now = func() time.Time { return time.Now().Add(sqlstore.SendLease + time.Minute) }
			defer func() { s.Now = time.Now }()
			if sent, _, err := worker.RunOnce(ctx); err != nil || sent != 0 {
				t.Fatalf("pass after the lease sent %d: %v", sent, err)
			}
			if found, err := mp.Search(ctx, "to:"+to); err != nil || len(found) != 1 {
				t.Fatalf("%d messages to %s, want exactly 1: %v", len(found), to, err)
			}
		})
	}
}
