package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// TestTimelineWrittenAsTextReadsTheSameAfterMigration20: a timeline line
// written as two texts before messages were keyed is kept as a recorded
// message and reads, in both languages, as it did.
func TestTimelineWrittenAsTextReadsTheSameAfterMigration20(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v19.db")
	s, err := sqlstore.Open(ctx, path, testenv.Vault(t))
	must(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = sqlstore.MigrateTo(ctx, s, 19)
	must(t, err)
	w := fx.Build(t, s)
	ops := fx.Actor(w.Users[poscare.RoleOps])
	db := rawDB(t, path)
	res, err := db.Exec(`INSERT INTO incidents (kind, user_id, reason, strategy, opened_by, opened_at, checklist, handed_over, risk_report)
		VALUES ('missing', ?, '联系不上', 'backup', ?, 1, '[]', '{}', '{}')`, w.Users[poscare.RoleAgent].ID, ops.UserID)
	must(t, err)
	id, err := res.LastInsertId()
	must(t, err)
	_, err = db.Exec("INSERT INTO incident_events (incident_id, at, by_id, text_zh, text_en) VALUES (?, 1, ?, '启动应急预案：旧', 'playbook started for old')", id, ops.UserID)
	must(t, err)
	_, err = s.Migrate(ctx)
	must(t, err)
	must(t, s.CheckSchema(ctx))
	x, err := s.GetIncident(ctx, ops, id)
	must(t, err)
	if len(x.Timeline) != 1 || x.Timeline[0].Text != (poscare.Text{Zh: "启动应急预案：旧", En: "playbook started for old"}) || x.Timeline[0].Msg.Key != "recorded" {
		t.Fatalf("timeline after migration: %+v", x.Timeline)
	}
}
