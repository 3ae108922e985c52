package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"poscare"
)

// PostgreSQL error codes (SQLSTATE) the store tells apart.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// uniqueFields names the field each unique index or constraint guards, by
// the index's name (what PostgreSQL reports) and by table.column (what
// SQLite reports), so that a conflict tells the user which value is taken.
// Unique indexes that guard no field a user types (dedupe keys, the one
// open incident per person, audit sequence numbers) are not here: their
// conflicts name no field.
var uniqueFields = map[string]string{
	"teams_name_uq": "name", "teams.name": "name",
	"users_login_uq": "login", "users.login": "login",
	"merchants_uscc_uq": "uscc", "merchants.uscc": "uscc",
	"merchants_mid_uq": "mid", "merchants.mid": "mid",
	"terminals_serial_uq": "serial", "terminals.serial": "serial",
	"terminals_tid_uq": "tid", "terminals.tid": "tid",
}

// translate turns driver errors into domain errors so that no caller ever
// sees a driver type. It goes by the error's code, never its wording:
// PostgreSQL's SQLSTATE and SQLite's extended result codes. Unique
// violations become conflicts naming the field, foreign-key violations
// invalid references, no rows not-found; serialization failures and
// deadlocks become conflicts and busy or locked SQLite databases internal
// errors, both of which inWrite retries first (retryable).
func (s *Store) translate(err error) error {
	if err == nil {
		return nil
	}
	var pe *poscare.Error
	if errors.As(err, &pe) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &poscare.Error{Code: poscare.ENotFound, Message: poscare.Text{Zh: "未找到记录", En: "record not found"}, Cause: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &poscare.Error{Code: poscare.EInternal, Message: poscare.Text{Zh: "请求已取消或超时", En: "request cancelled or timed out"}, Cause: err}
	}
	unique, foreign := false, false
	constraint := ""
	var pg *pgconn.PgError
	var lite *sqlite.Error
	switch {
	case errors.As(err, &pg):
		switch pg.Code {
		case pgUniqueViolation:
			unique, constraint = true, pg.ConstraintName
		case pgForeignKeyViolation:
			foreign = true
		case pgSerializationFailure, pgDeadlockDetected:
			return concurrentChange(err)
		}
	case errors.As(err, &lite):
		switch lite.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			unique, constraint = true, sqliteColumns(lite.Error())
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			foreign = true
		}
		if retryable(err) {
			return &poscare.Error{Code: poscare.EInternal, Message: poscare.Text{Zh: "数据库繁忙，请稍后重试", En: "the database is busy; try again shortly"}, Cause: err}
		}
	}
	switch {
	case unique:
		return &poscare.Error{Code: poscare.EConflict, Message: poscare.Text{Zh: "记录已存在（唯一字段重复）", En: "a record with the same unique value already exists"},
			Fields: conflictField(constraint), Cause: err}
	case foreign:
		return &poscare.Error{Code: poscare.EInvalid, Message: poscare.Text{Zh: "引用的记录不存在", En: "a referenced record does not exist"}, Cause: err}
	}
	return poscare.Internal(err)
}

// concurrentChange is a write that lost to a concurrent one (a
// serialization failure or a deadlock) and was retried in vain.
func concurrentChange(cause error) error {
	return &poscare.Error{Code: poscare.EConflict, Message: poscare.Text{Zh: "记录正被同时修改，请重试", En: "the record was changed at the same time; try again"}, Cause: cause}
}

// retryable tells whether err, anywhere in its chain, is a driver error
// that a fresh attempt of the same transaction may not meet again:
// PostgreSQL's serialization failure and deadlock, SQLite's busy and
// locked database (with their extended codes, such as SQLITE_BUSY_SNAPSHOT).
func retryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == pgSerializationFailure || pg.Code == pgDeadlockDetected
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		primary := lite.Code() & 0xff
		return primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED
	}
	return false
}

// sqliteColumns is the table.column list of SQLite's unique-constraint
// error, whose code has already said what it is ("UNIQUE constraint
// failed: users.login (2067)"): SQLite names the columns only in the text.
func sqliteColumns(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	cols, _, _ := strings.Cut(msg, " (")
	return cols
}

// conflictField names, in both languages, the field behind a unique
// constraint: an index name, or SQLite's table.column list.
func conflictField(constraint string) map[string]poscare.Text {
	for _, c := range strings.Split(constraint, ",") {
		if f, ok := uniqueFields[strings.TrimSpace(c)]; ok {
			l := poscare.FieldLabel(f)
			return map[string]poscare.Text{f: {Zh: l.Zh + "：已被使用", En: l.En + ": already in use"}}
		}
	}
	return nil
}
