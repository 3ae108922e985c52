package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// Mailpit is the real SMTP server the e-mail tests send to: mailpit, which
// scripts/test builds and starts on 127.0.0.1, seen through its REST API
// (https://mailpit.axllent.org/docs/api-v1/). Every test shares the one
// server, so a test finds its own mail by a recipient or subject nobody
// else uses (NewAddress) and never counts the whole mailbox.
type Mailpit struct {
	SMTP string // host:port that accepts mail, without authentication or TLS
	API  string // base URL of the web UI and REST API, e.g. http://127.0.0.1:58026
	HTTP *http.Client
}

// MailAddress is a mailbox in a message's headers, as mailpit reports it.
type MailAddress struct {
	Name    string
	Address string
}

// MailSummary is one message in a list or search result.
type MailSummary struct {
	ID        string // mailpit's database ID, for Message
	MessageID string // the Message-ID header without angle brackets
	From      *MailAddress
	To        []MailAddress
	Subject   string // decoded
	Created   time.Time
	Snippet   string
}

// Mail is one message with its decoded text body.
type Mail struct {
	ID        string
	MessageID string
	From      *MailAddress
	To        []MailAddress
	Subject   string    // decoded
	Date      time.Time // the Date header, or the time received when there is none
	Text      string    // the text/plain body, transfer encoding and charset undone
	HTML      string
	Size      int
}

// MailpitServer returns the mailpit that scripts/test started, named by
// POSCARE_TEST_MAILPIT_SMTP and POSCARE_TEST_MAILPIT_API. Without them the
// test is skipped, except under CI=true, where it fails: the e-mail suite
// must not shrink silently.
func MailpitServer(t testing.TB) *Mailpit {
	t.Helper()
	smtpAddr, api := os.Getenv("POSCARE_TEST_MAILPIT_SMTP"), os.Getenv("POSCARE_TEST_MAILPIT_API")
	if smtpAddr == "" || api == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but POSCARE_TEST_MAILPIT_SMTP or POSCARE_TEST_MAILPIT_API is not set: run the tests through scripts/test")
		}
		t.Skip("no mailpit: POSCARE_TEST_MAILPIT_SMTP and POSCARE_TEST_MAILPIT_API are not set (scripts/test starts one)")
	}
	return &Mailpit{SMTP: smtpAddr, API: strings.TrimRight(api, "/"), HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// NewAddress returns an e-mail address no other test uses, such as
// notify-3f9c2a1b7e@mailpit.poscare.example; search for it with
// "to:" + address. It holds no underscore, which mailpit's search would
// read as a wildcard.
func (mp *Mailpit) NewAddress(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b) + "@mailpit.poscare.example"
}

// Messages lists the newest messages in the mailbox, at most limit.
func (mp *Mailpit) Messages(ctx context.Context, limit int) ([]MailSummary, error) {
	var res struct{ Messages []MailSummary }
	err := mp.get(ctx, fmt.Sprintf("/api/v1/messages?limit=%d", limit), &res)
	return res.Messages, err
}

// Search lists the messages matching a mailpit search, newest first: for
// example `to:someone@example.cn`, `subject:"服务联系人"` or
// `message-id:incident.1`. Filters are substring matches.
func (mp *Mailpit) Search(ctx context.Context, query string) ([]MailSummary, error) {
	var res struct{ Messages []MailSummary }
	err := mp.get(ctx, "/api/v1/search?limit=200&query="+url.QueryEscape(query), &res)
	return res.Messages, err
}

// Message returns one message with its body. Mailpit marks it read.
func (mp *Mailpit) Message(ctx context.Context, id string) (*Mail, error) {
	var m Mail
	if err := mp.get(ctx, "/api/v1/message/"+url.PathEscape(id), &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Headers returns a message's headers by canonical name, exactly as
// received: RFC 2047 encoded words are left encoded (Message decodes them).
func (mp *Mailpit) Headers(ctx context.Context, id string) (map[string][]string, error) {
	var h map[string][]string
	err := mp.get(ctx, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h, err
}

// Raw returns a message's source as it was received, plus the Return-Path
// line mailpit adds.
func (mp *Mailpit) Raw(ctx context.Context, id string) ([]byte, error) {
	res, err := mp.do(ctx, http.MethodGet, "/api/v1/message/"+url.PathEscape(id)+"/raw")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return io.ReadAll(res.Body)
}

// DeleteMatching deletes the messages matching a search, so a test can
// tidy up after itself. It refuses an empty query, which would empty the
// mailbox under every other test.
func (mp *Mailpit) DeleteMatching(ctx context.Context, query string) error {
	if strings.TrimSpace(query) == "" {
		return fmt.Errorf("mailpit: refusing to delete with an empty search")
	}
	res, err := mp.do(ctx, http.MethodDelete, "/api/v1/search?query="+url.QueryEscape(query))
	if err != nil {
		return err
	}
	return res.Body.Close()
}

// WaitFor polls the search until it finds at least want messages and
// returns them, newest first; it fails the test when none of that many
// arrive within 10 seconds. SMTP delivery to mailpit is synchronous, so
// the wait only guards against a slow machine.
func (mp *Mailpit) WaitFor(t testing.TB, query string, want int) []MailSummary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var found []MailSummary
	var lastErr error
	for {
		found, lastErr = mp.Search(ctx, query)
		if lastErr == nil && len(found) >= want {
			return found
		}
		select {
		case <-ctx.Done():
			t.Fatalf("mailpit: %d message(s) matching %q after 10 s, want %d (last error: %v)", len(found), query, want, lastErr)
			return nil
		case <-tick.C:
		}
	}
}

// WaitForOne waits for the message matching query, fails the test unless
// it is the only one, and returns it with its body.
func (mp *Mailpit) WaitForOne(t testing.TB, query string) *Mail {
	t.Helper()
	found := mp.WaitFor(t, query, 1)
	if len(found) != 1 {
		t.Fatalf("mailpit: %d messages match %q, want exactly 1: %+v", len(found), query, found)
	}
	m, err := mp.Message(context.Background(), found[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (mp *Mailpit) get(ctx context.Context, path string, into any) error {
	res, err := mp.do(ctx, http.MethodGet, path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(into); err != nil {
		return fmt.Errorf("mailpit: GET %s: %w", path, err)
	}
	return nil
}

// do sends a request and returns the response when it is a 200.
func (mp *Mailpit) do(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, mp.API+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := mp.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		res.Body.Close()
		return nil, fmt.Errorf("mailpit: %s %s: %s: %s", method, path, res.Status, strings.TrimSpace(string(b)))
	}
	return res, nil
}
