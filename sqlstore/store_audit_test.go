package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"poscare"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

func TestStoreAuditChain(t *testing.T) {
	t.Parallel()
	for name, sd := range storeDSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := sd.s
			f := newFixture(t, s)
			ctx := f.Ctx
			db := rawDB(t, sd.dsn)
			// Many more writes on top of the fixture's.
			for i := 0; i < 20; i++ {
				f.Clock = t0.Add(time.Duration(i) * time.Minute)
				c := &poscare.Contact{MerchantID: f.Micro.ID, Name: fmt.Sprintf("收银员%d", i), Role: "cashier",
					Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fmt.Sprintf("135%08d", i)}}}
				must(t, s.CreateContact(ctx, f.A1, c))
			}

			var n int64
			t.Run("ChainHoldsAfterManyWrites", func(t *testing.T) {
				brk, count, err := s.VerifyAudit(ctx)
				must(t, err)
				if brk != nil {
					t.Fatalf("chain broken at %d: %s", brk.Seq, brk.Reason)
				}
				if count < 40 {
					t.Fatalf("VerifyAudit checked %d entries, want at least 40", count)
				}
				n = count
			})
			if n == 0 {
				t.FailNow()
			}
			mid := n / 2
			readAfter := func() string {
				t.Helper()
				var v string
				must(t, db.QueryRow(fmt.Sprintf("SELECT after_json FROM audit_log WHERE seq = %d", mid)).Scan(&v))
				return v
			}
			orig := readAfter()

			t.Run("TriggerRefusesUpdate", func(t *testing.T) {
				if _, err := db.Exec(fmt.Sprintf("UPDATE audit_log SET after_json = '{}' WHERE seq = %d", mid)); err == nil {
					t.Fatal("UPDATE on audit_log succeeded while the append-only trigger exists")
				}
				if readAfter() != orig {
					t.Fatal("the refused UPDATE changed the row")
				}
			})
			t.Run("TriggerRefusesDelete", func(t *testing.T) {
				if _, err := db.Exec(fmt.Sprintf("DELETE FROM audit_log WHERE seq = %d", mid)); err == nil {
					t.Fatal("DELETE on audit_log succeeded while the append-only trigger exists")
				}
				_, count, err := s.VerifyAudit(ctx)
				must(t, err)
				if count != n {
					t.Fatalf("audit has %d entries, want %d", count, n)
				}
			})
			t.Run("VerifyNamesTamperedEntry", func(t *testing.T) {
				drop := "DROP TRIGGER audit_log_no_update"
				if s.Dialect() == sqlstore.Postgres {
					drop = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
				}
				if _, err := db.Exec(drop); err != nil {
					t.Fatal(err)
				}
				if _, err := db.Exec(fmt.Sprintf(`UPDATE audit_log SET after_json = '{"tampered":true}' WHERE seq = %d`, mid)); err != nil {
					t.Fatal(err)
				}
				brk, _, err := s.VerifyAudit(ctx)
				must(t, err)
				if brk == nil {
					t.Fatal("VerifyAudit found no break after after_json was edited")
				}
				if brk.Seq != mid {
					t.Fatalf("VerifyAudit names seq %d (%s), want the tampered %d", brk.Seq, brk.Reason, mid)
				}
			})
			t.Run("VerifyNamesRemovedEntry", func(t *testing.T) {
				// Put the edited row back, then remove a later one.
				q := "UPDATE audit_log SET after_json = ? WHERE seq = ?"
				if s.Dialect() == sqlstore.Postgres {
					q = "UPDATE audit_log SET after_json = $1 WHERE seq = $2"
				}
				if _, err := db.Exec(q, orig, mid); err != nil {
					t.Fatal(err)
				}
				if brk, _, err := s.VerifyAudit(ctx); err != nil || brk != nil {
					t.Fatalf("chain after undoing the edit: %+v %v", brk, err)
				}
				drop := "DROP TRIGGER audit_log_no_delete"
				if s.Dialect() == sqlstore.Postgres {
					drop = "SELECT 1" // the one trigger is already disabled
				}
				if _, err := db.Exec(drop); err != nil {
					t.Fatal(err)
				}
				gone := mid + 3
				if _, err := db.Exec(fmt.Sprintf("DELETE FROM audit_log WHERE seq = %d", gone)); err != nil {
					t.Fatal(err)
				}
				brk, _, err := s.VerifyAudit(ctx)
				must(t, err)
				if brk == nil || brk.Seq != gone+1 {
					t.Fatalf("VerifyAudit after removing %d = %+v, want a break at %d", gone, brk, gone+1)
				}
			})
		})
	}
}

func TestStoreAuthentication(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			last := func(id int64) poscare.AuditEntry { t.Helper(); return f.LastEntry(poscare.EntityUser, id) }

			t.Run("RightPasswordLogsIn", func(t *testing.T) {
				u, err := s.Authenticate(ctx, "Agent.A1", testPassword, "10.0.0.1")
				must(t, err)
				if u.ID != f.A1.UserID || u.Role != poscare.RoleAgent {
					t.Fatalf("Authenticate returned %+v", u)
				}
				e := last(f.A1.UserID)
				if e.Action != poscare.AuditLogin || e.ActorID != f.A1.UserID || e.Source != "10.0.0.1" {
					t.Fatalf("last entry %+v, want a login by A1 from 10.0.0.1", e)
				}
			})
			t.Run("WrongPasswordRefused", func(t *testing.T) {
				_, err := s.Authenticate(ctx, "agent.a1", "wrong-password-1", "10.0.0.1")
				wantCode(t, err, poscare.EUnauthenticated)
				if e := last(f.A1.UserID); e.Action != poscare.AuditLoginFailed {
					t.Fatalf("last entry %q, want %s", e.Action, poscare.AuditLoginFailed)
				}
			})
			t.Run("UnknownLoginRefused", func(t *testing.T) {
				_, err := s.Authenticate(ctx, "nobody", testPassword, "10.0.0.1")
				wantCode(t, err, poscare.EUnauthenticated)
			})
			t.Run("SetPasswordRevokesTokens", func(t *testing.T) {
				tok, err := s.IssueToken(ctx, f.Lead2.UserID)
				must(t, err)
				must(t, s.SetPassword(ctx, f.Admin, f.Lead2.UserID, "a-brand-new-secret"))
				_, err = s.ActorForToken(ctx, tok, "10.0.0.2")
				wantCode(t, err, poscare.EUnauthenticated)
				_, err = s.Authenticate(ctx, "lead2", testPassword, "10.0.0.1")
				wantCode(t, err, poscare.EUnauthenticated)
				_, err = s.Authenticate(ctx, "lead2", "a-brand-new-secret", "10.0.0.1")
				must(t, err)
			})
			t.Run("ArchivingUserRevokesTokens", func(t *testing.T) {
				tok, err := s.IssueToken(ctx, f.Tech.UserID)
				must(t, err)
				must(t, s.Archive(ctx, f.Admin, poscare.EntityUser, f.Tech.UserID, "员工离职"))
				must(t, s.Restore(ctx, f.Admin, poscare.EntityUser, f.Tech.UserID, "员工返聘"))
				_, err = s.ActorForToken(ctx, tok, "10.0.0.2")
				wantCode(t, err, poscare.EUnauthenticated)
			})
			t.Run("TokenResolvesToActor", func(t *testing.T) {
				tok, err := s.IssueToken(ctx, f.A1.UserID)
				must(t, err)
				a, err := s.ActorForToken(ctx, tok, "10.0.0.2")
				must(t, err)
				if a.UserID != f.A1.UserID || a.Role != poscare.RoleAgent || a.TeamID == nil || *a.TeamID != f.Team1 || a.Source != "10.0.0.2" {
					t.Fatalf("ActorForToken = %+v", a)
				}
				_, err = s.ActorForToken(ctx, tok+"x", "10.0.0.2")
				wantCode(t, err, poscare.EUnauthenticated)
			})
			t.Run("RevokedTokenRefused", func(t *testing.T) {
				tok, err := s.IssueToken(ctx, f.A1.UserID)
				must(t, err)
				must(t, s.RevokeToken(ctx, tok))
				_, err = s.ActorForToken(ctx, tok, "10.0.0.2")
				wantCode(t, err, poscare.EUnauthenticated)
			})
			t.Run("ExpiredTokenRefused", func(t *testing.T) {
				tok, err := s.IssueToken(ctx, f.A1.UserID)
				must(t, err)
				saved := f.Clock
				f.Clock = f.Clock.Add(sqlstore.TokenTTL + time.Second)
				_, err = s.ActorForToken(ctx, tok, "10.0.0.2")
				f.Clock = saved
				wantCode(t, err, poscare.EUnauthenticated)
			})
			t.Run("DisablingUserRevokesTokens", func(t *testing.T) {
				tok, err := s.IssueToken(ctx, f.B1.UserID)
				must(t, err)
				other, err := s.IssueToken(ctx, f.B2.UserID)
				must(t, err)
				u, err := s.GetUser(ctx, f.Admin, f.B1.UserID)
				must(t, err)
				u.Status = poscare.UserDisabled
				must(t, s.UpdateUser(ctx, f.Admin, u))
				_, err = s.ActorForToken(ctx, tok, "10.0.0.2")
				wantCode(t, err, poscare.EUnauthenticated)
				_, err = s.Authenticate(ctx, "agent.b1", testPassword, "10.0.0.1")
				wantCode(t, err, poscare.EUnauthenticated)
				// Re-enabling does not bring the old token back: it was revoked.
				u.Status = poscare.UserActive
				must(t, s.UpdateUser(ctx, f.Admin, u))
				_, err = s.ActorForToken(ctx, tok, "10.0.0.2")
				wantCode(t, err, poscare.EUnauthenticated)
				if _, err := s.ActorForToken(ctx, other, "10.0.0.2"); err != nil {
					t.Fatalf("another user's token stopped working: %v", err)
				}
			})
		})
	}
}
