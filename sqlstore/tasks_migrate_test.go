package sqlstore_test

import (
	"context"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
)

// TestMigrationTaskTitles takes a database back to before migration 21
// (tasks with a text title), writes tasks as the old code did and
// migrates: each title the row says enough about becomes its kind's
// message, which reads in Chinese exactly as the old title did and has
// an English of its own; any other keeps its words in both languages. The
// playbook's follow-up becomes the playbook's message
// (playbook.task.tell_in_person, which its writer uses too).
func TestMigrationTaskTitles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			agent := w.Users[poscare.RoleAgent]
			db := rawDB(t, dsn)
			for _, q := range []string{"ALTER TABLE tasks RENAME COLUMN title_msg TO title", "DELETE FROM schema_migrations WHERE version = 21"} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			legal, contact := w.Merchant.LegalName, w.Contact.Name
			rows := []struct {
				key, kind string
				merchant  any
				contact   any
				title     string
				want      string // the message's key after the migration
			}{
				{"v", "verify_contact", w.Merchant.ID, w.Contact.ID, "核实联系人信息：" + legal + " · " + contact, "todo.verify_contact"},
				{"c", "callback", w.Merchant.ID, nil, "商户请求回电：" + legal, "todo.callback"},
				{"s", "verify_self", nil, nil, "请核对并更新您本人的联系方式（手机、邮箱、微信）", "todo.verify_self"},
				{"p", "follow_up", w.Merchant.ID, nil, "无可用联系方式，请电话或上门告知新联系人：" + legal, "playbook.task.tell_in_person"},
				{"f", "follow_up", nil, nil, "整理交接材料", "recorded"},
			}
			for _, r := range rows {
				if _, err := db.ExecContext(ctx, rawSQL(dsn, "INSERT INTO tasks (dedupe_key, kind, user_id, merchant_id, contact_id, title, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, 1)"),
					"old:"+r.key, r.kind, agent.ID, r.merchant, r.contact, r.title); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := s.Migrate(ctx); err != nil || n != 1 {
				t.Fatalf("migrated %d steps: %v", n, err)
			}
			must(t, s.CheckSchema(ctx))
			for _, r := range rows {
				var stored string
				if err := db.QueryRowContext(ctx, rawSQL(dsn, "SELECT title_msg FROM tasks WHERE dedupe_key = ?"), "old:"+r.key).Scan(&stored); err != nil {
					t.Fatal(err)
				}
				m := poscare.DecodeMsg(stored)
				if _, known := poscare.Template(m.Key); !known && m.Key == r.want {
					// The playbook's key, registered where the playbook's
					// rules are: without them only what is stored is checked.
					if m.Args["merchant"] != legal {
						t.Errorf("%s: %s names %v", r.kind, m.Key, m.Args)
					}
					continue
				}
				got := m.Text()
				if m.Key != r.want || got.Zh != r.title {
					t.Errorf("%s: %s reads %q, want %s reading %q", r.kind, m.Key, got.Zh, r.want, r.title)
				}
				if (r.want == "recorded") != (got.En == got.Zh) {
					t.Errorf("%s: the English %q", r.kind, got.En)
				}
			}
			// The store reads them as any task.
			ts, err := s.MyTasks(ctx, fx.Actor(agent))
			must(t, err)
			seen, readable := 0, 0
			for _, r := range rows {
				if _, known := poscare.Template(r.want); known {
					readable++
				}
			}
			for _, x := range ts {
				for _, r := range rows {
					if x.Title == r.title && x.TitleEn != "" && x.Kind == r.kind {
						seen++
					}
				}
			}
			if seen < readable {
				t.Errorf("the agent's tasks show %d of the %d migrated titles: %+v", seen, readable, ts)
			}
		})
	}
}
