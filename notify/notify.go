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
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"sync"
	"time"

	"poscare/sqlstore"
)

// Channel sends one message. Implementations must be safe to call again
// with the same message: the idempotency key travels with it, so that a
// receiver can drop a repeat after a crash between send and record.
type Channel interface {
	Send(ctx context.Context, m *sqlstore.Message) error
}

// SMTP sends email through a mail server.
type SMTP struct {
	Addr    string        // host:port
	From    string        // an address, optionally with a name: "POS 服务中心 <service@poscare.example>"
	Timeout time.Duration // for the whole conversation when ctx has no deadline; 0 means 30 s
}

// Send delivers one UTF-8 plain-text email. The idempotency key becomes
// the Message-ID, so that a copy resent after a crash between send and
// record is recognisably the same message. The conversation ends with ctx
// or after Timeout: a mail server that stops answering must not hold the
// worker, whose lease would then run out and the message go out twice.
func (s SMTP) Send(ctx context.Context, m *sqlstore.Message) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("smtp from %q: %w", s.From, err)
	}
	to, err := mail.ParseAddress(m.Address)
	if err != nil {
		return fmt.Errorf("smtp recipient: %w", err)
	}
	msg := composeMail(from, to, m, time.Now())

	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		timeout := s.Timeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		deadline = time.Now().Add(timeout)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	conn.SetDeadline(deadline)
	// Cancelling ctx closes the connection, which ends any read or write.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	// As smtp.SendMail does: encrypt when the server offers it.
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return err
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to.Address); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	// The server has accepted the message: a failed QUIT must not mark it
	// failed, or it would be sent again.
	c.Quit()
	return nil
}

// composeMail writes the message in RFC 5322 form. Headers stay 7-bit: a
// non-ASCII subject or name goes as RFC 2047 encoded words. The body is
// quoted-printable, so that it survives any relay: lines stay under the
// 998-octet limit however long a Chinese paragraph is, and line breaks
// become CRLF whether the text had LF or CRLF (text typed in a form).
func composeMail(from, to *mail.Address, m *sqlstore.Message, now time.Time) []byte {
	var b bytes.Buffer
	subject := mime.BEncoding.Encode("UTF-8", m.Subject)
	if subject != m.Subject {
		// Fold between the encoded words, so a long subject keeps its
		// lines short too.
		subject = strings.ReplaceAll(subject, "?= =?", "?=\r\n =?")
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@poscare>\r\nMIME-Version: 1.0\r\n",
		from, to, subject, now.Format(time.RFC1123Z), messageIDLocal(m.DedupeKey))
	b.WriteString("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(m.Body))
	qp.Close()
	if !strings.HasSuffix(m.Body, "\n") {
		b.WriteString("\r\n")
	}
	return b.Bytes()
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
	leaseEnd := time.Now().Add(sqlstore.SendLease * 9 / 10)
	ms, err := w.Store.ClaimMessages(ctx, batch)
	if err != nil {
		return 0, 0, false, err
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
		unbegun  []int64
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
		if sendErr == nil {
			if e := w.Store.MessageSent(wctx, m.ID); e != nil {
				keep(e)
			} else {
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
		if e := w.Store.MessageFailed(wctx, m, sendErr); e != nil {
			keep(e)
		} else {
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
					unbegun = append(unbegun, m.ID)
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
	for _, m := range ms[handed:] {
		unbegun = append(unbegun, m.ID)
	}
	// Handed back at once, so that the next start (or another instance)
	// need not wait for the lease to run out.
	if len(unbegun) > 0 {
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if e := w.Store.ReleaseMessages(rctx, unbegun); e != nil && err == nil {
			err = e
		}
		rcancel()
	}
	return sent, failed, len(ms) == batch, err
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
		sent, _, full, err := w.runBatch(ctx)
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
