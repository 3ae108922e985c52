package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"poscare"
	"poscare/servicedesk"
)

// InboundMail is a mail to the service desk, as a mail adapter parsed it
// (package mailin): from a mailbox fetched over IMAP, or the desk's own
// SMTP listener.
type InboundMail struct {
	MessageID  string
	InReplyTo  string
	References []string
	From       string // the sender's address, lower case
	FromName   string
	Subject    string
	Text       string // the plain text, or the HTML's text
	// Auto says the mail was written by a machine: an auto-reply, an
	// out-of-office notice, a bounce. It is logged, never a ticket.
	Auto        bool
	Attachments []MailAttachment
}

// MailAttachment is a file that came with a mail.
type MailAttachment struct {
	Name        string
	ContentType string
	Content     []byte
}

// Limits on what a mail brings.
const (
	MaxAttachment      = 10 << 20
	MaxMailAttachments = 20
)

// Outcomes of a mail taken in.
const (
	MailTicket    = "ticket"    // a new ticket
	MailReply     = "reply"     // the merchant writing on their ticket
	MailDuplicate = "duplicate" // a mail taken in before (same Message-ID)
	MailIgnored   = "ignored"   // an auto-reply or a bounce
	MailUnmatched = "unmatched" // from an address no merchant has
)

// IntakeResult is what became of a mail.
type IntakeResult struct {
	Outcome  string `json:"outcome"`
	TicketID int64  `json:"ticket_id,omitempty"`
	Ref      string `json:"ref,omitempty"`
}

// refInSubject finds a ticket's reference in a subject: "[T-000123] Re: …".
var refInSubject = regexp.MustCompile(`\bT-(\d{6,12})\b`)

// ownMessageID is the Message-ID of a mail poscare sent about a ticket
// (notify derives it from the outbox's dedupe key "ticket:T-…:…").
var ownMessageID = regexp.MustCompile(`^<?ticket\.T-(\d{6,12})\.[^@>]*@poscare>?$`)

// IntakeMail takes a mail in: a reply threads into its ticket by the
// reference in its subject, or by In-Reply-To or References naming a mail
// of the ticket (poscare's own replies, or the merchant's earlier mails),
// when it comes from the ticket's merchant; any other mail from an
// address a merchant's contact (or the merchant's own user) has becomes a
// new ticket of that merchant, acknowledged by mail. Auto-replies and
// bounces are logged and dropped, so are mails taken in before (by
// Message-ID), and a mail from an unknown address is logged for the desk.
// Attachments are kept with the step they came with.
// Errors: EInvalid (an attachment too large), EInternal.
func (s *Store) IntakeMail(ctx context.Context, m InboundMail) (*IntakeResult, error) {
	m.From = strings.ToLower(strings.TrimSpace(m.From))
	if len(m.Attachments) > MaxMailAttachments {
		m.Attachments = m.Attachments[:MaxMailAttachments]
	}
	for _, att := range m.Attachments {
		if len(att.Content) > MaxAttachment {
			p := poscare.Problems{}
			p.Say("attachments", "sd.invalid.attachment", "max", MaxAttachment>>20)
			return nil, p.Err()
		}
	}
	system := poscare.SystemActor("mail")
	out := &IntakeResult{}
	err := s.inWrite(ctx, func(t *Tx) error {
		*out = IntakeResult{}
		log := func(outcome string, ticket int64) error {
			out.Outcome, out.TicketID = outcome, ticket
			if ticket != 0 {
				out.Ref = servicedesk.RefOf(ticket)
			}
			_, err := t.exec(ctx, "INSERT INTO inbound_mail (message_id, from_address, subject, outcome, ticket_id, received_at) VALUES (?, ?, ?, ?, ?, ?)",
				m.MessageID, m.From, clip(m.Subject, 500), outcome, nullUser(ticket), micros(t.now))
			return err
		}
		if m.MessageID != "" {
			var ticket int64
			err := t.queryRow(ctx, "SELECT ticket_id FROM ticket_events WHERE message_id = ? ORDER BY id LIMIT 1", m.MessageID).Scan(&ticket)
			if err == nil {
				return log(MailDuplicate, ticket)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if m.Auto {
			return log(MailIgnored, 0)
		}
		merchants, err := t.merchantsOfAddress(ctx, m.From)
		if err != nil {
			return err
		}
		body := clip(strings.TrimSpace(m.Text), servicedesk.MaxBody)
		if id, err := t.threadOf(ctx, m); err != nil {
			return err
		} else if id != 0 {
			v, err := scanTicket(t.queryRow(ctx, "SELECT "+ticketCols+" FROM tickets k WHERE k.id = ?", id))
			if err != nil {
				return t.s.translate(err)
			}
			// Only the ticket's merchant (or the address it replies to) may
			// write on it: a reference quoted by anybody else opens
			// nothing of theirs.
			if v.ReplyAddress == m.From || slices.Contains(merchants, v.MerchantID) {
				if body == "" {
					body = "—"
				}
				event, err := t.addMessage(ctx, system, v, servicedesk.EventMerchantMsg, servicedesk.ChannelEmail, true, body, poscare.M("sd.event.mail"), m.MessageID)
				if err != nil {
					return err
				}
				if err := t.keepAttachments(ctx, id, event, m.Attachments); err != nil {
					return err
				}
				if _, err := t.settleTicket(ctx, id); err != nil {
					return err
				}
				if err := t.record(ctx, system, "ticket_mail", servicedesk.EntityTicket, id, nil, map[string]any{"sender": m.From, "attachments": len(m.Attachments)}); err != nil {
					return err
				}
				return log(MailReply, id)
			}
		}
		if len(merchants) != 1 {
			// No merchant, or several sharing the address: the desk decides.
			return log(MailUnmatched, 0)
		}
		merchant, err := t.getMerchant(ctx, merchants[0])
		if err != nil {
			return err
		}
		subject := clip(strings.TrimSpace(m.Subject), servicedesk.MaxSubject)
		if subject == "" {
			subject = clip(firstLine(body), servicedesk.MaxSubject)
		}
		if subject == "" {
			subject = "—"
		}
		x := servicedesk.Ticket{Kind: servicedesk.KindOther, Channel: servicedesk.ChannelEmail, Subject: subject, Body: body, MerchantID: merchant.ID,
			ReplyChannel: servicedesk.ChannelEmail, ReplyAddress: m.From, ReplyLang: langOfText(m.Subject + m.Text)}
		if err := x.Validate(); err != nil {
			return err
		}
		v, event, err := t.openTicket(ctx, system, x, merchant, m.MessageID)
		if err != nil {
			return err
		}
		if err := t.keepAttachments(ctx, v.ID, event, m.Attachments); err != nil {
			return err
		}
		// The 24-hour centre's acknowledgement, with the reference to
		// quote; it is the desk's first answer only when a person writes.
		ack := poscare.M("sd.mail.ack.subject", "ref", v.Ref, "subject", v.Subject)
		if err := t.mailMerchant(ctx, v, "ticket:"+v.Ref+":ack", ack, poscare.M("sd.mail.ack.body", "ref", v.Ref)); err != nil {
			return err
		}
		return log(MailTicket, v.ID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// threadOf is the ticket a mail answers: by the reference in its subject,
// by poscare's own Message-ID it replies to, or by an earlier mail of the
// ticket it names; 0 for none.
func (t *Tx) threadOf(ctx context.Context, m InboundMail) (int64, error) {
	if sm := refInSubject.FindStringSubmatch(m.Subject); sm != nil {
		if id, err := strconv.ParseInt(sm[1], 10, 64); err == nil {
			if ok, err := t.ticketExists(ctx, id); err != nil || ok {
				return id, err
			}
		}
	}
	ids := append([]string{m.InReplyTo}, m.References...)
	var earlier []any
	for _, ref := range ids {
		ref = strings.TrimSpace(ref)
		if ref == "" {
			continue
		}
		if sm := ownMessageID.FindStringSubmatch(ref); sm != nil {
			if id, err := strconv.ParseInt(sm[1], 10, 64); err == nil {
				if ok, err := t.ticketExists(ctx, id); err != nil || ok {
					return id, err
				}
			}
		}
		earlier = append(earlier, ref)
	}
	if len(earlier) == 0 {
		return 0, nil
	}
	in := "(?" + strings.Repeat(", ?", len(earlier)-1) + ")"
	var id int64
	err := t.queryRow(ctx, "SELECT ticket_id FROM ticket_events WHERE message_id IN "+in+" ORDER BY id DESC LIMIT 1", earlier...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func (t *Tx) ticketExists(ctx context.Context, id int64) (bool, error) {
	var n int
	if err := t.queryRow(ctx, "SELECT COUNT(*) FROM tickets WHERE id = ?", id).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// merchantsOfAddress are the merchants whose live contacts, or whose own
// users, have the address.
func (t *Tx) merchantsOfAddress(ctx context.Context, addr string) ([]int64, error) {
	if addr == "" {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT DISTINCT c.merchant_id FROM contact_channels ch JOIN contacts c ON c.id = ch.contact_id
		WHERE ch.kind = 'email' AND lower(ch.value) = ? AND ch.removed_at IS NULL AND c.archived_at IS NULL
		UNION SELECT merchant_id FROM users WHERE role = 'merchant' AND lower(email) = ? AND archived_at IS NULL AND merchant_id IS NOT NULL`, addr, addr)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}

// keepAttachments stores a mail's files with the step they came with.
func (t *Tx) keepAttachments(ctx context.Context, ticket, event int64, atts []MailAttachment) error {
	for _, a := range atts {
		sum := sha256.Sum256(a.Content)
		name := clip(strings.TrimSpace(a.Name), 200)
		if name == "" {
			name = "attachment"
		}
		ctype := clip(a.ContentType, 100)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		if _, err := t.exec(ctx, "INSERT INTO ticket_attachments (ticket_id, event_id, name, content_type, size, sha256, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			ticket, event, name, ctype, len(a.Content), hex.EncodeToString(sum[:]), a.Content, micros(t.now)); err != nil {
			return err
		}
	}
	return nil
}

// Attachment is a file kept with a ticket, without its content.
type Attachment struct {
	ID          int64  `json:"id"`
	EventID     int64  `json:"event_id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// TicketAttachments lists a ticket's files (those of internal steps left
// out for the merchant's users). Errors: EForbidden, ENotFound.
func (s *Store) TicketAttachments(ctx context.Context, a poscare.Actor, ticket int64) ([]*Attachment, error) {
	if !a.Can(servicedesk.EntityTicket, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	var out []*Attachment
	err := s.inRead(ctx, func(t *Tx) error {
		if _, _, err := t.visibleTicket(ctx, a, ticket); err != nil {
			return err
		}
		q := "SELECT f.id, f.event_id, f.name, f.content_type, f.size, f.sha256 FROM ticket_attachments f JOIN ticket_events e ON e.id = f.event_id WHERE f.ticket_id = ?"
		args := []any{ticket}
		if a.Role == poscare.RoleMerchant {
			q += " AND e.public = ?"
			args = append(args, true)
		}
		var err error
		out, err = queryAllTx(ctx, t, q+" ORDER BY f.id", args, func(r scanner) (*Attachment, error) {
			var x Attachment
			return &x, r.Scan(&x.ID, &x.EventID, &x.Name, &x.ContentType, &x.Size, &x.SHA256)
		})
		return err
	})
	return out, err
}

// clip shortens s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

// langOfText is "zh" for a text with Han characters, else "en": the
// language a mailed ticket's answers are written in.
func langOfText(s string) string {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return "zh"
		}
	}
	return "en"
}

// TicketFile reads one file of a ticket the actor may see (a merchant's
// users only those of public steps). Errors: EForbidden, ENotFound.
func (s *Store) TicketFile(ctx context.Context, a poscare.Actor, ticket, file int64) (*Attachment, []byte, error) {
	if !a.Can(servicedesk.EntityTicket, poscare.ActRead) {
		return nil, nil, poscare.Forbidden()
	}
	var x Attachment
	var content []byte
	err := s.inRead(ctx, func(t *Tx) error {
		if _, _, err := t.visibleTicket(ctx, a, ticket); err != nil {
			return err
		}
		var public bool
		err := t.queryRow(ctx, `SELECT f.id, f.event_id, f.name, f.content_type, f.size, f.sha256, f.content, e.public FROM ticket_attachments f
			JOIN ticket_events e ON e.id = f.event_id WHERE f.id = ? AND f.ticket_id = ?`, file, ticket).
			Scan(&x.ID, &x.EventID, &x.Name, &x.ContentType, &x.Size, &x.SHA256, &content, &public)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && a.Role == poscare.RoleMerchant && !public) {
			return poscare.NotFound(servicedesk.EntityTicket)
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return &x, content, nil
}
