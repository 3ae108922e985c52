package sqlstore_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// TestMigrationKeepsContacts copies a world with contacts, channels (one
// of them removed) and tasks into a database of schema version 8 and
// migrates it on: version 9 rebuilds the contact tables on SQLite (their
// foreign keys become deferred) and must keep every row and link, and the
// keys must still hold at commit. On PostgreSQL the step only alters the
// constraints.
func TestMigrationKeepsContacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			src := testenv.Open(t, dsn)
			w := fx.Build(t, src)
			ops := fx.Actor(w.Users[poscare.RoleOps])
			id := w.Merchant.ID
			removed := &poscare.Contact{MerchantID: id, Name: "王芳", Role: "owner", PreferredChannel: poscare.ChannelPhone,
				Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fx.Mobile(fx.Seq())}, {Kind: poscare.ChannelEmail, Value: "wang@example.cn"}}}
			must(t, src.CreateContact(ctx, ops, removed))
			removed.Channels = []poscare.Channel{{Kind: removed.Channels[0].Kind, Value: removed.Channels[0].Value}}
			removed.Reason = "邮箱已注销"
			must(t, src.UpdateContact(ctx, ops, removed))
			before, err := src.ListContacts(ctx, ops, sqlstore.ContactFilter{MerchantID: &id})
			must(t, err)

			s, at := src, dsn
			if name == "sqlite" {
				s, at = copyToVersion8(t, src, dsn)
			}
			_, err = s.Migrate(ctx)
			must(t, err)
			must(t, s.CheckSchema(ctx))
			after, err := s.ListContacts(ctx, ops, sqlstore.ContactFilter{MerchantID: &id})
			must(t, err)
			if len(after) != len(before) || len(after) < 2 {
				t.Fatalf("contacts after migration: %d, before: %d", len(after), len(before))
			}
			for i := range before {
				if after[i].ID != before[i].ID || after[i].Name != before[i].Name || after[i].Lang != "zh" ||
					!slices.EqualFunc(after[i].Channels, before[i].Channels, func(a, b poscare.Channel) bool {
						return a.ID == b.ID && a.Kind == b.Kind && a.Value == b.Value
					}) {
					t.Errorf("contact %d changed: %+v → %+v", before[i].ID, before[i], after[i])
				}
				if after[i].ID == removed.ID && len(after[i].RemovedChannels) != 1 {
					t.Errorf("removed channels after migration: %v, want the e-mail", after[i].RemovedChannels)
				}
			}
			must(t, s.VerifyAuditOK(ctx))

			db := rawDB(t, at)
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

// copyToVersion8 makes a SQLite database of schema version 8 and copies
// src's rows into it, column by column where the tables share them.
// renamedSince8 are the columns renamed by later migrations: the old
// name, the current one.
var renamedSince8 = map[string]string{"outbox.subject": "subject_msg", "outbox.body": "body_msg", "tasks.title": "title_msg",
	// The timeline became messages (migration 20): the copy keeps the
	// message, which migration 20 then records as the text it reads.
	"incident_events.text_zh": "msg", "incident_events.text_en": "msg"}

func copyToVersion8(t *testing.T, src *sqlstore.Store, srcPath string) (*sqlstore.Store, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v8.db")
	old, err := sqlstore.Open(ctx, path, testenv.Vault(t))
	must(t, err)
	t.Cleanup(func() { old.Close() })
	n, err := sqlstore.MigrateTo(ctx, old, 8)
	must(t, err)
	if n != 8 {
		t.Fatalf("migrated %d steps, want 8", n)
	}
	src.Close() // everything checkpointed into the file
	db := rawDB(t, path)
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, "ATTACH DATABASE ? AS src", srcPath)
	must(t, err)
	tables, err := db.QueryContext(ctx, "SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'merchant_search%' AND name <> 'schema_migrations'")
	must(t, err)
	var names []string
	for tables.Next() {
		var name string
		must(t, tables.Scan(&name))
		names = append(names, name)
	}
	tables.Close()
	for _, table := range names {
		var cols []string
		rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
		must(t, err)
		for rows.Next() {
			var c string
			must(t, rows.Scan(&c))
			cols = append(cols, c)
		}
		rows.Close()
		list := strings.Join(cols, ", ")
		from := make([]string, len(cols))
		for i, c := range cols {
			from[i] = c
			if renamed, ok := renamedSince8[table+"."+c]; ok {
				from[i] = renamed + " AS " + c
			}
		}
		_, err = db.ExecContext(ctx, "INSERT INTO main."+table+" ("+list+") SELECT "+strings.Join(from, ", ")+" FROM src."+table)
		must(t, err)
	}
	_, err = db.ExecContext(ctx, "INSERT INTO merchant_search (merchant_search) VALUES ('rebuild')")
	must(t, err)
	_, err = db.ExecContext(ctx, "DETACH DATABASE src")
	must(t, err)
	return old, path
}
