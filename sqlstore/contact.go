package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"poscare"
)

const contactCols = "c.id, c.merchant_id, c.name, c.role, c.preferred_channel, c.lang, c.last_verified_at, c.created_at, c.updated_at, c.archived_at, c.archived_by, c.archive_reason"

func scanContact(r scanner) (*poscare.Contact, error) {
	var c poscare.Contact
	var verified sql.NullInt64
	var created, updated int64
	var arch archCols
	if err := r.Scan(&c.ID, &c.MerchantID, &c.Name, &c.Role, &c.PreferredChannel, &c.Lang, &verified, &created, &updated, &arch.at, &arch.by, &arch.reason); err != nil {
		return nil, err
	}
	c.LastVerifiedAt, c.CreatedAt, c.UpdatedAt, c.Archived = timePtr(verified), fromMicros(created), fromMicros(updated), arch.archival()
	return &c, nil
}

// loadChannels fills the live and removed channels of contacts.
func (t *Tx) loadChannels(ctx context.Context, cs ...*poscare.Contact) error {
	for _, c := range cs {
		rows, err := t.query(ctx, "SELECT id, kind, value, removed_at, removed_by, removed_reason FROM contact_channels WHERE contact_id = ? ORDER BY id", c.ID)
		if err != nil {
			return err
		}
		c.Channels, c.RemovedChannels = []poscare.Channel{}, nil
		for rows.Next() {
			var ch poscare.Channel
			var removed, by sql.NullInt64
			if err := rows.Scan(&ch.ID, &ch.Kind, &ch.Value, &removed, &by, &ch.RemovedReason); err != nil {
				rows.Close()
				return t.s.translate(err)
			}
			ch.RemovedAt, ch.RemovedBy = timePtr(removed), int64Ptr(by)
			if ch.RemovedAt == nil {
				c.Channels = append(c.Channels, ch)
			} else {
				c.RemovedChannels = append(c.RemovedChannels, ch)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t.s.translate(err)
		}
	}
	return nil
}

func (t *Tx) getContact(ctx context.Context, id int64) (*poscare.Contact, error) {
	c, err := scanContact(t.queryRow(ctx, "SELECT "+contactCols+" FROM contacts c WHERE c.id = ?", id))
	if err == sql.ErrNoRows {
		return nil, poscare.NotFound(poscare.EntityContact)
	}
	if err != nil {
		return nil, t.s.translate(err)
	}
	return c, t.loadChannels(ctx, c)
}

// visibleContact loads a contact whose merchant the actor may see.
func (t *Tx) visibleContact(ctx context.Context, a poscare.Actor, id int64) (*poscare.Contact, error) {
	c, err := t.getContact(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := t.visibleMerchant(ctx, a, c.MerchantID); err != nil {
		return nil, poscare.NotFound(poscare.EntityContact)
	}
	return c, nil
}

// insertContacts writes validated contacts and their channels, and records
// each in the audit trail unless the caller records them itself.
func (t *Tx) insertContacts(ctx context.Context, a poscare.Actor, cs []*poscare.Contact, audit bool) error {
	if err := t.assignContactIDs(ctx, cs); err != nil {
		return err
	}
	if err := t.writeContacts(ctx, cs); err != nil {
		return err
	}
	for _, c := range cs {
		if !audit {
			break
		}
		if err := t.record(ctx, a, "create", poscare.EntityContact, c.ID, nil, c); err != nil {
			return err
		}
	}
	return nil
}

// assignContactIDs gives new contacts their ids and creation times, and
// numbers each one's channels 1, 2, 3 …
func (t *Tx) assignContactIDs(ctx context.Context, cs []*poscare.Contact) error {
	ids, err := t.reserveIDs(ctx, "contacts", len(cs))
	if err != nil {
		return err
	}
	for i, c := range cs {
		c.ID, c.CreatedAt, c.UpdatedAt = ids[i], t.now, t.now
		for j := range c.Channels {
			c.Channels[j].ID = int64(j + 1)
		}
	}
	return nil
}

// writeContacts writes contacts whose ids are assigned, with their channels.
func (t *Tx) writeContacts(ctx context.Context, cs []*poscare.Contact) error {
	rows := make([][]any, len(cs))
	nch := 0
	for i, c := range cs {
		rows[i] = []any{c.ID, c.MerchantID, c.Name, c.Role, c.PreferredChannel, c.Lang, nullMicros(c.LastVerifiedAt), micros(t.now), micros(t.now)}
		nch += len(c.Channels)
	}
	if err := t.insertRows(ctx, "contacts", []string{"id", "merchant_id", "name", "role", "preferred_channel", "lang", "last_verified_at",
		"created_at", "updated_at"}, rows); err != nil {
		return err
	}
	chRows := make([][]any, 0, nch)
	for _, c := range cs {
		for _, ch := range c.Channels {
			chRows = append(chRows, []any{ch.ID, c.ID, c.MerchantID, ch.Kind, ch.Value, micros(t.now)})
		}
	}
	return t.insertRows(ctx, "contact_channels", []string{"id", "contact_id", "merchant_id", "kind", "value", "created_at"}, chRows)
}

// CreateContact adds a contact to a merchant the actor may see.
// Errors: EForbidden, ENotFound, EInvalid.
func (s *Store) CreateContact(ctx context.Context, a poscare.Actor, c *poscare.Contact) error {
	if !a.Can(poscare.EntityContact, poscare.ActCreate) {
		return poscare.Forbidden()
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		m, err := t.visibleMerchant(ctx, a, c.MerchantID)
		if err != nil {
			return err
		}
		if m.Archived != nil {
			return poscare.Fail(poscare.EConflict, "record.merchant.archived")
		}
		return t.insertContacts(ctx, a, []*poscare.Contact{c}, true)
	})
}

// UpdateContact changes a contact. Channels missing from c.Channels are not
// deleted but marked removed with c.Reason, which they then require, and
// stay in RemovedChannels to be put back; a channel given again that was
// removed is restored.
// Errors: EForbidden, ENotFound, EInvalid.
func (s *Store) UpdateContact(ctx context.Context, a poscare.Actor, c *poscare.Contact) error {
	if !a.Can(poscare.EntityContact, poscare.ActUpdate) {
		return poscare.Forbidden()
	}
	return s.alertOnBlock(ctx, a, s.inWrite(ctx, func(t *Tx) error {
		before, err := t.visibleContact(ctx, a, c.ID)
		if err != nil {
			return err
		}
		c.MerchantID = before.MerchantID
		if err := c.Validate(); err != nil {
			return err
		}
		if before.Archived != nil {
			return poscare.Fail(poscare.EConflict, "record.contact.restore")
		}
		if _, err := t.exec(ctx, "UPDATE contacts SET name = ?, role = ?, preferred_channel = ?, lang = ?, last_verified_at = ?, updated_at = ? WHERE id = ?",
			c.Name, c.Role, c.PreferredChannel, c.Lang, nullMicros(c.LastVerifiedAt), micros(t.now), c.ID); err != nil {
			return err
		}
		if err := t.syncChannels(ctx, a, before, c.Channels, c.Reason); err != nil {
			return err
		}
		after, err := t.getContact(ctx, c.ID)
		if err != nil {
			return err
		}
		*c = *after
		return t.record(ctx, a, "update", poscare.EntityContact, c.ID, before, after)
	}))
}

func channelKey(ch poscare.Channel) string { return string(ch.Kind) + ":" + ch.Value }

// syncChannels makes the live channels of a contact equal want, keeping
// every removed one as history with the reason, which a removal requires.
func (t *Tx) syncChannels(ctx context.Context, a poscare.Actor, before *poscare.Contact, want []poscare.Channel, reason string) error {
	wanted := map[string]bool{}
	for _, ch := range want {
		wanted[channelKey(ch)] = true
	}
	live := map[string]bool{}
	for _, ch := range before.Channels {
		live[channelKey(ch)] = true
		if !wanted[channelKey(ch)] {
			reason = strings.TrimSpace(reason)
			if poscare.ValidateReason(reason) != nil {
				p := poscare.Problems{}
				p.Say("reason", "record.contact.removal_reason", "value", ch.Value)
				return p.Err()
			}
			if err := t.guardRemovals(ctx, a); err != nil {
				return err
			}
			if _, err := t.exec(ctx, "UPDATE contact_channels SET removed_at = ?, removed_by = ?, removed_reason = ? WHERE contact_id = ? AND id = ?", micros(t.now), a.UserID, reason, before.ID, ch.ID); err != nil {
				return err
			}
			if err := t.record(ctx, a, "remove_channel", poscare.EntityContact, before.ID, ch, map[string]string{"reason": reason}); err != nil {
				return err
			}
		}
	}
	removed := map[string]int64{}
	next := int64(0)
	for _, ch := range before.RemovedChannels {
		removed[channelKey(ch)] = ch.ID
		next = max(next, ch.ID)
	}
	for _, ch := range before.Channels {
		next = max(next, ch.ID)
	}
	for _, ch := range want {
		k := channelKey(ch)
		switch {
		case live[k]:
		case removed[k] != 0:
			if _, err := t.exec(ctx, "UPDATE contact_channels SET removed_at = NULL, removed_by = NULL, removed_reason = '' WHERE contact_id = ? AND id = ?", before.ID, removed[k]); err != nil {
				return err
			}
		default:
			next++
			if _, err := t.exec(ctx, "INSERT INTO contact_channels (id, contact_id, merchant_id, kind, value, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				next, before.ID, before.MerchantID, ch.Kind, ch.Value, micros(t.now)); err != nil {
				return err
			}
		}
	}
	return nil
}

// RestoreChannel puts back a removed phone, email or WeChat ID.
// Errors: EForbidden, ENotFound.
func (s *Store) RestoreChannel(ctx context.Context, a poscare.Actor, contactID, channelID int64) (*poscare.Contact, error) {
	if !a.Can(poscare.EntityContact, poscare.ActRestore) {
		return nil, poscare.Forbidden()
	}
	var out *poscare.Contact
	err := s.inWrite(ctx, func(t *Tx) error {
		before, err := t.visibleContact(ctx, a, contactID)
		if err != nil {
			return err
		}
		found := false
		for _, ch := range before.RemovedChannels {
			found = found || ch.ID == channelID
		}
		if !found {
			return poscare.Fail(poscare.ENotFound, "record.contact.no_removed_channel")
		}
		if _, err := t.exec(ctx, "UPDATE contact_channels SET removed_at = NULL, removed_by = NULL, removed_reason = '' WHERE contact_id = ? AND id = ?", contactID, channelID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, "UPDATE contacts SET updated_at = ? WHERE id = ?", micros(t.now), contactID); err != nil {
			return err
		}
		if out, err = t.getContact(ctx, contactID); err != nil {
			return err
		}
		return t.record(ctx, a, "restore_channel", poscare.EntityContact, contactID, before, out)
	})
	return out, err
}

// GetContact returns a contact of a merchant the actor may see.
func (s *Store) GetContact(ctx context.Context, a poscare.Actor, id int64) (*poscare.Contact, error) {
	if !a.Can(poscare.EntityContact, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	return readOne(ctx, s, func(t *Tx) (*poscare.Contact, error) { return t.visibleContact(ctx, a, id) })
}

// ContactFilter selects contacts in a list.
type ContactFilter struct {
	MerchantID *int64
	Q          string // name or channel value
	Archived   bool
	poscare.Page
}

// ListContacts lists contacts of the merchants the actor may see.
func (s *Store) ListContacts(ctx context.Context, a poscare.Actor, f ContactFilter) ([]*poscare.Contact, error) {
	if !a.Can(poscare.EntityContact, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	f.Normalize()
	w, _, ok, err := s.childList(ctx, a, "c", f.MerchantID, f.Archived)
	if err != nil || !ok {
		return []*poscare.Contact{}, err
	}
	if f.Q != "" {
		w.and("(LOWER(c.name) LIKE ? OR c.id IN (SELECT contact_id FROM contact_channels WHERE value = ? AND removed_at IS NULL))",
			"%"+strings.ToLower(likeEscape(f.Q))+"%", f.Q)
	}
	q := "SELECT " + contactCols + " FROM contacts c JOIN merchants m ON m.id = c.merchant_id" + w.String() + " ORDER BY c.id DESC LIMIT ? OFFSET ?"
	args := append(w.args, f.Limit+1, f.Offset)
	var out []*poscare.Contact
	err = s.inRead(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, q, args...)
		if err != nil {
			return err
		}
		out = []*poscare.Contact{}
		for rows.Next() {
			c, err := scanContact(rows)
			if err != nil {
				rows.Close()
				return t.s.translate(err)
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t.s.translate(err)
		}
		return t.loadChannels(ctx, out...)
	})
	return out, err
}
