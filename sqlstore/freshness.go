package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"poscare"
)

// Task is a piece of work for one staff member.
type Task struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	UserID     int64      `json:"user_id"`
	MerchantID *int64     `json:"merchant_id,omitempty"`
	ContactID  *int64     `json:"contact_id,omitempty"`
	Title      string     `json:"title"`
	Notes      string     `json:"notes,omitempty"`
	DueAt      time.Time  `json:"due_at"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Task kinds. Callbacks and follow-ups are owed to merchants: left past
// their deadline they are a silence signal. Verifications are upkeep.
const (
	TaskCallback      = "callback"       // 回电: a merchant asked to be called back
	TaskFollowUp      = "follow_up"      // 跟进: a promised follow-up with a merchant
	TaskVerifyContact = "verify_contact" // a merchant contact unverified too long
	TaskVerifySelf    = "verify_self"    // staff: confirm one's own contact details
)

// merchantTaskKinds is the SQL list of the task kinds owed to merchants.
const merchantTaskKinds = "('" + TaskCallback + "', '" + TaskFollowUp + "')"

// SweepStaleContacts gives each account manager a task for every contact of
// their merchants not verified within Policy.StaleAfter, once per contact per
// period. It returns how many tasks it created.
func (s *Store) SweepStaleContacts(ctx context.Context) (int, error) {
	n := 0
	err := s.inWrite(ctx, func(t *Tx) error {
		n = 0 // afresh on every run: inWrite may retry
		cutoff := micros(t.now.Add(-t.s.Policy.StaleAfter))
		// The task goes to whoever serves the merchant now: the account
		// manager, else their cover, else the backup (else, with nobody at
		// work, the manager still, where the lead sees it overdue).
		rows, err := t.query(ctx, `SELECT c.id, c.name, m.id, m.legal_name,
				CASE WHEN am.status = 'active' THEN am.id WHEN cv.status = 'active' THEN cv.id WHEN bk.status = 'active' THEN bk.id ELSE am.id END
			FROM contacts c JOIN merchants m ON m.id = c.merchant_id JOIN users am ON am.id = m.account_manager_id
			LEFT JOIN users cv ON cv.id = am.cover_id LEFT JOIN users bk ON bk.id = m.backup_manager_id
			WHERE c.archived_at IS NULL AND m.archived_at IS NULL AND COALESCE(c.last_verified_at, c.created_at) < ?`, cutoff)
		if err != nil {
			return err
		}
		type stale struct {
			contact, merchant, manager int64
			name, legal                string
		}
		var found []stale
		for rows.Next() {
			var x stale
			if err := rows.Scan(&x.contact, &x.name, &x.merchant, &x.legal, &x.manager); err != nil {
				rows.Close()
				return t.s.translate(err)
			}
			found = append(found, x)
		}
		rows.Close()
		period := t.now.Unix() / int64(t.s.Policy.StaleAfter.Seconds())
		// Staff are reminded to keep their own contact data current too.
		staff, err := queryAllTx(ctx, t, "SELECT "+userCols+" FROM users WHERE role IN ('agent', 'lead', 'tech', 'ops') AND status = 'active' AND archived_at IS NULL AND COALESCE(contact_checked_at, created_at) < ?",
			[]any{cutoff}, scanUser)
		if err != nil {
			return err
		}
		for _, u := range staff {
			key := fmt.Sprintf("self:%d:%d", u.ID, period)
			res, err := t.exec(ctx, `INSERT INTO tasks (dedupe_key, kind, user_id, title, due_at, created_at)
				SELECT ?, 'verify_self', ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM tasks WHERE dedupe_key = ?)
				ON CONFLICT (dedupe_key) DO NOTHING`,
				key, u.ID, "请核对并更新您本人的联系方式（手机、邮箱、微信）", micros(t.now.Add(7*24*time.Hour)), micros(t.now), key)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k > 0 {
				n++
				subject := poscare.Text{Zh: "请核对您本人的联系方式", En: "Please check your own contact details"}
				body := poscare.Text{
					Zh: "商户和同事需要随时联系到您。请登录控制台，在「我的任务」中核对手机、邮箱和微信：有变化请更新，无误请确认。",
					En: "Merchants and colleagues must always be able to reach you. Please open My tasks in the console and check your mobile, email and WeChat: update what changed, confirm what did not.",
				}
				if err := t.tellStaff(ctx, u.ID, key, poscare.Recorded(subject), poscare.Recorded(body)); err != nil {
					return err
				}
			}
		}
		for _, x := range found {
			key := fmt.Sprintf("verify:%d:%d", x.contact, period)
			res, err := t.exec(ctx, `INSERT INTO tasks (dedupe_key, kind, user_id, merchant_id, contact_id, title, due_at, created_at)
				SELECT ?, 'verify_contact', ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM tasks WHERE dedupe_key = ?)
				ON CONFLICT (dedupe_key) DO NOTHING`,
				key, x.manager, x.merchant, x.contact, "核实联系人信息："+x.legal+" · "+x.name, micros(t.now.Add(7*24*time.Hour)), micros(t.now), key)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k > 0 {
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
	err := r.Scan(&x.ID, &x.Kind, &x.UserID, &merchant, &contact, &x.Title, &x.Notes, &due, &done, &created)
	x.MerchantID, x.ContactID, x.DueAt, x.DoneAt, x.CreatedAt = int64Ptr(merchant), int64Ptr(contact), fromMicros(due), timePtr(done), fromMicros(created)
	return &x, err
}

const taskCols = "id, kind, user_id, merchant_id, contact_id, title, notes, due_at, done_at, created_at"

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
	bad := poscare.Errorf(poscare.EInvalid, "链接无效或已过期，请联系您的服务联系人", "This link is invalid or has expired; please contact your service contact.")
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
		return nil, poscare.Errorf(poscare.EInvalid, "该联系人已停用，此确认链接已失效", "This contact is no longer in use, so the confirmation link no longer works.")
	}
	if verifiedStamp(c.LastVerifiedAt) != l.stamp {
		return nil, errLinkUsed()
	}
	return c, nil
}

func errLinkUsed() error {
	return poscare.Errorf(poscare.EConflict, "此确认链接已使用过（或联系方式已在此后确认），无需再次确认",
		"This confirmation link has already been used (or the details were confirmed since); nothing more to do.")
}

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
