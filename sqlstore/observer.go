package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// Observer hears what the store does that operators count: playbook runs
// and failed password checks. Its methods are called on the caller's
// goroutine, after the work, and must not block. The server sets the
// metrics (package observe) as the store's observer; nil hears nothing.
type Observer interface {
	// PlaybookRun reports one run of the emergency playbook: declared by
	// a caller, or resumed after an interruption; err is what the run
	// returned (nil: the incident is open).
	PlaybookRun(resumed bool, took time.Duration, err error)
	// LoginFailed reports one failed password check with one of the
	// Login* reasons; never the login name or the password.
	LoginFailed(reason string)
}

// Reasons a password check fails, as an Observer hears them.
const (
	LoginWrongPassword = "wrong_password" // an existing login, a wrong password (also a wrong current password)
	LoginUnknown       = "unknown_login"  // no such login
	LoginInactive      = "inactive"       // the right password of a locked-out or archived account
	LoginThrottled     = "throttled"      // refused by the throttle before any check
	LoginBusy          = "busy"           // the password checks were all taken; not checked
)

// loginReasons maps the reasons of the audit trail (loginFailed) to an
// Observer's.
var loginReasons = map[string]string{
	"wrong password":         LoginWrongPassword,
	"wrong current password": LoginWrongPassword,
	"unknown login":          LoginUnknown,
	"account not active":     LoginInactive,
	"not checked: busy":      LoginBusy,
}

func (s *Store) observeLogin(reason string) {
	if s.Observer == nil {
		return
	}
	if r, ok := loginReasons[reason]; ok {
		reason = r
	}
	s.Observer.LoginFailed(reason)
}

func (s *Store) observePlaybook(resumed bool, start time.Time, err error) {
	if s.Observer != nil {
		s.Observer.PlaybookRun(resumed, time.Since(start), err)
	}
}

// Pools returns the store's connection pools by name ("write" and "read"
// on SQLite, "main" on PostgreSQL, where both are one pool), for their
// statistics (sql.DB.Stats) only: every query goes through the store.
func (s *Store) Pools() map[string]*sql.DB {
	if s.read == s.write {
		return map[string]*sql.DB{"main": s.write}
	}
	return map[string]*sql.DB{"write": s.write, "read": s.read}
}

// OutboxCounts is the outbox at one moment.
type OutboxCounts struct {
	// ByStatus counts the messages waiting (queued), leased to a worker
	// (sending) and given up (failed). Sent messages, which only grow,
	// are not counted here: each worker counts what it sends.
	ByStatus map[string]int64
	// Due is how many messages may be sent now (queued or with a lapsed
	// lease), and OldestDue how long the one due longest has waited.
	Due       int64
	OldestDue time.Duration
}

// OutboxStatuses are the statuses OutboxCounts counts.
var OutboxStatuses = []string{"queued", "sending", "failed"}

// CountOutbox counts the outbox with two queries on its (status,
// next_attempt_at) index, neither of which reads a sent message.
func (s *Store) CountOutbox(ctx context.Context) (OutboxCounts, error) {
	c := OutboxCounts{ByStatus: map[string]int64{}}
	for _, st := range OutboxStatuses {
		c.ByStatus[st] = 0
	}
	err := s.inRead(ctx, func(t *Tx) error {
		rows, err := t.query(ctx, "SELECT status, COUNT(*) FROM outbox WHERE status IN ('queued', 'sending', 'failed') GROUP BY status")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var n int64
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			c.ByStatus[st] = n
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var oldest sql.NullInt64
		if err := t.queryRow(ctx, "SELECT COUNT(*), MIN(next_attempt_at) FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt_at <= ?",
			micros(t.now)).Scan(&c.Due, &oldest); err != nil {
			return err
		}
		if oldest.Valid {
			c.OldestDue = max(0, t.now.Sub(fromMicros(oldest.Int64)))
		}
		return nil
	})
	if err != nil {
		return OutboxCounts{}, s.translate(err)
	}
	return c, nil
}
