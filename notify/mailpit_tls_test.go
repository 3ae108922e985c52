package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/notify"
	"poscare/sqlstore"
)

// The e-mail channel against mail servers that want what real ones want:
// a login (SMTP AUTH), STARTTLS, or TLS from the first byte (smtps). Each
// test starts its own mailpit with those settings and a throwaway
// certificate, which the channel trusts through RootCAs (as
// --smtp-ca-file gives it), never by skipping verification.

const (
	mailUser = "poscare-notify"
	// A password with every character a URL must escape, and Chinese.
	mailPassword = "p@ss:w/rd?#%密码"
)

// authFile writes a mailpit password file (htpasswd, bcrypt) for mailUser.
func authFile(t *testing.T) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(mailPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "smtp-auth")
	if err := os.WriteFile(f, []byte(mailUser+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// smtpURL is the --smtp-url of a server, with the credentials URL-encoded.
func smtpURL(scheme, addr string, user *url.Userinfo, query string) string {
	u := url.URL{Scheme: scheme, Host: addr, User: user, RawQuery: query}
	return u.String()
}

// channel reads a URL as the server does and adds the sender and the CA.
func channel(t *testing.T, raw string, opt func(*notify.SMTP)) notify.SMTP {
	t.Helper()
	s, err := notify.ParseSMTPURL(raw)
	if err != nil {
		t.Fatalf("ParseSMTPURL: %v", err)
	}
	s.From = "POS 服务中心 <" + mailFrom + ">"
	if opt != nil {
		opt(&s)
	}
	return s
}

// sendChinese sends a Chinese notice and checks that it reads right in
// mailpit: subject, body and sender's name intact.
func sendChinese(t *testing.T, mp *testenv.Mailpit, ch notify.SMTP) {
	t.Helper()
	to := mp.NewAddress("tls")
	subject := "【通知】您的服务联系人已变更为李四"
	body := "尊敬的成都市锦江区测试火锅店：您的客户经理已变更为李四，电话13800000001。"
	m := &sqlstore.Message{ID: 1, DedupeKey: "test:" + to, Channel: "email", Address: to, Subject: subject, Body: body}
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := mp.WaitForOne(t, "to:"+to)
	if got.Subject != subject {
		t.Errorf("Subject = %q, want %q", got.Subject, subject)
	}
	if text := strings.TrimRight(got.Text, "\r\n"); text != body {
		t.Errorf("Text = %q, want %q", text, body)
	}
	if got.From == nil || got.From.Name != "POS 服务中心" || got.From.Address != mailFrom {
		t.Errorf("From = %+v", got.From)
	}
}

// nothingArrives checks that a send failed and left nothing in mailpit.
func nothingArrives(t *testing.T, mp *testenv.Mailpit, ch notify.SMTP, wantErr string) {
	t.Helper()
	to := mp.NewAddress("refused")
	err := ch.Send(context.Background(), &sqlstore.Message{ID: 1, DedupeKey: "test:" + to, Channel: "email", Address: to, Subject: "不应送达", Body: "不应送达"})
	if err == nil {
		t.Fatal("Send succeeded")
	}
	if !strings.Contains(err.Error(), wantErr) {
		t.Errorf("error %q does not say %q", err, wantErr)
	}
	if strings.Contains(err.Error(), mailPassword) || strings.Contains(err.Error(), url.QueryEscape(mailPassword)) {
		t.Errorf("error shows the password: %v", err)
	}
	if found, err := mp.Search(context.Background(), "to:"+to); err != nil || len(found) != 0 {
		t.Errorf("%d messages arrived, want none: %v", len(found), err)
	}
}

func TestSMTPAuthOverRequiredSTARTTLS(t *testing.T) {
	cert, key, roots := testenv.TLSCert(t)
	mp := testenv.StartMailpit(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls", "--smtp-auth-file", authFile(t))
	good := smtpURL("smtp", mp.SMTP, url.UserPassword(mailUser, mailPassword), "")
	trust := func(s *notify.SMTP) { s.RootCAs = roots }

	t.Run("CredentialsMeanSTARTTLSRequired", func(t *testing.T) {
		if ch := channel(t, good, nil); ch.TLS != notify.SMTPStartTLS || ch.Username != mailUser || ch.Password != mailPassword || ch.Addr != mp.SMTP {
			t.Fatalf("parsed %+v", ch)
		}
	})
	t.Run("RightPasswordDelivers", func(t *testing.T) {
		sendChinese(t, mp, channel(t, good, trust))
	})
	t.Run("WrongPasswordFails", func(t *testing.T) {
		nothingArrives(t, mp, channel(t, smtpURL("smtp", mp.SMTP, url.UserPassword(mailUser, "wrong"), ""), trust), "535")
	})
	t.Run("NoLoginFails", func(t *testing.T) {
		nothingArrives(t, mp, channel(t, smtpURL("smtp", mp.SMTP, nil, "tls=starttls"), trust), "530")
	})
	t.Run("UntrustedCertificateFails", func(t *testing.T) {
		// Without the CA the certificate does not verify: the channel
		// stops, it does not carry on (nor send the password) unencrypted.
		nothingArrives(t, mp, channel(t, good, nil), "certificate")
	})
}

func TestSMTPOpportunisticUpgradesAndVerifies(t *testing.T) {
	cert, key, roots := testenv.TLSCert(t)
	// The server refuses mail before STARTTLS: a delivery proves the
	// channel upgraded.
	mp := testenv.StartMailpit(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls")
	raw := smtpURL("smtp", mp.SMTP, nil, "")
	if ch := channel(t, raw, nil); ch.TLS != notify.SMTPOpportunistic {
		t.Fatalf("smtp:// without credentials is %q, want opportunistic", ch.TLS)
	}
	sendChinese(t, mp, channel(t, raw, func(s *notify.SMTP) { s.RootCAs = roots }))
	// An offered upgrade whose certificate does not verify is not
	// silently skipped.
	nothingArrives(t, mp, channel(t, raw, nil), "certificate")
}

func TestSMTPRequiredSTARTTLSNeverFallsBackToPlaintext(t *testing.T) {
	// A server without STARTTLS that would take a login and mail in the
	// clear: the channel must not give it either.
	mp := testenv.StartMailpit(t, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	for _, raw := range []string{
		smtpURL("smtp", mp.SMTP, url.UserPassword(mailUser, mailPassword), ""),
		smtpURL("smtp", mp.SMTP, url.UserPassword(mailUser, mailPassword), "tls=starttls"),
		smtpURL("smtp", mp.SMTP, nil, "tls=starttls"),
	} {
		nothingArrives(t, mp, channel(t, raw, nil), "STARTTLS")
	}
	// Without a login and without tls=starttls, plain SMTP still works.
	sendChinese(t, mp, channel(t, smtpURL("smtp", mp.SMTP, nil, "tls=none"), nil))
	sendChinese(t, mp, channel(t, smtpURL("smtp", mp.SMTP, nil, ""), nil))
}

func TestSMTPImplicitTLS(t *testing.T) {
	cert, key, roots := testenv.TLSCert(t)
	// --smtp-require-tls makes mailpit's SMTP listener speak TLS from the
	// first byte, as port 465 does.
	mp := testenv.StartMailpit(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-tls", "--smtp-auth-file", authFile(t))
	raw := smtpURL("smtps", mp.SMTP, url.UserPassword(mailUser, mailPassword), "")
	trust := func(s *notify.SMTP) { s.RootCAs = roots }
	sendChinese(t, mp, channel(t, raw, trust))
	nothingArrives(t, mp, channel(t, smtpURL("smtps", mp.SMTP, url.UserPassword(mailUser, "wrong"), ""), trust), "535")
	nothingArrives(t, mp, channel(t, raw, nil), "certificate")
}

// TestWorkerRecordsAWrongPasswordAsAFailedAttempt: a login the server
// refuses is a failed attempt, kept with its error and retried after the
// backoff, not a message lost; once the password is right it goes out.
func TestWorkerRecordsAWrongPasswordAsAFailedAttempt(t *testing.T) {
	cert, key, roots := testenv.TLSCert(t)
	mp := testenv.StartMailpit(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls", "--smtp-auth-file", authFile(t))
	ctx := context.Background()
	s := testenv.Open(t, filepath.Join(t.TempDir(), "n.db"))
	clock := time.Now()
	s.Now = func() time.Time { return clock }
	sys := poscare.SystemActor("t")
	w := fx.Build(t, s)
	to := mp.NewAddress("worker-auth")
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
	if x, err := s.DeclareIncident(ctx, sys, a.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上"}); err != nil || x.Handed.Notifications != 1 {
		t.Fatalf("declare: %v %+v", err, x)
	}

	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	trust := func(ch *notify.SMTP) { ch.RootCAs = roots }
	wrong := channel(t, smtpURL("smtp", mp.SMTP, url.UserPassword(mailUser, "not-"+mailPassword), ""), trust)
	worker := &notify.Worker{Store: s, Logger: logger, Channels: map[string]notify.Channel{"email": wrong}}
	if sent, failed, err := worker.RunOnce(ctx); err != nil || sent != 0 || failed != 1 {
		t.Fatalf("wrong password: sent %d failed %d: %v", sent, failed, err)
	}
	ns, err := s.MerchantNotifications(ctx, sys, w.Merchant.ID)
	if err != nil || len(ns) != 1 || ns[0].Status != "queued" || ns[0].Attempts != 1 || ns[0].SentAt != nil {
		t.Fatalf("after the refused login: %+v: %v", ns, err)
	}
	if !strings.Contains(log.String(), "535") {
		t.Errorf("the log does not give the server's refusal:\n%s", log.String())
	}
	if strings.Contains(log.String(), mailPassword) {
		t.Errorf("the log shows the password:\n%s", log.String())
	}
	if found, err := mp.Search(ctx, "to:"+to); err != nil || len(found) != 0 {
		t.Fatalf("%d messages arrived with a wrong password: %v", len(found), err)
	}

	// The password fixed, the retry after its backoff delivers, once: two
	// attempts in all.
	worker.Channels["email"] = channel(t, smtpURL("smtp", mp.SMTP, url.UserPassword(mailUser, mailPassword), ""), trust)
	if sent, _, err := worker.RunOnce(ctx); err != nil || sent != 0 {
		t.Fatalf("retried before the backoff: sent %d: %v", sent, err)
	}
	clock = clock.Add(10 * time.Minute)
	if sent, failed, err := worker.RunOnce(ctx); err != nil || sent != 1 || failed != 0 {
		t.Fatalf("retry: sent %d failed %d: %v", sent, failed, err)
	}
	got := mp.WaitForOne(t, "to:"+to)
	sm, _ := poscare.HandoverMessage(w.Merchant.LegalName, w.Spare)
	subject := sm.Text()
	if got.Subject != subject.Zh {
		t.Errorf("Subject = %q, want %q", got.Subject, subject.Zh)
	}
	if ns, err := s.MerchantNotifications(ctx, sys, w.Merchant.ID); err != nil || len(ns) != 1 || ns[0].Status != "sent" || ns[0].Attempts != 2 {
		t.Fatalf("after the retry: %+v: %v", ns, err)
	}
}
