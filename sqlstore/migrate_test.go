package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// TestMigrationKeepsContacts puts merchants with contacts, channels and a
// task into the schema of version 8 and migrates on: version 9 rebuilds the
// contact tables on SQLite (their foreign keys become deferred), and must
// keep every row, every link and the checks themselves.
func TestMigrationKeepsContacts(t *testing.T) {
	ctx := context.Background()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s, err := sqlstore.Open(ctx, dsn, testenv.Vault(t))
			must(t, err)
			t.Cleanup(func() { s.Close() })
			n, err := sqlstore.MigrateTo(ctx, s, 8)
			must(t, err)
			if n != 8 {
				t.Fatalf("migrated %d steps, want 8", n)
			}
			w := fx.Build(t, s)
			ops := fx.Actor(w.Users[poscare.RoleOps])
			id := w.Merchant.ID
			removed := &poscare.Contact{MerchantID: id, Name: "王芳", Role: "owner", PreferredChannel: poscare.ChannelPhone,
				Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fx.Mobile(fx.Seq())}, {Kind: poscare.ChannelEmail, Value: "wang@example.cn"}}}
			must(t, s.CreateContact(ctx, ops, removed))
			removed.Channels = []poscare.Channel{{Kind: removed.Channels[0].Kind, Value: removed.Channels[0].Value}}
			must(t, s.UpdateContact(ctx, ops, removed))
			before, err := s.ListContacts(ctx, ops, sqlstore.ContactFilter{MerchantID: &id})
			must(t, err)

			n, err = s.Migrate(ctx)
			must(t, err)
			if n < 1 {
				t.Fatal("Migrate applied nothing after version 8")
			}
			must(t, s.CheckSchema(ctx))
			after, err := s.ListContacts(ctx, ops, sqlstore.ContactFilter{MerchantID: &id})
			must(t, err)
			if len(after) != len(before) || len(after) == 0 {
				t.Fatalf("contacts after migration: %d, before: %d", len(after), len(before))
			}
			for i := range before {
				if after[i].ID != before[i].ID || after[i].Name != before[i].Name ||
					!slices.EqualFunc(after[i].Channels, before[i].Channels, func(a, b poscare.Channel) bool {
						return a.ID == b.ID && a.Kind == b.Kind && a.Value == b.Value
					}) {
					t.Errorf("contact %d changed: %+v → %+v", before[i].ID, before[i], after[i])
				}
				if after[i].ID == removed.ID && len(after[i].RemovedChannels) != 1 {
					t.Errorf("removed channels after migration: %v, want the e-mail", after[i].RemovedChannels)
				}
			}

			db := rawDB(t, dsn)
			q := "SELECT sql FROM sqlite_schema WHERE name = 'contacts'"
			if name == "postgres" {
				q = "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'contacts_merchant_id_fkey' AND connamespace = current_schema()::regnamespace"
			}
			var def string
			must(t, db.QueryRowContext(ctx, q).Scan(&def))
			if !strings.Contains(def, "DEFERRABLE INITIALLY DEFERRED") {
				t.Errorf("contacts' foreign key is not deferred: %s", def)
			}
			// The bulk path writes through the rebuilt tables…
			good := &poscare.Contact{MerchantID: id, Name: "李四", Role: "owner", PreferredChannel: poscare.ChannelPhone,
				Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fx.Mobile(fx.Seq())}}}
			err = s.CreateMerchants(ctx, ops, []*sqlstore.MerchantImport{{Merchant: fx.NewMerchant(w.Team1.ID, w.Users[poscare.RoleAgent].ID, nil), Contacts: []*poscare.Contact{good}}})
			must(t, err)
			// …and the key is deferred, not gone: a contact of no merchant
			// fails at commit.
			ins := "INSERT INTO contacts (merchant_id, name, role, preferred_channel, created_at, updated_at) VALUES (99999999, 'x', 'owner', 'phone', 0, 0)"
			if name == "sqlite" {
				ins = "PRAGMA foreign_keys = ON; " + ins
			}
			if _, err := db.ExecContext(ctx, ins); err == nil {
				t.Error("a contact of a merchant that does not exist was committed")
			}
		})
	}
}
