// Package mailin brings mail to the service desk: it parses a message
// (any charset, MIME parts, attachments, auto-replies and bounces told
// apart) into a sqlstore.InboundMail, and fetches the desk's mailbox over
// IMAP, marking each message seen only once the store has taken it, so
// that a crash between the two takes it again and the store's
// Message-ID check takes it once.
package mailin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	_ "github.com/emersion/go-message/charset" // GB18030, GBK, Big5 and the rest
	"github.com/emersion/go-message/mail"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"poscare"
	"poscare/sqlstore"
)

// MaxMessage bounds the size of one mail taken in.
const MaxMessage = 25 << 20

// Parse reads a raw RFC 5322 message.
func Parse(raw []byte) (sqlstore.InboundMail, error) {
	var m sqlstore.InboundMail
	if len(raw) > MaxMessage {
		return m, fmt.Errorf("mailin: message of %d bytes is over the %d limit", len(raw), MaxMessage)
	}
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && r == nil {
		return m, fmt.Errorf("mailin: not a mail: %w", err)
	}
	defer r.Close()
	h := r.Header
	m.Subject, _ = h.Subject()
	m.MessageID, _ = h.MessageID()
	if ids, _ := h.MsgIDList("In-Reply-To"); len(ids) > 0 {
		m.InReplyTo = ids[0]
	}
	m.References, _ = h.MsgIDList("References")
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		m.From, m.FromName = strings.ToLower(from[0].Address), from[0].Name
	}
	m.Auto = isAuto(h, m.From)
	var plain, html strings.Builder
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A part the reader cannot decode ends the body, not the mail.
			break
		}
		switch ph := p.Header.(type) {
		case *mail.InlineHeader:
			ctype, _, _ := ph.ContentType()
			b, _ := io.ReadAll(io.LimitReader(p.Body, MaxMessage))
			switch {
			case ctype == "text/plain" || ctype == "":
				plain.Write(b)
			case ctype == "text/html":
				html.Write(b)
			case strings.HasPrefix(ctype, "message/delivery-status"):
				m.Auto = true
			}
		case *mail.AttachmentHeader:
			name, _ := ph.Filename()
			ctype, _, _ := ph.ContentType()
			b, _ := io.ReadAll(io.LimitReader(p.Body, sqlstore.MaxAttachment+1))
			m.Attachments = append(m.Attachments, sqlstore.MailAttachment{Name: name, ContentType: ctype, Content: b})
		}
	}
	m.Text = strings.TrimSpace(plain.String())
	if m.Text == "" {
		m.Text = textOfHTML(html.String())
	}
	m.Text = strings.ReplaceAll(m.Text, "\r\n", "\n")
	return m, nil
}

// isAuto tells a machine's mail: RFC 3834's Auto-Submitted, the common
// auto-responder headers, a bulk precedence, a delivery report, a
// mailer-daemon sender or the null return path of a bounce.
func isAuto(h mail.Header, from string) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" || h.Get("X-Auto-Response-Suppress") == "All" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	if ctype, params, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil && ctype == "multipart/report" {
		return true
	} else if params["report-type"] == "delivery-status" {
		return true
	}
	if strings.TrimSpace(h.Get("Return-Path")) == "<>" {
		return true
	}
	local, _, _ := strings.Cut(from, "@")
	return local == "mailer-daemon" || local == "postmaster"
}

var (
	htmlBreak = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</div>|</li>|</tr>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
	htmlDrop  = regexp.MustCompile(`(?is)<(script|style|head)[^>]*>.*?</(script|style|head)>`)
	blankRuns = regexp.MustCompile(`\n{3,}`)
)

// textOfHTML is the readable text of an HTML body.
func textOfHTML(s string) string {
	s = htmlDrop.ReplaceAllString(s, "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	r := strings.NewReplacer("&nbsp;", " ", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&amp;", "&")
	return strings.TrimSpace(blankRuns.ReplaceAllString(r.Replace(s), "\n\n"))
}

// Taker takes one parsed mail in (sqlstore.Store.IntakeMail).
type Taker interface {
	IntakeMail(ctx context.Context, m sqlstore.InboundMail) (*sqlstore.IntakeResult, error)
}

// IMAP is the desk's mailbox on an IMAP server.
type IMAP struct {
	Addr     string // host:port
	User     string
	Password string
	Mailbox  string // INBOX when empty
	// Insecure connects without TLS: for a server on the same host, and
	// the tests' Dovecot on 127.0.0.1.
	Insecure bool
	Timeout  time.Duration // per connection; one minute when zero
}

// Fetch takes every unseen message of the mailbox into t and marks it
// seen, returning how many it took. A message the store refuses (other
// than as a bad mail) stays unseen, to be fetched again.
func (x IMAP) Fetch(ctx context.Context, t Taker) (int, error) {
	timeout := x.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	var c *imapclient.Client
	var err error
	if x.Insecure {
		c, err = imapclient.DialInsecure(x.Addr, nil)
	} else {
		c, err = imapclient.DialTLS(x.Addr, nil)
	}
	if err != nil {
		return 0, fmt.Errorf("mailin: connect %s: %w", x.Addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	deadline := time.AfterFunc(timeout, func() { c.Close() })
	defer deadline.Stop()
	if err := c.Login(x.User, x.Password).Wait(); err != nil {
		return 0, fmt.Errorf("mailin: log in as %s: %w", x.User, err)
	}
	box := x.Mailbox
	if box == "" {
		box = "INBOX"
	}
	if _, err := c.Select(box, nil).Wait(); err != nil {
		return 0, fmt.Errorf("mailin: select %s: %w", box, err)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("mailin: search: %w", err)
	}
	taken := 0
	body := &imap.FetchItemBodySection{Peek: true}
	for _, uid := range found.AllUIDs() {
		msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}}).Collect()
		if err != nil {
			return taken, fmt.Errorf("mailin: fetch %d: %w", uid, err)
		}
		if len(msgs) == 0 {
			continue
		}
		raw := msgs[0].FindBodySection(body)
		if m, err := Parse(raw); err == nil {
			if _, err := t.IntakeMail(ctx, m); err != nil && !isBadMail(err) {
				return taken, err
			}
		}
		// Taken, or unreadable as a mail (kept on the server, seen, for a
		// person to look at): either way not fetched again.
		if err := c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
			return taken, fmt.Errorf("mailin: mark %d seen: %w", uid, err)
		}
		taken++
	}
	return taken, c.Logout().Wait()
}

// isBadMail reports a mail the store refused for what it holds (an
// attachment too large): fetching it again would not help.
func isBadMail(err error) bool { return poscare.ErrorCode(err) == poscare.EInvalid }

// URLError says in both languages what is wrong with a mailbox URL,
// never quoting it (it may hold a password).
type URLError struct{ Zh, En string }

func (e *URLError) Error() string { return "mailin: " + e.En }

// ParseURL reads the desk's mailbox: imaps://user:password@host:993/INBOX
// (implicit TLS), or imap://user:password@127.0.0.1:143 for a server on
// the same machine only, since a password must not cross a network in
// clear. User and password are URL-encoded; the path names the mailbox.
func ParseURL(s string) (IMAP, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "imap" && u.Scheme != "imaps") || u.Host == "" {
		return IMAP{}, &URLError{"应为 imaps://用户:密码@主机:993/INBOX", "must be imaps://user:password@host:993/INBOX"}
	}
	x := IMAP{Addr: u.Host, Mailbox: strings.TrimPrefix(u.Path, "/")}
	if u.Port() == "" {
		port := "993"
		if u.Scheme == "imap" {
			port = "143"
		}
		x.Addr = net.JoinHostPort(u.Hostname(), port)
	}
	if u.User == nil || u.User.Username() == "" {
		return IMAP{}, &URLError{"缺少用户名和密码", "needs a user and a password"}
	}
	x.User = u.User.Username()
	x.Password, _ = u.User.Password()
	if u.Scheme == "imap" {
		ip := net.ParseIP(u.Hostname())
		if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return IMAP{}, &URLError{"imap:// 只能用于本机服务器，远程服务器请用 imaps://", "imap:// is for a server on this machine only; use imaps:// for another"}
		}
		x.Insecure = true
	}
	return x, nil
}

// Redacted is the mailbox as `poscare config` shows it: no password.
func (x IMAP) Redacted() string {
	scheme := "imaps://"
	if x.Insecure {
		scheme = "imap://"
	}
	return scheme + "(redacted)@" + x.Addr + "/" + x.Mailbox
}
