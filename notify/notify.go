// Package notify delivers the outbox: email over SMTP, SMS and WeChat
// through the provider's HTTP webhooks. A worker claims due messages from
// the database (so any instance can send and a crash loses none), sends
// each through its channel, and records the outcome; failures are retried
// with backoff and then fall back to the merchant's next channel.
package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"poscare/sqlstore"
)

// Channel sends one message. Implementations must be safe to call again
// with the same message: the idempotency key travels with it, so that a
// receiver can drop a repeat after a crash between send and record.
type Channel interface {
	Send(ctx context.Context, m *sqlstore.Message) error
}

// SMTPSecurity is how the connection to the mail server is protected.
type SMTPSecurity string

const (
	// SMTPOpportunistic upgrades with STARTTLS when the server offers it
	// and sends in the clear when it does not (the zero value does this).
	// An offered upgrade whose certificate does not verify fails: it
	// never falls back to plaintext then.
	SMTPOpportunistic SMTPSecurity = "opportunistic"
	// SMTPStartTLS requires STARTTLS: a server that does not offer it,
	// or whose certificate does not verify, gets nothing.
	SMTPStartTLS SMTPSecurity = "starttls"
	// SMTPImplicitTLS speaks TLS from the first byte (smtps, port 465).
	SMTPImplicitTLS SMTPSecurity = "implicit"
	// SMTPNone never encrypts, for a relay on the same host or network.
	SMTPNone SMTPSecurity = "none"
)

// SMTP sends email through a mail server.
type SMTP struct {
	Addr string       // host:port
	From string       // an address, optionally with a name: "POS 服务中心 <service@poscare.example>"
	TLS  SMTPSecurity // "" means SMTPOpportunistic
	// Username and Password log in with SMTP AUTH (SCRAM, PLAIN or
	// LOGIN, the strongest the server offers), only over an encrypted
	// connection: empty Username sends without logging in.
	Username, Password string
	// RootCAs are the certificate authorities a server's certificate must
	// chain to; nil means the system's.
	RootCAs *x509.CertPool
	Timeout time.Duration // for the whole conversation when ctx has no deadline; 0 means 30 s
}

// SMTPURLError says what is wrong with a mail server URL, in Chinese and
// English. It never quotes the URL, which may hold a password.
type SMTPURLError struct{ Zh, En string }

func (e *SMTPURLError) Error() string { return e.En }

// ParseSMTPURL reads a mail server URL into the channel's connection
// settings (From and RootCAs are left to the caller):
//
//	smtp://host[:port][?tls=none|opportunistic|starttls]   port 25 by default
//	smtp://user:password@host:587                          STARTTLS required
//	smtps://user:password@host[:port]                      implicit TLS, port 465 by default
//
// User and password are URL-decoded (a password with @, : or / is written
// %40, %3A, %2F). Without credentials smtp:// upgrades with STARTTLS when
// the server offers it (tls=opportunistic); with them STARTTLS is
// required, and credentials are refused with tls=none or
// tls=opportunistic: a password travels only encrypted.
func ParseSMTPURL(raw string) (SMTP, error) {
	bad := func(zh, en string) (SMTP, error) { return SMTP{}, &SMTPURLError{Zh: zh, En: en} }
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// url's error quotes the URL, and with it the password.
		return bad("无法解析（密码中的 @、: 或 / 须写成 %40、%3A、%2F）",
			"cannot be parsed (write @, : or / in the password as %40, %3A, %2F)")
	}
	var s SMTP
	port := ""
	switch u.Scheme {
	case "smtp":
		s.TLS, port = SMTPOpportunistic, "25"
	case "smtps":
		s.TLS, port = SMTPImplicitTLS, "465"
	default:
		return bad("须以 smtp:// 或 smtps:// 开头", "must begin with smtp:// or smtps://")
	}
	host := u.Hostname()
	if host == "" {
		return bad("缺少主机名", "has no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return bad("端口应为 1 到 65535 之间的整数", "port must be a whole number from 1 to 65535")
		}
		port = p
	}
	if u.Path != "" && u.Path != "/" || u.Fragment != "" || u.Opaque != "" {
		return bad("只能包含主机、端口、用户名、密码和 tls 参数", "may hold only host, port, user, password and the tls parameter")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("参数无法解析", "has a query that cannot be parsed")
	}
	for k, v := range q {
		if k != "tls" {
			return bad(fmt.Sprintf("不认识参数 %q，只有 tls", k), fmt.Sprintf("has an unknown parameter %q; only tls is allowed", k))
		}
		if len(v) != 1 {
			return bad("参数 tls 只能出现一次", "may give tls only once")
		}
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
		if s.Username == "" || s.Password == "" {
			return bad("用户名和密码须同时给出", "must give both user and password, or neither")
		}
	}
	if q.Has("tls") {
		if s.TLS == SMTPImplicitTLS {
			return bad("smtps:// 从连接起即加密，不能再设 tls 参数", "smtps:// is encrypted from the start and takes no tls parameter")
		}
		switch mode := SMTPSecurity(q.Get("tls")); mode {
		case SMTPNone, SMTPOpportunistic, SMTPStartTLS:
			s.TLS = mode
		default:
			return bad("参数 tls 应为 none、opportunistic 或 starttls", "tls must be none, opportunistic or starttls")
		}
	} else if s.Username != "" && s.TLS == SMTPOpportunistic {
		s.TLS = SMTPStartTLS
	}
	if s.Username != "" && (s.TLS == SMTPNone || s.TLS == SMTPOpportunistic) {
		return bad("带用户名和密码时须加密：请用 tls=starttls 或 smtps://，密码不以明文发送",
			"credentials need encryption: use tls=starttls or smtps://; a password is never sent in the clear")
	}
	s.Addr = net.JoinHostPort(host, port)
	return s, nil
}

// authMechanisms are the SMTP AUTH mechanisms tried, strongest first;
// PLAIN and LOGIN refuse to run over a connection that is not encrypted.
var authMechanisms = []gomail.SMTPAuthType{
	gomail.SMTPAuthSCRAMSHA256PLUS, gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1PLUS, gomail.SMTPAuthSCRAMSHA1,
	gomail.SMTPAuthPlain, gomail.SMTPAuthLogin,
}

// Send delivers one UTF-8 plain-text email. The idempotency key becomes
// the Message-ID, so that a copy resent after a crash between send and
// record is recognisably the same message. The conversation ends with ctx
// or after Timeout: a mail server that stops answering must not hold the
// worker, whose lease would then run out and the message go out twice.
func (s SMTP) Send(ctx context.Context, m *sqlstore.Message) error {
	msg, err := s.compose(m, time.Now())
	if err != nil {
		return err
	}
	host, portText, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("smtp address: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("smtp address: port %q is not a number", portText)
	}
	if _, ok := ctx.Deadline(); !ok {
		timeout := s.Timeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()
	left := time.Until(deadline)
	if left <= 0 {
		return context.DeadlineExceeded
	}
	tlsConfig := &tls.Config{ServerName: host, RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}
	policy := gomail.TLSOpportunistic
	switch s.TLS {
	case SMTPStartTLS:
		policy = gomail.TLSMandatory
	case SMTPImplicitTLS, SMTPNone:
		policy = gomail.NoTLS // implicit TLS is the dialer's, below
	}
	// The connection is this Send's own: dialled here so that cancelling
	// ctx closes it, which ends any read or write (go-mail watches ctx
	// only while dialling), and so that smtps speaks TLS from the start.
	var (
		connMu sync.Mutex
		conn   net.Conn
	)
	defer func() {
		connMu.Lock()
		if conn != nil {
			conn.Close()
		}
		connMu.Unlock()
	}()
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		if s.TLS == SMTPImplicitTLS {
			tc := tls.Client(c, tlsConfig)
			if err := tc.HandshakeContext(dctx); err != nil {
				c.Close()
				return nil, err
			}
			c = tc
		}
		connMu.Lock()
		conn = c
		connMu.Unlock()
		return c, nil
	}
	stop := context.AfterFunc(ctx, func() {
		connMu.Lock()
		if conn != nil {
			conn.Close()
		}
		connMu.Unlock()
	})
	defer stop()
	opts := []gomail.Option{
		gomail.WithPort(port), gomail.WithTimeout(left), gomail.WithTLSPolicy(policy), gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dial), gomail.WithoutNoop(), gomail.WithoutRset(),
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(authMechanisms...),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	client, err := gomail.NewClient(host, opts...)
	if err != nil {
		return err
	}
	err = client.DialAndSendWithContext(ctx, msg)
	// Once the server has accepted the message, a failed QUIT must not
	// mark it failed, or it would be sent again.
	if msg.IsDelivered() {
		return nil
	}
	if err == nil {
		return errors.New("smtp: the server did not accept the message")
	}
	return err
}

// compose builds the message: From, To, a Subject that goes as RFC 2047
// encoded words when it is not ASCII (headers stay 7-bit), Date,
// Message-ID from the dedupe key, MIME-Version, and a UTF-8 plain-text
// body in quoted-printable, so that it survives any relay: lines stay
// under the 998-octet limit however long a Chinese paragraph is, and line
// breaks become CRLF whether the text had LF or CRLF (text typed in a form).
func (s SMTP) compose(m *sqlstore.Message, now time.Time) (*gomail.Msg, error) {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return nil, fmt.Errorf("smtp from %q: %w", s.From, err)
	}
	to, err := mail.ParseAddress(m.Address)
	if err != nil {
		return nil, fmt.Errorf("smtp recipient: %w", err)
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithEncoding(gomail.EncodingQP), gomail.WithCharset(gomail.CharsetUTF8))
	msg.FromMailAddress(from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	msg.SetMessageIDWithValue(messageIDLocal(m.DedupeKey) + "@poscare")
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}

// messageIDLocal turns a dedupe key into the left part of a Message-ID,
// the same for the same key: its ASCII letters, digits and hyphens, with
// every other run (colons, Chinese text, spaces, the @ of an address in a
// fallback's key) as one dot, and a hash of the whole key so that keys
// differing only in what was replaced stay apart.
func messageIDLocal(key string) string {
	var b strings.Builder
	dot := false
	for _, r := range key {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			if dot && b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteRune(r)
			dot = false
			if b.Len() >= 80 {
				break
			}
			continue
		}
		dot = true
	}
	sum := sha256.Sum256([]byte(key))
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(hex.EncodeToString(sum[:6]))
	return b.String()
}

// Webhook posts a message as JSON to the provider's SMS or WeChat gateway.
type Webhook struct {
	URL    string
	Client *http.Client
}

// WebhookPayload is the JSON body a gateway receives.
type WebhookPayload struct {
	ID      string `json:"id"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Send posts the message; any 2xx answer is a delivery.
func (w Webhook) Send(ctx context.Context, m *sqlstore.Message) error {
	body, _ := json.Marshal(WebhookPayload{ID: m.DedupeKey, To: m.Address, Subject: m.Subject, Body: m.Body})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.DedupeKey)
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := c.Do(req)
	if err != nil {
		// The gateway's URL often carries its API key: the error, which is
		// logged and kept with the message, names the failure only.
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("gateway %s failed: %w", ue.Op, ue.Err)
		}
		return err
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("gateway answered %s", res.Status)
	}
	return nil
}

// Worker sends the outbox.
type Worker struct {
	Store    *sqlstore.Store
	Channels map[string]Channel // "email", "sms", "wechat"
	Logger   *slog.Logger
	Batch    int           // messages claimed at a time; default 100
	Senders  int           // messages of a batch sent at once; default 8
	Interval time.Duration // pause when nothing more is due; default 1 s
	// Grace is how long sends under way may take to finish once ctx ends
	// (a shutdown); their outcomes are recorded, and messages not yet
	// begun are handed back to the queue. Default 30 s.
	Grace time.Duration
	// AfterBatch, when set, hears how every batch of Run went, an empty
	// one too (the server's metrics and readiness heartbeat). It is
	// called on the worker's goroutine and must not block.
	AfterBatch func(sent, failed int, took time.Duration, err error)
	// OnClaim, when set, hears how many messages a batch claimed and
	// whether it came full (more may be due), before any is sent: the job
	// engine queues the next batch then, for another instance to send
	// while this one does.
	OnClaim func(claimed int, full bool)
}

// RunOnce sends what is due now, up to one batch, and reports how many went
// out and failed.
func (w *Worker) RunOnce(ctx context.Context) (sent, failed int, err error) {
	sent, failed, _, err = w.runBatch(ctx)
	return sent, failed, err
}

// runBatch claims one batch and sends it with Senders at once, so that a
// gateway's latency does not add up message by message: a playbook's
// thousands of notices reach the merchants in minutes. full reports
// whether the batch was full, so more may be due at once.
func (w *Worker) runBatch(ctx context.Context) (sent, failed int, full bool, err error) {
	batch, senders := w.Batch, w.Senders
	if batch <= 0 {
		batch = 100
	}
	if senders <= 0 {
		senders = 8
	}
	// Every send must end while the batch's lease holds: after it another
	// worker may claim the messages again, and one still being sent would
	// go out twice. What is left when the lease nears its end stays
	// claimed and is taken up again once the lease has run out.
	leaseEnd := time.Now().Add(w.Store.SendLeaseOf() * 9 / 10)
	ms, err := w.Store.ClaimMessages(ctx, batch)
	if err != nil {
		return 0, 0, false, err
	}
	if w.OnClaim != nil {
		w.OnClaim(len(ms), len(ms) == batch)
	}
	// A shutdown (ctx ending) lets the sends under way finish, within
	// Grace, rather than cut them off after the gateway may have taken the
	// message: one cut off would be recorded as failed and go out again.
	grace := w.Grace
	if grace <= 0 {
		grace = 30 * time.Second
	}
	sendCtx, cancel := context.WithDeadline(context.WithoutCancel(ctx), leaseEnd)
	defer cancel()
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })
	defer stopGrace()
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		next     = make(chan *sqlstore.Message)
		unbegun  []*sqlstore.Message
		stopping = func() bool { return ctx.Err() != nil || sendCtx.Err() != nil }
	)
	// Every outcome is recorded, even after another write failed or ctx
	// ended (a shutdown): a message the gateway took but not marked sent
	// would go out again after its lease. The first error is returned.
	recordCtx := context.WithoutCancel(ctx)
	record := func(m *sqlstore.Message, sendErr error) {
		mu.Lock()
		defer mu.Unlock()
		wctx, cancel := context.WithTimeout(recordCtx, 30*time.Second)
		defer cancel()
		keep := func(e error) {
			if err == nil {
				err = e
			}
		}
		// A send that outlasted its lease has lost the message to another
		// worker: its outcome is that worker's to record.
		lost := func(e error) bool {
			if errors.Is(e, sqlstore.ErrLeaseLost) && w.Logger != nil {
				w.Logger.Warn("notification outcome not recorded: the lease ran out and another worker holds it", "id", m.ID, "channel", m.Channel, "sent", sendErr == nil)
			}
			return errors.Is(e, sqlstore.ErrLeaseLost)
		}
		if sendErr == nil {
			switch e := w.Store.MessageSent(wctx, m); {
			case lost(e):
			case e != nil:
				keep(e)
			default:
				sent++
			}
			return
		}
		if w.Logger != nil {
			// The address is a merchant's contact detail, and servers quote
			// it in their replies: logged masked.
			w.Logger.Warn("notification failed", "id", m.ID, "channel", m.Channel, "to", maskAddress(m.Address),
				"attempt", m.Attempts+1, "err", strings.ReplaceAll(sendErr.Error(), m.Address, maskAddress(m.Address)))
		}
		switch e := w.Store.MessageFailed(wctx, m, sendErr); {
		case lost(e):
		case e != nil:
			keep(e)
		default:
			failed++
		}
	}
	for range min(senders, len(ms)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range next {
				if stopping() {
					// The worker stops or the lease is over: the message
					// goes back to the queue, attempt intact.
					mu.Lock()
					unbegun = append(unbegun, m)
					mu.Unlock()
					continue
				}
				ch, ok := w.Channels[m.Channel]
				var sendErr error
				if !ok || ch == nil {
					sendErr = fmt.Errorf("channel %q is not configured", m.Channel)
				} else {
					sendErr = ch.Send(sendCtx, m)
				}
				record(m, sendErr)
			}
		}()
	}
	handed := 0
hand:
	for _, m := range ms {
		mu.Lock()
		stop := err != nil
		mu.Unlock()
		if stop || stopping() {
			break
		}
		select {
		case next <- m:
			handed++
		case <-ctx.Done():
			break hand
		case <-sendCtx.Done():
			break hand
		}
	}
	close(next)
	wg.Wait()
	unbegun = append(unbegun, ms[handed:]...)
	// Handed back at once, so that the next start (or another instance)
	// need not wait for the lease to run out.
	if len(unbegun) > 0 {
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		e := w.Store.ReleaseMessages(rctx, unbegun)
		if errors.Is(e, sqlstore.ErrLeaseLost) {
			if w.Logger != nil {
				w.Logger.Warn("claimed notifications not handed back: their lease ran out and another worker holds them", "err", e)
			}
		} else if e != nil && err == nil {
			err = e
		}
		rcancel()
	}
	return sent, failed, len(ms) == batch, err
}

// RunBatch sends one batch, as RunOnce does, and reports besides whether
// it came full, so more may be due at once: the outbox delivery job.
func (w *Worker) RunBatch(ctx context.Context) (sent, failed int, full bool, err error) {
	return w.runBatch(ctx)
}

// Run sends until ctx ends: batch after batch while they come full, then
// checking every Interval.
func (w *Worker) Run(ctx context.Context) {
	interval := w.Interval
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	// A start after a crash may follow the last delivery: look once.
	delivered := 1
	for {
		start := time.Now()
		sent, failed, full, err := w.runBatch(ctx)
		if w.AfterBatch != nil {
			w.AfterBatch(sent, failed, time.Since(start), err)
		}
		if err != nil && ctx.Err() == nil && w.Logger != nil {
			w.Logger.Error("outbox", "err", err)
		}
		delivered += sent
		if full && err == nil && ctx.Err() == nil {
			continue
		}
		// The queue ran dry after deliveries: an incident whose merchants
		// have all been told gets its checklist item ticked.
		if delivered > 0 && ctx.Err() == nil {
			if _, err := w.Store.MarkIncidentsInformed(ctx); err != nil {
				if w.Logger != nil {
					w.Logger.Error("outbox: incidents informed", "err", err)
				}
			} else {
				delivered = 0
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// maskAddress keeps enough of an address to tell messages apart in a log:
// "13812345678" → "138****5678", "wang.fang@example.cn" → "wa***@example.cn".
func maskAddress(a string) string {
	r := []rune(a)
	if at := strings.LastIndexByte(a, '@'); at >= 0 {
		local := []rune(a[:at])
		return string(local[:min(2, len(local))]) + "***" + a[at:]
	}
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}
