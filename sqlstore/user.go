package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"sync"
	"time"

	"poscare"
	"poscare/password"
)

// Passwords is how a store hashes and checks passwords; it is part of
// Store, so each store (and each test's store) has its own costs.
type Passwords struct {
	// PasswordParams are the argon2id costs for new hashes and for the
	// check spent on unknown logins; zero means password.Default. Demo
	// data and tests lower them, a real server keeps the default.
	PasswordParams password.Params
	// PasswordChecks bounds the argon2id work; nil means the process-wide
	// DefaultPasswordChecks.
	PasswordChecks *password.Gate
}

func (s *Store) passwordParams() password.Params {
	if s.PasswordParams == (password.Params{}) {
		return password.Default
	}
	return s.PasswordParams
}

func (s *Store) passwordChecks() *password.Gate {
	if s.PasswordChecks == nil {
		return DefaultPasswordChecks
	}
	return s.PasswordChecks
}

// TokenTTL is how long an API token lives.
const TokenTTL = 12 * time.Hour

const userCols = `id, login, name, role, status, team_id, manager_id, backup_id, merchant_id, mobile, email, wechat,
	created_at, updated_at, last_seen_at, archived_at, archived_by, archive_reason, cover_id, away_until, status_reason, contact_checked_at`

type scanner interface{ Scan(...any) error }

func scanUser(r scanner) (*poscare.User, error) {
	var u poscare.User
	var team, mgr, backup, merchant, lastSeen, cover, checked sql.NullInt64
	var away sql.NullString
	var created, updated int64
	var arch archCols
	err := r.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.Status, &team, &mgr, &backup, &merchant,
		&u.Mobile, &u.Email, &u.WeChat, &created, &updated, &lastSeen, &arch.at, &arch.by, &arch.reason, &cover, &away, &u.StatusReason, &checked)
	if err != nil {
		return nil, err
	}
	u.CoverID, u.ContactCheckedAt = int64Ptr(cover), timePtr(checked)
	if text, m := statusReason(u.StatusReason); m != nil {
		u.SetSystemReason(*m)
	} else {
		u.StatusReason = text
	}
	if away.Valid {
		d := poscare.Date(away.String)
		u.AwayUntil = &d
	}
	u.TeamID, u.ManagerID, u.BackupID, u.MerchantID = int64Ptr(team), int64Ptr(mgr), int64Ptr(backup), int64Ptr(merchant)
	u.CreatedAt, u.UpdatedAt, u.LastSeenAt = fromMicros(created), fromMicros(updated), timePtr(lastSeen)
	u.Archived = arch.archival()
	return &u, nil
}

// archCols scans the three archive columns every record table has.
type archCols struct {
	at, by sql.NullInt64
	reason sql.NullString
}

func (a archCols) archival() *poscare.Archival {
	if !a.at.Valid {
		return nil
	}
	return &poscare.Archival{At: fromMicros(a.at.Int64), ByID: a.by.Int64, Reason: a.reason.String}
}

func (t *Tx) getUser(ctx context.Context, id int64) (*poscare.User, error) {
	u, err := scanUser(t.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", id))
	if err == sql.ErrNoRows {
		return nil, poscare.NotFound(poscare.EntityUser)
	}
	return u, t.s.translate(err)
}

// checkUserRefs makes sure a user's team, manager, backup and merchant exist
// and make sense together.
func (t *Tx) checkUserRefs(ctx context.Context, u *poscare.User) error {
	p := poscare.Problems{}
	if u.TeamID != nil {
		if _, err := t.getTeam(ctx, *u.TeamID); err != nil {
			p.Say("team_id", "record.no_team")
		}
	}
	for _, ref := range []struct {
		field string
		id    *int64
	}{{"manager_id", u.ManagerID}, {"backup_id", u.BackupID}} {
		if ref.id == nil {
			continue
		}
		other, err := t.getUser(ctx, *ref.id)
		if err != nil || !other.Role.IsStaff() || other.Archived != nil {
			p.Say(ref.field, "user.must_be_active")
		}
	}
	if u.MerchantID != nil {
		if _, err := t.getMerchant(ctx, *u.MerchantID); err != nil {
			p.Say("merchant_id", "record.no_merchant")
		}
	}
	return p.Err()
}

// CreateUser adds a staff or merchant user with a password. Only admins
// (and the system) create users. Errors: EForbidden, EInvalid, EConflict,
// ETooManyRequests (every password check busy).
func (s *Store) CreateUser(ctx context.Context, a poscare.Actor, u *poscare.User, pw string) error {
	if !a.Can(poscare.EntityUser, poscare.ActCreate) {
		return poscare.Forbidden()
	}
	if err := joinInvalid(u.Validate(), poscare.ValidateUserPassword("password", u.Login, pw)); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, pw)
	if err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		if err := t.checkUserRefs(ctx, u); err != nil {
			return err
		}
		return t.insertUser(ctx, a, u, hash)
	})
}

func (t *Tx) insertUser(ctx context.Context, a poscare.Actor, u *poscare.User, hash string) error {
	id, err := t.insert(ctx, `INSERT INTO users (login, name, role, status, team_id, manager_id, backup_id, merchant_id,
		mobile, email, wechat, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Login, u.Name, u.Role, u.Status, nullInt(u.TeamID), nullInt(u.ManagerID), nullInt(u.BackupID), nullInt(u.MerchantID),
		u.Mobile, u.Email, u.WeChat, hash, micros(t.now), micros(t.now))
	if err != nil {
		return err
	}
	u.ID, u.CreatedAt, u.UpdatedAt = id, t.now, t.now
	return t.record(ctx, a, "create", poscare.EntityUser, id, nil, u)
}

// UpdateUser changes a user's profile (not the password). Errors:
// EForbidden, ENotFound, EInvalid, EConflict.
func (s *Store) UpdateUser(ctx context.Context, a poscare.Actor, u *poscare.User) error {
	if !a.Can(poscare.EntityUser, poscare.ActUpdate) {
		return poscare.Forbidden()
	}
	if err := u.Validate(); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		before, err := t.getUser(ctx, u.ID)
		if err != nil {
			return err
		}
		if u.Status != before.Status && !(isAccountStatus(u.Status) && isAccountStatus(before.Status)) {
			p := poscare.Problems{}
			p.Say("status", "user.status_via_change")
			return p.Err()
		}
		u.CoverID, u.AwayUntil, u.StatusReason = before.CoverID, before.AwayUntil, before.StatusReason
		if err := t.checkUserRefs(ctx, u); err != nil {
			return err
		}
		if u.Role == poscare.RoleAgent && u.Status == poscare.UserActive && before.BackupID != nil && u.BackupID == nil {
			p := poscare.Problems{}
			p.Say("backup_id", "user.agent_needs_backup")
			return p.Err()
		}
		if u.Status != before.Status && u.Status.LocksOut() {
			if err := t.lastCover(ctx, u.ID); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, `UPDATE users SET login = ?, name = ?, role = ?, status = ?, team_id = ?, manager_id = ?,
			backup_id = ?, merchant_id = ?, mobile = ?, email = ?, wechat = ?, updated_at = ? WHERE id = ?`,
			u.Login, u.Name, u.Role, u.Status, nullInt(u.TeamID), nullInt(u.ManagerID), nullInt(u.BackupID),
			nullInt(u.MerchantID), u.Mobile, u.Email, u.WeChat, micros(t.now), u.ID); err != nil {
			return err
		}
		if u.Status.LocksOut() {
			if err := t.revokeTokens(ctx, u.ID); err != nil {
				return err
			}
		}
		u.CreatedAt, u.UpdatedAt, u.LastSeenAt, u.Archived = before.CreatedAt, t.now, before.LastSeenAt, before.Archived
		return t.record(ctx, a, "update", poscare.EntityUser, u.ID, before, u)
	})
}

// SetPassword replaces a user's password (an admin's reset) and revokes
// all their tokens and sessions. Errors: EForbidden, ENotFound, EInvalid,
// ETooManyRequests.
func (s *Store) SetPassword(ctx context.Context, a poscare.Actor, id int64, pw string) error {
	if !a.Can(poscare.EntityUser, poscare.ActUpdate) {
		return poscare.Forbidden()
	}
	u, err := readOne(ctx, s, func(t *Tx) (*poscare.User, error) { return t.getUser(ctx, id) })
	if err != nil {
		return err
	}
	if err := poscare.ValidateUserPassword("password", u.Login, pw); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, pw)
	if err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		if err := t.storePassword(ctx, u.ID, u.Login, hash, ""); err != nil {
			return err
		}
		if err := t.forgetLogin(ctx, u.Login); err != nil {
			return err
		}
		return t.record(ctx, a, "set_password", poscare.EntityUser, id, nil, nil)
	})
}

// ChangeOwnPassword is a user's own password change: it needs the current
// password, checked and throttled as a login is (from a.Source), and ends
// every other token and session of the user; keep is the token or session
// cookie of the request, which stays valid. The audit trail records the
// change, never a password. Errors: EInvalid (current_password,
// new_password), ETooManyRequests, EUnauthenticated.
func (s *Store) ChangeOwnPassword(ctx context.Context, a poscare.Actor, current, next, keep string) error {
	var u *poscare.User
	var hash string
	var at *attempt
	err := s.inWrite(ctx, func(t *Tx) error {
		row := t.queryRow(ctx, "SELECT "+userCols+", password_hash FROM users WHERE id = ?", a.UserID)
		var err error
		u, err = scanUser(scanFunc(func(dest ...any) error { return row.Scan(append(dest, &hash)...) }))
		if err == sql.ErrNoRows {
			return poscare.Fail(poscare.EUnauthenticated, "user.login_required")
		}
		if err != nil {
			return t.s.translate(err)
		}
		at, err = t.reserveAttempt(ctx, a.Source, u.Login)
		return err
	})
	if err != nil {
		return err
	}
	ok, err := s.verifyPassword(ctx, current, hash)
	if err != nil {
		s.loginNotChecked(ctx, at, a, u.ID)
		return err
	}
	invalid := poscare.ValidateUserPassword("new_password", u.Login, next)
	if invalid == nil && next == current {
		p := poscare.Problems{}
		p.Say("new_password", "user.password.same")
		invalid = p.Err()
	}
	if !ok {
		if err := s.loginFailed(ctx, at, a, u.ID, "wrong current password"); err != nil {
			return err
		}
		p := poscare.Problems{}
		p.Say("current_password", "user.password.wrong")
		return joinInvalid(p.Err(), invalid)
	}
	if invalid != nil {
		// The current password was right: the attempt is given back.
		if err := s.inWrite(ctx, func(t *Tx) error { return t.succeeded(ctx, at) }); err != nil {
			return err
		}
		return invalid
	}
	newHash, err := s.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		if err := t.succeeded(ctx, at); err != nil {
			return err
		}
		if err := t.storePassword(ctx, u.ID, u.Login, newHash, keep); err != nil {
			return err
		}
		return t.record(ctx, a, "change_password", poscare.EntityUser, u.ID, nil, nil)
	})
}

// storePassword writes a new password hash and ends every token and
// session of the user except the one whose raw value is keep.
func (t *Tx) storePassword(ctx context.Context, id int64, login, hash, keep string) error {
	if _, err := t.exec(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", hash, micros(t.now), id); err != nil {
		return err
	}
	return t.revokeTokensExcept(ctx, id, keep)
}

// GetUser returns a user the actor may see. Errors: EForbidden, ENotFound.
func (s *Store) GetUser(ctx context.Context, a poscare.Actor, id int64) (*poscare.User, error) {
	if !a.Can(poscare.EntityUser, poscare.ActRead) && a.UserID != id {
		return nil, poscare.Forbidden()
	}
	u, err := readOne(ctx, s, func(t *Tx) (*poscare.User, error) { return t.getUser(ctx, id) })
	if err != nil {
		return nil, err
	}
	if !a.CanSeeUser(u) {
		return nil, poscare.NotFound(poscare.EntityUser)
	}
	return u, nil
}

// UserFilter selects users in a list.
type UserFilter struct {
	Q        string
	Role     poscare.Role
	TeamID   *int64
	Archived bool
	poscare.Page
}

// ListUsers lists the users the actor may see.
func (s *Store) ListUsers(ctx context.Context, a poscare.Actor, f UserFilter) ([]*poscare.User, error) {
	if !a.Can(poscare.EntityUser, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	f.Normalize()
	q := "SELECT " + userCols + " FROM users WHERE " + archivedCond(f.Archived)
	var args []any
	switch {
	case a.SeesAllUsers():
	case a.Role == poscare.RoleTech:
		q += " AND role <> 'merchant'"
	default:
		if a.TeamID == nil {
			q += " AND id = ?"
			args = append(args, a.UserID)
		} else {
			q += " AND (team_id = ? OR id = ?)"
			args = append(args, *a.TeamID, a.UserID)
		}
	}
	if f.Role != "" {
		q += " AND role = ?"
		args = append(args, f.Role)
	}
	if f.TeamID != nil {
		q += " AND team_id = ?"
		args = append(args, *f.TeamID)
	}
	if f.Q != "" {
		q += " AND (LOWER(name) LIKE ? OR login LIKE ? OR mobile = ?)"
		like := "%" + strings.ToLower(likeEscape(f.Q)) + "%"
		args = append(args, like, like, f.Q)
	}
	q += " ORDER BY id LIMIT ? OFFSET ?"
	args = append(args, f.Rows(), f.Offset)
	return queryAll(ctx, s, q, args, scanUser)
}

func archivedCond(archived bool) string {
	if archived {
		return "archived_at IS NOT NULL"
	}
	return "archived_at IS NULL"
}

// likeEscape neutralises LIKE wildcards in user text; queries that use it
// do not need an ESCAPE clause because '%' and '_' are simply dropped.
func likeEscape(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// Authenticate checks a login and password from source (the client's
// address). The attempt is first counted against the login throttle (see
// reserveAttempt), in one step with the check of it, and only then is the
// password verified, within the process-wide bound of password checks.
// Unknown, existing, inactive and throttled logins cannot be told apart:
// a wrong password, an unknown login and an inactive account all answer
// EUnauthenticated after the same work, and a throttled attempt answers
// ETooManyRequests whatever the login. Failures are audited, and so is
// every login. Errors: EUnauthenticated, ETooManyRequests.
func (s *Store) Authenticate(ctx context.Context, login, pw, source string) (*poscare.User, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	bad := poscare.Fail(poscare.EUnauthenticated, "user.login_failed")
	var u *poscare.User
	var hash string
	var at *attempt
	err := s.inWrite(ctx, func(t *Tx) error {
		var err error
		if at, err = t.reserveAttempt(ctx, source, login); err != nil {
			return err
		}
		row := t.queryRow(ctx, "SELECT "+userCols+", password_hash FROM users WHERE login = ?", login)
		u, err = scanUser(scanFunc(func(dest ...any) error {
			return row.Scan(append(dest, &hash)...)
		}))
		if err == sql.ErrNoRows {
			u, err = nil, nil
		}
		return t.s.translate(err)
	})
	if err != nil {
		return nil, err
	}
	if u == nil {
		// Spend the same work as a real check, with the same costs, so
		// timing does not reveal which logins exist.
		_, err := s.verifyPassword(ctx, pw, dummyHash(s.passwordParams()))
		anon := poscare.Actor{Login: login, Source: source}
		if err != nil {
			// Busy, exactly as for a known login.
			s.loginNotChecked(ctx, at, anon, 0)
		} else {
			err = s.loginFailed(ctx, at, anon, 0, "unknown login")
		}
		if err != nil {
			return nil, err
		}
		return nil, bad
	}
	actor := poscare.Actor{UserID: u.ID, Login: u.Login, Role: u.Role, Source: source}
	ok, err := s.verifyPassword(ctx, pw, hash)
	if err != nil {
		s.loginNotChecked(ctx, at, actor, u.ID)
		return nil, err
	}
	if !ok || u.Status.LocksOut() || u.Archived != nil {
		reason := "wrong password"
		if ok {
			reason = "account not active"
		}
		if err := s.loginFailed(ctx, at, actor, u.ID, reason); err != nil {
			return nil, err
		}
		return nil, bad
	}
	rehash := ""
	if p, err := password.ParamsOf(hash); err == nil && p != s.passwordParams() {
		// Hashes made with other costs (demo data, older defaults) are
		// brought to today's, so every login costs the same.
		rehash, _ = s.hashPassword(ctx, pw)
	}
	err = s.inWrite(ctx, func(t *Tx) error {
		if err := t.succeeded(ctx, at); err != nil {
			return err
		}
		if _, err := t.exec(ctx, "UPDATE users SET last_seen_at = ? WHERE id = ?", micros(t.now), u.ID); err != nil {
			return err
		}
		if rehash != "" {
			if _, err := t.exec(ctx, "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?", rehash, u.ID, hash); err != nil {
				return err
			}
		}
		return t.record(ctx, actor, poscare.AuditLogin, poscare.EntityUser, u.ID, nil, nil)
	})
	return u, err
}

// loginFailed ends a failed attempt and audits it, in one transaction.
func (s *Store) loginFailed(ctx context.Context, at *attempt, a poscare.Actor, userID int64, reason string) error {
	s.observeLogin(reason)
	return s.inWrite(ctx, func(t *Tx) error {
		if err := t.failed(ctx, at); err != nil {
			return err
		}
		return t.record(ctx, a, poscare.AuditLoginFailed, poscare.EntityUser, userID, nil, map[string]string{"reason": reason})
	})
}

// loginNotChecked records an attempt refused as busy before its password
// was checked, and gives it back to the throttle.
func (s *Store) loginNotChecked(ctx context.Context, at *attempt, a poscare.Actor, userID int64) error {
	s.observeLogin("not checked: busy")
	return s.inWrite(ctx, func(t *Tx) error {
		if err := t.released(ctx, at); err != nil {
			return err
		}
		return t.record(ctx, a, poscare.AuditLoginFailed, poscare.EntityUser, userID, nil, map[string]string{"reason": "not checked: busy"})
	})
}

// DefaultPasswordChecks bounds the argon2id work of the whole process:
// one check per core at a time; a check that cannot start within two
// seconds is refused as busy. Every store of the process shares it unless
// its PasswordChecks names another gate.
var DefaultPasswordChecks = password.NewGate(runtime.NumCPU(), 2*time.Second)

func busy(err error) error {
	if errors.Is(err, password.ErrBusy) {
		e := poscare.Fail(poscare.ETooManyRequests, "db.password.busy")
		e.Cause = RetryAfter(time.Second)
		return e
	}
	return poscare.Internal(err)
}

// verifyPassword checks pw against a stored hash within the bound of
// password checks. A hash it cannot read is a wrong password, not a fault
// the caller could tell apart. Errors: ETooManyRequests.
func (s *Store) verifyPassword(ctx context.Context, pw, hash string) (bool, error) {
	ok, err := s.passwordChecks().Verify(ctx, pw, hash)
	if errors.Is(err, password.ErrBusy) || ctx.Err() != nil {
		return false, busy(err)
	}
	return ok, nil
}

// hashPassword hashes pw with the store's PasswordParams within the bound of password
// checks. Errors: ETooManyRequests.
func (s *Store) hashPassword(ctx context.Context, pw string) (string, error) {
	h, err := s.passwordChecks().Hash(ctx, pw, s.passwordParams())
	if err != nil {
		return "", busy(err)
	}
	return h, nil
}

// dummyHash is verified against for unknown logins. It is made with the
// parameters real hashes are made with now, once per set of parameters.
func dummyHash(p password.Params) string {
	dummyMu.Lock()
	defer dummyMu.Unlock()
	if h, ok := dummyHashes[p]; ok {
		return h
	}
	h := password.Hash("not a real password", p)
	dummyHashes[p] = h
	return h
}

var (
	dummyMu     sync.Mutex
	dummyHashes = map[password.Params]string{}
)

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// IssueToken creates a bearer token for a user. Only its SHA-256 is
// stored, so a copy of the database does not hold usable tokens.
func (s *Store) IssueToken(ctx context.Context, userID int64) (string, error) {
	raw := make([]byte, 32)
	rand.Read(raw)
	token := "pc_" + base64.RawURLEncoding.EncodeToString(raw)
	err := s.inWrite(ctx, func(t *Tx) error {
		_, err := t.exec(ctx, "INSERT INTO api_tokens (user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)",
			userID, tokenHash(token), micros(t.now), micros(t.now.Add(TokenTTL)))
		return err
	})
	return token, err
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// ActorForToken resolves a bearer token to the acting user. Expired and
// revoked tokens, and users no longer active, are refused.
func (s *Store) ActorForToken(ctx context.Context, token, source string) (poscare.Actor, error) {
	bad := poscare.Fail(poscare.EUnauthenticated, "user.token_invalid")
	var u *poscare.User
	var a poscare.Actor
	err := s.inRead(ctx, func(t *Tx) error {
		var err error
		u, err = scanUser(t.queryRow(ctx, "SELECT "+prefixed("u.", userCols)+` FROM api_tokens k JOIN users u ON u.id = k.user_id
			WHERE k.token_hash = ? AND k.revoked_at IS NULL AND k.expires_at > ?`, tokenHash(token), micros(t.now)))
		if err != nil {
			return err
		}
		a, err = t.actorOf(ctx, u, source)
		return err
	})
	if err == sql.ErrNoRows {
		return poscare.Actor{}, bad
	}
	if err != nil {
		return poscare.Actor{}, s.translate(err)
	}
	if u.Status.LocksOut() || u.Archived != nil {
		return poscare.Actor{}, bad
	}
	if u.LastSeenAt == nil || s.Now().Sub(*u.LastSeenAt) > sessionTouch {
		// Activity feeds silence detection; written at most once a minute.
		s.inWrite(ctx, func(t *Tx) error {
			_, err := t.exec(ctx, "UPDATE users SET last_seen_at = ? WHERE id = ?", micros(t.now), u.ID)
			return err
		})
	}
	return a, nil
}

// actorOf is how a user acts: for an agent, with the colleagues on leave
// they cover, whose merchants they serve meanwhile.
func (t *Tx) actorOf(ctx context.Context, u *poscare.User, source string) (poscare.Actor, error) {
	a := poscare.Actor{UserID: u.ID, Login: u.Login, Role: u.Role, TeamID: u.TeamID, MerchantID: u.MerchantID, Source: source}
	if u.Role != poscare.RoleAgent {
		return a, nil
	}
	type covered struct{ id int64 }
	cs, err := queryAllTx(ctx, t, "SELECT id FROM users WHERE cover_id = ? AND status = 'on_leave' AND archived_at IS NULL ORDER BY id", []any{u.ID},
		func(r scanner) (*covered, error) { var c covered; return &c, r.Scan(&c.id) })
	for _, c := range cs {
		a.Covers = append(a.Covers, c.id)
	}
	return a, err
}

// RevokeToken ends a token (logout). A token that is unknown, expired or
// already revoked answers EUnauthenticated: a logout that ended nothing is
// not reported as done.
func (s *Store) RevokeToken(ctx context.Context, token string) error {
	return s.inWrite(ctx, func(t *Tx) error {
		res, err := t.exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
			micros(t.now), tokenHash(token), micros(t.now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return poscare.Fail(poscare.EUnauthenticated, "user.token_invalid")
		}
		return nil
	})
}

// revokeTokens ends every API token and console session of a user at once.
func (t *Tx) revokeTokens(ctx context.Context, userID int64) error {
	return t.revokeTokensExcept(ctx, userID, "")
}

// revokeTokensExcept ends every API token and console session of a user
// but the one whose raw value is keep ("" keeps none).
func (t *Tx) revokeTokensExcept(ctx context.Context, userID int64, keep string) error {
	kept := tokenHash(keep)
	if _, err := t.exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND token_hash <> ?", micros(t.now), userID, kept); err != nil {
		return err
	}
	_, err := t.exec(ctx, "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND token_hash <> ?", micros(t.now), userID, kept)
	return err
}

func isAccountStatus(s poscare.UserStatus) bool {
	return s == poscare.UserActive || s == poscare.UserDisabled
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// joinInvalid merges several validation errors into one, so the user sees
// every bad field at once.
func joinInvalid(errs ...error) error {
	var out *poscare.Error
	for _, err := range errs {
		if err == nil {
			continue
		}
		e, ok := err.(*poscare.Error)
		if !ok || e.Code != poscare.EInvalid {
			return err
		}
		if out == nil {
			out = &poscare.Error{Code: e.Code, Message: e.Message, Msg: e.Msg, Fields: map[string]poscare.Text{}}
		}
		for k, v := range e.Fields {
			out.Fields[k] = v
		}
	}
	if out == nil {
		return nil
	}
	return out
}

// statusReason reads the status_reason column: a message the system
// wrote (stored as its JSON encoding) is returned with its Chinese, and
// a person's words, or a reason written before system reasons were
// keyed, as they are.
func statusReason(raw string) (string, *poscare.Msg) {
	if !strings.HasPrefix(raw, `{"key":`) {
		return raw, nil
	}
	m := poscare.DecodeMsg(raw)
	return m.In("zh"), &m
}
