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
		return failed(poscare.ENotFound, "db.not_found", err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return failed(poscare.EInternal, "db.cancelled", err)
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
			return failed(poscare.EInternal, "db.busy", err)
		}
	}
	switch {
	case unique:
		e := failed(poscare.EConflict, "db.unique", err)
		e.Fields = conflictField(constraint)
		return e
	case foreign:
		return failed(poscare.EInvalid, "db.foreign", err)
	}
	return poscare.Internal(err)
}

// failed is the catalog's error key with the driver error as its cause,
// which stays in the logs.
func failed(code, key string, cause error) *poscare.Error {
	e := poscare.Fail(code, key)
	e.Cause = cause
	return e
}

// concurrentChange is a write that lost to a concurrent one (a
// serialization failure or a deadlock) and was retried in vain.
func concurrentChange(cause error) error {
	return failed(poscare.EConflict, "db.concurrent", cause)
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
			p := poscare.Problems{}
			p.Say(f, "db.unique.field")
			return map[string]poscare.Text(p)
		}
	}
	return nil
}
