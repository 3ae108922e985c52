// Package notify delivers the outbox: email over SMTP, SMS and WeChat
// through the provider's HTTP webhooks. A worker claims due messages from
// the database (so any instance can send and a crash loses none), sends
// each through its channel, and records the outcome; failures are retried
// with backoff and then fall back to the merchant's next channel.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/smtp"
	"strings"
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
	Addr string // host:port
	From string
}

// Send writes one UTF-8 email with the idempotency key as Message-ID.
func (s SMTP) Send(ctx context.Context, m *sqlstore.Message) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@poscare>\r\nMIME-Version: 1.0\r\n", s.From, m.Address,
		mime.BEncoding.Encode("UTF-8", m.Subject), strings.ReplaceAll(m.DedupeKey, ":", "."))
	b.WriteString("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	b.WriteString("\r\n")
	return smtp.SendMail(s.Addr, nil, s.From, []string{m.Address}, b.Bytes())
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
	Batch    int
	Interval time.Duration
}

// RunOnce sends what is due now and reports how many went out and failed.
func (w *Worker) RunOnce(ctx context.Context) (sent, failed int, err error) {
	batch := w.Batch
	if batch <= 0 {
		batch = 100
	}
	ms, err := w.Store.ClaimMessages(ctx, batch)
	if err != nil {
		return 0, 0, err
	}
	for _, m := range ms {
		ch, ok := w.Channels[m.Channel]
		var sendErr error
		if !ok || ch == nil {
			sendErr = fmt.Errorf("channel %q is not configured", m.Channel)
		} else {
			sendErr = ch.Send(ctx, m)
		}
		if sendErr == nil {
			if err := w.Store.MessageSent(ctx, m.ID); err != nil {
				return sent, failed, err
			}
			sent++
			continue
		}
		if w.Logger != nil {
			// The address is a merchant's contact detail: logged masked.
			w.Logger.Warn("notification failed", "id", m.ID, "channel", m.Channel, "attempt", m.Attempts+1, "err", sendErr)
		}
		if err := w.Store.MessageFailed(ctx, m, sendErr); err != nil {
			return sent, failed, err
		}
		failed++
	}
	return sent, failed, nil
}

// Run sends until ctx ends, checking every Interval.
func (w *Worker) Run(ctx context.Context) {
	interval := w.Interval
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil && w.Logger != nil {
			w.Logger.Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
