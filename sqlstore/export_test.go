package sqlstore

import "context"

// MigrateTo applies the migrations up to version v, so that a test can
// put data into an older schema and migrate it on.
func MigrateTo(ctx context.Context, s *Store, v int) (int, error) { return s.migrate(ctx, v) }

// HoldingKinds lists the kinds of things the playbook hands over.
func HoldingKinds() []string {
	kinds := make([]string, len(holdings))
	for i, h := range holdings {
		kinds[i] = h.kind
	}
	return kinds
}

// DummyHash is the hash unknown logins are checked against.
func DummyHash() string { return dummyHash(PasswordParams) }
