package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"poscare"
)

// TestSQLiteBusyIsRetryable makes SQLite refuse a writer for real (another
// connection holds the write lock, and this one does not wait): the error
// is told by its code to be retryable, and translated into an internal
// error without the driver's type reaching the caller's code.
func TestSQLiteBusyIsRetryable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "busy.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	ctx := context.Background()
	holder, other := open(), open()
	if _, err := holder.Exec("CREATE TABLE x (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")
	_, err = other.Exec("INSERT INTO x VALUES (1)")
	var lite *sqlite.Error
	if !errors.As(err, &lite) || lite.Code()&0xff != sqlite3.SQLITE_BUSY {
		t.Fatalf("a second writer got %v, want SQLITE_BUSY", err)
	}
	if !retryable(err) {
		t.Fatalf("SQLITE_BUSY (%d) is not retryable", lite.Code())
	}
	s := &Store{dialect: SQLite}
	terr := s.translate(err)
	if poscare.ErrorCode(terr) != poscare.EInternal || !retryable(terr) {
		t.Fatalf("translated to %v: want an internal error that is still retryable", terr)
	}
	if retryable(errors.New("database is locked")) {
		t.Fatal("an error is retryable by its wording")
	}
}
