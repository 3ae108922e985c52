package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"time"

	"poscare"
)

// Console sessions: an idle session ends after SessionIdle, any session
// after SessionMax.
const (
	SessionIdle = 15 * time.Minute
	SessionMax  = 12 * time.Hour
)

// Session is a logged-in console or portal user.
type Session struct {
	Actor poscare.Actor
	User  *poscare.User
	CSRF  string
	Lang  string
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateSession starts a session for a user who has just authenticated and
// returns the cookie value. Only its hash is stored.
func (s *Store) CreateSession(ctx context.Context, userID int64) (string, error) {
	token := randomToken()
	err := s.inWrite(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, `INSERT INTO sessions (user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, userID, tokenHash(token), randomToken(), micros(t.now), micros(t.now), micros(t.now.Add(SessionMax)))
		return err
	})
	return token, err
}

// sessionTouch is how stale last_seen_at may get before a request writes
// it again: writing on every page view would make every view a write, and
// on SQLite a write empties every reader's page cache.
const sessionTouch = time.Minute

// SessionFor resolves a cookie value to its session and marks it used. A
// revoked, expired or idle session, or one of a user no longer active,
// answers EUnauthenticated.
func (s *Store) SessionFor(ctx context.Context, token, source string) (*Session, error) {
	bad := poscare.Fail(poscare.EUnauthenticated, "user.session_ended")
	var out *Session
	var id, lastSeen int64
	err := s.inRead(ctx, func(t *Tx) error {
		var csrf, lang string
		row := t.queryRow(ctx, "SELECT k.id, k.csrf_token, k.last_seen_at, u.lang, "+prefixed("u.", userCols)+` FROM sessions k JOIN users u ON u.id = k.user_id
			WHERE k.token_hash = ? AND k.revoked_at IS NULL AND k.expires_at > ?`, tokenHash(token), micros(t.now))
		u, err := scanUser(scanFunc(func(dest ...any) error {
			return row.Scan(append([]any{&id, &csrf, &lastSeen, &lang}, dest...)...)
		}))
		if err == sql.ErrNoRows {
			return bad
		}
		if err != nil {
			return t.s.translate(err)
		}
		if !u.Status.LocksOut() && u.Archived == nil {
			a, err := t.actorOf(ctx, u, source)
			if err != nil {
				return err
			}
			out = &Session{Actor: a, User: u, CSRF: csrf, Lang: lang}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	now := s.Now()
	idle := now.Sub(fromMicros(lastSeen)) > SessionIdle
	switch {
	case out == nil || idle:
		// Ended for good, so the cookie cannot come back.
		err = s.inWrite(ctx, func(t *Tx) error {
			_, err := t.exec(ctx, "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", micros(t.now), id)
			return err
		})
		if err != nil {
			return nil, err
		}
		return nil, bad
	case now.Sub(fromMicros(lastSeen)) > sessionTouch:
		// The user's own last activity feeds silence detection.
		err = s.inWrite(ctx, func(t *Tx) error {
			if _, err := t.exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", micros(t.now), id); err != nil {
				return err
			}
			_, err := t.exec(ctx, "UPDATE users SET last_seen_at = ? WHERE id = ?", micros(t.now), out.User.ID)
			return err
		})
	}
	return out, err
}

// EndSession revokes a session (logout).
func (s *Store) EndSession(ctx context.Context, token string) error {
	return s.inWrite(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL", micros(t.now), tokenHash(token))
		return err
	})
}

// SetLanguage remembers the language a user reads the console in.
func (s *Store) SetLanguage(ctx context.Context, a poscare.Actor, lang string) error {
	if lang != "zh" && lang != "en" {
		p := poscare.Problems{}
		p.Say("lang", "user.lang")
		return p.Err()
	}
	return s.inWrite(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, "UPDATE users SET lang = ? WHERE id = ?", lang, a.UserID)
		return err
	})
}
