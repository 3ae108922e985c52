package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// TestAuditVerifyHoldsChainAgainstCheckpoints: GET /audit/verify reports a
// deleted tail, which it used to call intact.
func TestAuditVerifyHoldsChainAgainstCheckpoints(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := testenv.Open(t, dsn)
			e := newEnv(t, s)
			s.AuditCheckpoints = filepath.Join(t.TempDir(), "audit-checkpoints")
			cp, _, err := s.CheckpointAudit(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			auditor := e.token(e.w.Users[poscare.RoleAuditor])
			var got httpapi.AuditVerify
			e.do("GET", "/api/v1/audit/verify", auditor, nil).decode(t, &got)
			if !got.OK || got.Checked < cp.Seq {
				t.Fatalf("untouched chain: %+v", got)
			}
			driver, src := "pgx", dsn
			drop := "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
			if sqlstore.DialectOf(dsn) == sqlstore.SQLite {
				driver, src, drop = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)", "DROP TRIGGER audit_log_no_delete"
			}
			raw, err := sql.Open(driver, src)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			for _, q := range []string{drop, fmt.Sprintf("DELETE FROM audit_log WHERE seq >= %d", cp.Seq)} {
				if _, err := raw.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			got = httpapi.AuditVerify{}
			e.do("GET", "/api/v1/audit/verify", auditor, nil).decode(t, &got)
			if got.OK || got.Break == nil || got.Break.Kind != poscare.BreakTail || got.Break.Seq != cp.Seq {
				t.Fatalf("after the newest entry was deleted: %+v %+v", got, got.Break)
			}
		})
	}
}
