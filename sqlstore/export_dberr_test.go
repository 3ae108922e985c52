package sqlstore

import (
	"context"
	"database/sql"
)

// SetBeforeTx makes fn run first in every write transaction of s, so that
// a test can make the transaction collide with another on purpose.
func SetBeforeTx(s *Store, fn func(context.Context, *sql.Tx) error) { s.beforeTx = fn }
