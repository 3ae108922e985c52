package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"poscare"
	"poscare/continuity"
)

// Task is a piece of work for one staff member. Its title is stored as
// a catalog message and put into words when the task is read: Title in
// Chinese (what API clients have always read), TitleEn in English, and
// TitleIn for a reader's language.
type Task struct {
	ID         int64       `json:"id"`
	Kind       string      `json:"kind"`
	UserID     int64       `json:"user_id"`
	MerchantID *int64      `json:"merchant_id,omitempty"`
	ContactID  *int64      `json:"contact_id,omitempty"`
	Title      string      `json:"title"`
	TitleEn    string      `json:"title_en"`
	TitleMsg   poscare.Msg `json:"-"`
	Notes      string      `json:"notes,omitempty"`
	DueAt      time.Time   `json:"due_at"`
	DoneAt     *time.Time  `json:"done_at,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
}

// TitleIn is the task's title in a language ("en", else Chinese).
func (x *Task) TitleIn(lang string) string { return x.TitleMsg.In(lang) }

// Task kinds (see package continuity, where the rules about them live).
const (
	TaskCallback      = continuity.TaskCallback
	TaskFollowUp      = continuity.TaskFollowUp
	TaskVerifyContact = continuity.TaskVerifyContact
	TaskVerifySelf    = continuity.TaskVerifySelf
)

// merchantTaskKinds is continuity.OwedToMerchants as an SQL list: the
// task kinds owed to merchants (kinds are fixed words, never input).
var merchantTaskKinds = "('" + strings.Join(continuity.OwedToMerchants, "', '") + "')"

// writeDecidedTask writes a task a rule decided on, once per its key: it
// reports whether this call wrote it (another run, or another instance,
// may have already). The title is stored as its message (title_msg).
func (t *Tx) writeDecidedTask(ctx context.Context, x continuity.Task) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO tasks (dedupe_key, kind, user_id, merchant_id, contact_id, title_msg, notes, due_at, created_at)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM tasks WHERE dedupe_key = ?)
		ON CONFLICT (dedupe_key) DO NOTHING`,
		x.Key, x.Kind, x.UserID, idOrNull(x.MerchantID), idOrNull(x.ContactID), x.Title.Encode(), x.Notes, micros(x.Due), micros(t.now), x.Key)
	if err != nil {
		return false, err
	}
	k, err := res.RowsAffected()
	return k > 0, t.s.translate(err)
}

// idOrNull is an id, or NULL for 0.
func idOrNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// SweepStaleContacts gives each account manager a task for every contact of
// their merchants not verified within Policy.StaleAfter, and every staff
// member who has not checked their own contact details as long a
// reminder, once per contact (or person) per period (the rules of
// continuity's freshness). It returns how many tasks it created; the
// task's key makes two instances sweeping at once create each once.
func (s *Store) SweepStaleContacts(ctx context.Context) (int, error) {
	n := 0
	err := s.inWrite(ctx, func(t *Tx) error {
		n = 0 // afresh on every run: inWrite may retry
		p := t.s.Policy
		cutoff := micros(continuity.StaleBefore(t.now, p))
		rows, err := t.query(ctx, `SELECT c.id, c.name, m.id, m.legal_name,
				am.id, am.status = 'active', COALESCE(cv.id, 0), COALESCE(cv.status = 'active', FALSE), COALESCE(bk.id, 0), COALESCE(bk.status = 'active', FALSE)
			FROM contacts c JOIN merchants m ON m.id = c.merchant_id JOIN users am ON am.id = m.account_manager_id
			LEFT JOIN users cv ON cv.id = am.cover_id LEFT JOIN users bk ON bk.id = m.backup_manager_id
			WHERE c.archived_at IS NULL AND m.archived_at IS NULL AND COALESCE(c.last_verified_at, c.created_at) < ?`, cutoff)
		if err != nil {
			return err
		}
		var found []continuity.StaleContact
		for rows.Next() {
			var x continuity.StaleContact
			var am, cv, bk continuity.Worker
			if err := rows.Scan(&x.ContactID, &x.Contact, &x.MerchantID, &x.Merchant, &am.ID, &am.Active, &cv.ID, &cv.Active, &bk.ID, &bk.Active); err != nil {
				rows.Close()
				return t.s.translate(err)
			}
			x.Verifier = continuity.VerifierOf(am, cv, bk)
			found = append(found, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t.s.translate(err)
		}
		roles := make([]string, len(continuity.SelfCheckRoles))
		for i, r := range continuity.SelfCheckRoles {
			roles[i] = string(r)
		}
		in, args := inList(roles)
		staff, err := queryAllTx(ctx, t, "SELECT "+userCols+" FROM users WHERE role IN "+in+" AND status = 'active' AND archived_at IS NULL AND COALESCE(contact_checked_at, created_at) < ?",
			append(args, cutoff), scanUser)
		if err != nil {
			return err
		}
		for _, u := range staff {
			task := continuity.SelfCheckTask(u.ID, t.now, p)
			wrote, err := t.writeDecidedTask(ctx, task)
			if err != nil {
				return err
			}
			if wrote {
				n++
				if err := t.raise(ctx, continuity.SelfCheckNotice(task)); err != nil {
					return err
				}
			}
		}
		for _, x := range found {
			wrote, err := t.writeDecidedTask(ctx, continuity.VerifyContactTask(x, t.now, p))
			if err != nil {
				return err
			}
			if wrote {
				n++
			}
		}
		return nil
	})
	return n, err
}

func scanTask(r scanner) (*Task, error) {
	var x Task
	var merchant, contact, done sql.NullInt64
	var due, created int64
	var title string
	err := r.Scan(&x.ID, &x.Kind, &x.UserID, &merchant, &contact, &title, &x.Notes, &due, &done, &created)
	x.MerchantID, x.ContactID, x.DueAt, x.DoneAt, x.CreatedAt = int64Ptr(merchant), int64Ptr(contact), fromMicros(due), timePtr(done), fromMicros(created)
	x.TitleMsg = poscare.DecodeMsg(title)
	x.Title, x.TitleEn = x.TitleMsg.In("zh"), x.TitleMsg.In("en")
	return &x, err
}

const taskCols = "id, kind, user_id, merchant_id, contact_id, title_msg, notes, due_at, done_at, created_at"

// MyTasks lists the actor's open tasks, soonest due first.
func (s *Store) MyTasks(ctx context.Context, a poscare.Actor) ([]*Task, error) {
	if !a.Role.IsStaff() {
		return nil, poscare.Forbidden()
	}
	return queryAll(ctx, s, "SELECT "+taskCols+" FROM tasks WHERE user_id = ? AND done_at IS NULL ORDER BY due_at, id LIMIT 200", []any{a.UserID}, scanTask)
}

// CompleteTask marks one of the actor's tasks done. Completing a contact
// verification also marks the contact verified now.
func (s *Store) CompleteTask(ctx context.Context, a poscare.Actor, id int64) error {
	if !a.Role.IsStaff() {
		return poscare.Forbidden()
	}
	return s.inWrite(ctx, func(t *Tx) error {
		x, err := scanTask(t.queryRow(ctx, "SELECT "+taskCols+" FROM tasks WHERE id = ?", id))
		if err == sql.ErrNoRows || (err == nil && x.UserID != a.UserID) {
			return poscare.NotFound(poscare.EntityTask)
		}
		if err != nil {
			return t.s.translate(err)
		}
		// A task about a merchant the person can no longer see is not
		// theirs to close (nor its contact theirs to mark verified).
		if x.MerchantID != nil {
			if _, err := t.visibleMerchant(ctx, a, *x.MerchantID); err != nil {
				return poscare.NotFound(poscare.EntityTask)
			}
		}
		res, err := t.exec(ctx, "UPDATE tasks SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL", micros(t.now), a.UserID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // done already (twice clicked, or at once): on record once
		}
		if x.Kind == TaskVerifySelf {
			if _, err := t.exec(ctx, "UPDATE users SET contact_checked_at = ? WHERE id = ?", micros(t.now), a.UserID); err != nil {
				return err
			}
		}
		if x.Kind == TaskVerifyContact && x.ContactID != nil {
			if _, err := t.exec(ctx, "UPDATE contacts SET last_verified_at = ? WHERE id = ?", micros(t.now), *x.ContactID); err != nil {
				return err
			}
		}
		return t.record(ctx, a, "task_done", "task", id, nil, x)
	})
}

// ConfirmLink returns the query string of a signed link by which a merchant
// confirms that contact c's details are still right, valid until expiry
// and once: the link names the contact's last verification, which using it
// moves on, so a replay (or a link older than another confirmation) finds
// it changed. It is signed with the link key, which signs nothing else.
func (s *Store) ConfirmLink(c *poscare.Contact, expiry time.Time) string {
	msg := fmt.Sprintf("%d.%d.%d", c.ID, expiry.Unix(), verifiedStamp(c.LastVerifiedAt))
	return "c=" + msg + "&s=" + s.vault.SignLink(msg)
}

// verifiedStamp is a contact's last verification as a link carries it:
// microseconds, 0 for never.
func verifiedStamp(at *time.Time) int64 {
	if at == nil {
		return 0
	}
	return micros(*at)
}

// confirmLink is a confirmation link's checked content.
type confirmLink struct {
	contact int64
	stamp   int64 // the contact's last verification when the link was made
}

// ConfirmContact checks a signed confirmation and marks the contact
// verified (and its open verification task done). Errors: EInvalid for a
// forged or expired link, or a contact or merchant archived since;
// EConflict for a link already used (or the details confirmed since it was
// made); ENotFound.
func (s *Store) ConfirmContact(ctx context.Context, c, sig, source string) (*poscare.Contact, error) {
	l, err := s.checkConfirmLink(c, sig)
	if err != nil {
		return nil, err
	}
	var out *poscare.Contact
	err = s.inWrite(ctx, func(t *Tx) error {
		before, err := t.linkedContact(ctx, l)
		if err != nil {
			return err
		}
		// The new mark must differ from the link's even with a clock
		// that stands still, or the link would work again.
		at := micros(t.now)
		if at <= l.stamp {
			at = l.stamp + 1
		}
		// The condition settles a race of two uses: the second finds the
		// mark moved (PostgreSQL re-reads the row after the first commits).
		res, err := t.exec(ctx, "UPDATE contacts SET last_verified_at = ? WHERE id = ? AND archived_at IS NULL AND COALESCE(last_verified_at, 0) = ?", at, l.contact, l.stamp)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errLinkUsed()
		}
		if _, err := t.exec(ctx, "UPDATE tasks SET done_at = ? WHERE contact_id = ? AND kind = 'verify_contact' AND done_at IS NULL", micros(t.now), l.contact); err != nil {
			return err
		}
		if out, err = t.getContact(ctx, l.contact); err != nil {
			return err
		}
		return t.record(ctx, poscare.Actor{Login: "merchant-link", Source: source}, "confirm", poscare.EntityContact, l.contact, before, out)
	})
	return out, err
}

// LinkedContact shows the contact behind a signed link without confirming
// anything, so that opening the link (or a mail scanner fetching it) is
// not taken for the merchant's word. It refuses the links ConfirmContact
// would refuse, with the same errors.
func (s *Store) LinkedContact(ctx context.Context, c, sig string) (*poscare.Contact, error) {
	l, err := s.checkConfirmLink(c, sig)
	if err != nil {
		return nil, err
	}
	return readOne(ctx, s, func(t *Tx) (*poscare.Contact, error) { return t.linkedContact(ctx, l) })
}

// checkConfirmLink checks a confirmation link's signature under the link
// key, its form and its expiry.
func (s *Store) checkConfirmLink(c, sig string) (confirmLink, error) {
	bad := continuity.ErrLinkInvalid()
	if !s.vault.VerifyLink(c, sig) {
		return confirmLink{}, bad
	}
	parts := strings.Split(c, ".")
	if len(parts) != 3 {
		return confirmLink{}, bad
	}
	var n [3]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return confirmLink{}, bad
		}
		n[i] = v
	}
	if s.Now().Unix() > n[1] {
		return confirmLink{}, bad
	}
	return confirmLink{contact: n[0], stamp: n[2]}, nil
}

// linkedContact loads the contact behind a checked link, refusing it when
// the contact or its merchant is archived or the link has been used.
func (t *Tx) linkedContact(ctx context.Context, l confirmLink) (*poscare.Contact, error) {
	c, err := t.getContact(ctx, l.contact)
	if err != nil {
		return nil, err
	}
	var merchantArchived bool
	if err := t.queryRow(ctx, "SELECT archived_at IS NOT NULL FROM merchants WHERE id = ?", c.MerchantID).Scan(&merchantArchived); err != nil {
		return nil, t.s.translate(err)
	}
	if c.Archived != nil || merchantArchived {
		return nil, continuity.ErrLinkArchived()
	}
	if verifiedStamp(c.LastVerifiedAt) != l.stamp {
		return nil, errLinkUsed()
	}
	return c, nil
}

func errLinkUsed() error { return continuity.ErrLinkUsed() }

// ConfirmOwnContact is a staff member keeping their own contact details
// current: the details as they are now (changed or not) are saved, the
// time is kept as their last check, and their open reminder is done.
// Errors: EForbidden, EInvalid.
func (s *Store) ConfirmOwnContact(ctx context.Context, a poscare.Actor, c poscare.OwnContact) (*poscare.User, error) {
	if !a.Role.IsStaff() {
		return nil, poscare.Forbidden()
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out *poscare.User
	err := s.inWrite(ctx, func(t *Tx) error {
		before, err := t.getUser(ctx, a.UserID)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, "UPDATE users SET mobile = ?, email = ?, wechat = ?, contact_checked_at = ?, updated_at = ? WHERE id = ?",
			c.Mobile, c.Email, c.WeChat, micros(t.now), micros(t.now), a.UserID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, "UPDATE tasks SET done_at = ?, done_by = ? WHERE user_id = ? AND kind = ? AND done_at IS NULL",
			micros(t.now), a.UserID, a.UserID, TaskVerifySelf); err != nil {
			return err
		}
		if out, err = t.getUser(ctx, a.UserID); err != nil {
			return err
		}
		return t.record(ctx, a, "check_own_contact", poscare.EntityUser, a.UserID, before, out)
	})
	return out, err
}
