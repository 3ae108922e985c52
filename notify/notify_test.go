package notify_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/notify"
	"poscare/sqlstore"
)

// mailServer is a small but real SMTP server on 127.0.0.1 that keeps
// every message it accepts.
type mailServer struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

func startMailServer(t *testing.T) *mailServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &mailServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *mailServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	say("220 test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 test")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, b.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func (s *mailServer) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

// gateway is an SMS or WeChat webhook receiver that can be told to fail.
type gateway struct {
	mu   sync.Mutex
	got  []notify.WebhookPayload
	keys map[string]int
	fail bool
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var p notify.WebhookPayload
	json.NewDecoder(r.Body).Decode(&p)
	if g.keys == nil {
		g.keys = map[string]int{}
	}
	g.keys[r.Header.Get("Idempotency-Key")]++
	g.got = append(g.got, p)
}

func TestWorkerDeliversPlaybookNotices(t *testing.T) {
	ctx := context.Background()
	s := testenv.Open(t, filepath.Join(t.TempDir(), "n.db"))
	w := fx.Build(t, s)
	mail := startMailServer(t)
	sms := &gateway{}
	smsSrv := httptest.NewServer(sms)
	defer smsSrv.Close()
	worker := &notify.Worker{Store: s, Channels: map[string]notify.Channel{
		"email": notify.SMTP{Addr: mail.ln.Addr().String(), From: "service@poscare.example"},
		"sms":   notify.Webhook{URL: smsSrv.URL},
	}}

	// Agent A, backed up by Spare, vanishes; the merchant's owner prefers
	// the phone, so the notice goes out as SMS.
	a := w.Users[poscare.RoleAgent]
	a.BackupID = &w.Spare.ID
	if err := s.UpdateUser(ctx, poscare.SystemActor("t"), a); err != nil {
		t.Fatal(err)
	}
	x, err := s.DeclareIncident(ctx, poscare.SystemActor("t"), w.Users[poscare.RoleAgent].ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上"})
	if err != nil || x.Handed.Notifications != 1 {
		t.Fatalf("declare: %v %+v", err, x)
	}
	t.Run("SentThroughPreferredChannel", func(t *testing.T) {
		sent, failed, err := worker.RunOnce(ctx)
		if err != nil || sent != 1 || failed != 0 {
			t.Fatalf("sent %d failed %d: %v", sent, failed, err)
		}
		if len(sms.got) != 1 || !strings.Contains(sms.got[0].Body, w.Spare.Name) || sms.got[0].To != w.Contact.Channels[0].Value {
			t.Fatalf("gateway got %+v", sms.got)
		}
		ns, _ := s.MerchantNotifications(ctx, poscare.SystemActor("t"), w.Merchant.ID)
		if ns[0].Status != "sent" || ns[0].SentAt == nil {
			t.Fatalf("status %+v", ns[0])
		}
		if sent, _, _ := worker.RunOnce(ctx); sent != 0 {
			t.Fatal("a sent message went out again")
		}
	})
	t.Run("FailedChannelFallsBackToEmail", func(t *testing.T) {
		sms.mu.Lock()
		sms.fail = true
		sms.mu.Unlock()
		// Agent A's replacement vanishes too: a second notice.
		y, err := s.DeclareIncident(ctx, poscare.SystemActor("t"), w.Spare.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "也联系不上了"})
		if err != nil || y.Handed.Notifications != 1 {
			t.Fatalf("second declare: %v %+v", err, y)
		}
		clock := time.Now()
		s.Now = func() time.Time { return clock }
		defer func() { s.Now = time.Now }()
		for i := 0; i < sqlstore.MaxAttempts; i++ {
			if _, failed, err := worker.RunOnce(ctx); err != nil || failed != 1 {
				t.Fatalf("attempt %d: failed %d %v", i+1, failed, err)
			}
			if i < sqlstore.MaxAttempts-1 {
				if _, failed, _ := worker.RunOnce(ctx); failed != 0 {
					t.Fatal("retried before its backoff")
				}
			}
			clock = clock.Add(10 * time.Minute)
		}
		// The last failure queued the email copy, due at once.
		if sent, _, err := worker.RunOnce(ctx); err != nil || sent != 1 {
			t.Fatalf("fallback: sent %d, %v", sent, err)
		}
		got := mail.received()
		if len(got) != 1 {
			t.Fatalf("email: %q", got)
		}
		// Long headers may be folded (RFC 5322): read them as a mail
		// client does.
		msg, err := netmail.ReadMessage(strings.NewReader(got[0]))
		if err != nil || !strings.Contains(msg.Header.Get("To"), "boss@example.cn") || !strings.HasPrefix(msg.Header.Get("Message-ID"), "<incident.") {
			t.Fatalf("email %q: %v", got[0], err)
		}
		counts, _ := s.OutboxCounts(ctx)
		if counts["failed"] != 1 || counts["sent"] != 2 || counts["queued"] != 0 {
			t.Fatalf("outbox %v", counts)
		}
	})
	t.Run("CrashAfterClaimIsRetriedNotLost", func(t *testing.T) {
		sms.mu.Lock()
		sms.fail = false
		sms.mu.Unlock()
		third := &poscare.User{Login: "third", Name: "第三位", Role: poscare.RoleAgent, TeamID: &w.Team1.ID, Mobile: "13900000033"}
		s.CreateUser(ctx, poscare.SystemActor("t"), third, fx.Password)
		s.SetUserStatus(ctx, poscare.SystemActor("t"), w.Spare.ID, poscare.StatusChange{Status: poscare.UserActive, Reason: "回来了"})
		// A worker claims the notice and dies before sending.
		if _, err := s.DeclareIncident(ctx, poscare.SystemActor("t"), w.Users[poscare.RoleLead].ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "主管离职"}); err != nil {
			t.Fatal(err)
		}
		counts, _ := s.OutboxCounts(ctx)
		claimed, err := s.ClaimMessages(ctx, 100)
		if err != nil || len(claimed) != counts["queued"] {
			t.Fatalf("claimed %d of %v: %v", len(claimed), counts, err)
		}
		if again, _ := s.ClaimMessages(ctx, 100); len(again) != 0 {
			t.Fatal("a leased message was claimed twice")
		}
		s.Now = func() time.Time { return time.Now().Add(sqlstore.SendLease + time.Second) }
		defer func() { s.Now = time.Now }()
		sent, _, err := worker.RunOnce(ctx)
		if err != nil || sent != len(claimed) {
			t.Fatalf("after the lease: sent %d of %d: %v", sent, len(claimed), err)
		}
	})
}

// refusing is a channel whose server quotes the recipient when it refuses,
// as mail servers do ("550 <x@y>: mailbox unavailable").
type refusing struct{}

func (refusing) Send(_ context.Context, m *sqlstore.Message) error {
	return fmt.Errorf("550 <%s>: recipient refused", m.Address)
}

// TestFailureLogHidesAddress: a failed send is logged, but the merchant's
// phone number or email address appears in the log only masked.
func TestFailureLogHidesAddress(t *testing.T) {
	ctx := context.Background()
	s := testenv.Open(t, filepath.Join(t.TempDir(), "n.db"))
	w := fx.Build(t, s)
	var log bytes.Buffer
	worker := &notify.Worker{Store: s, Logger: slog.New(slog.NewTextHandler(&log, nil)),
		Channels: map[string]notify.Channel{"sms": refusing{}, "email": refusing{}, "wechat": refusing{}}}
	if _, err := s.DeclareIncident(ctx, poscare.SystemActor("t"), w.Users[poscare.RoleAgent].ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上"}); err != nil {
		t.Fatal(err)
	}
	if _, failed, err := worker.RunOnce(ctx); err != nil || failed != 1 {
		t.Fatalf("failed %d: %v", failed, err)
	}
	phone := w.Contact.Channels[0].Value
	masked := phone[:3] + "****" + phone[7:]
	if !strings.Contains(log.String(), "recipient refused") || !strings.Contains(log.String(), masked) {
		t.Fatalf("log lacks the failure or the masked number %s: %s", masked, log.String())
	}
	if strings.Contains(log.String(), phone) {
		t.Fatalf("log holds the merchant's number in clear: %s", log.String())
	}
}

// stalled is a channel whose server never answers: Send returns only
// when its context ends.
type stalled struct{ deadline chan time.Time }

func (s stalled) Send(ctx context.Context, _ *sqlstore.Message) error {
	d, _ := ctx.Deadline()
	s.deadline <- d
	<-ctx.Done()
	return ctx.Err()
}

// TestSendEndsWithinTheLease: a send that hangs is cut off before the
// batch's lease runs out (after which another worker could claim the
// message and send it a second time).
func TestSendEndsWithinTheLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := testenv.Open(t, filepath.Join(t.TempDir(), "n.db"))
	s.Lease = time.Second
	w := fx.Build(t, s)
	ch := stalled{deadline: make(chan time.Time, 10)}
	worker := &notify.Worker{Store: s, Channels: map[string]notify.Channel{"sms": ch, "email": ch, "wechat": ch}}
	if _, err := s.DeclareIncident(ctx, poscare.SystemActor("t"), w.Users[poscare.RoleAgent].ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "联系不上"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, failed, err := worker.RunOnce(ctx)
	if err != nil || failed != 1 {
		t.Fatalf("failed %d: %v", failed, err)
	}
	if d := <-ch.deadline; d.IsZero() || d.After(start.Add(time.Second)) {
		t.Fatalf("send deadline %v, want before the lease ends at %v", d, start.Add(time.Second))
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("RunOnce took %v with a 1 s lease", took)
	}
}

// TestWebhookErrorHidesURL: the gateway URL may carry its key; a failed
// request's error, which is logged and stored, must not contain it.
func TestWebhookErrorHidesURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	err = notify.Webhook{URL: "http://" + addr + "/send?key=s3cr3t-key"}.Send(context.Background(), &sqlstore.Message{DedupeKey: "k", Address: "13800000000"})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "/send") {
		t.Fatalf("error %v: want a failure that shows neither the URL's path nor its key", err)
	}
}
