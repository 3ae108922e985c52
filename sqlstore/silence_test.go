package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/continuity"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

func TestStoreSilenceAndContinuity(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			ops, lead := fx.Actor(w.Users[poscare.RoleOps]), fx.Actor(w.Users[poscare.RoleLead])
			agent := w.Users[poscare.RoleAgent]
			w.Team1.LeadID = &w.Users[poscare.RoleLead].ID
			s.UpdateTeam(ctx, sys, w.Team1)
			// Everybody has just been active.
			for _, u := range []*poscare.User{agent, w.Spare, w.AgentB, w.Users[poscare.RoleLead]} {
				if _, err := s.Authenticate(ctx, u.Login, fx.Password, "t"); err != nil {
					t.Fatal(err)
				}
			}
			t.Run("NobodySilentYet", func(t *testing.T) {
				if got, err := s.SweepSilence(ctx); err != nil || len(got) != 0 {
					t.Fatalf("marked %d: %v", len(got), err)
				}
			})
			t.Run("OnlyWritersRecordAttempts", func(t *testing.T) {
				for _, r := range []poscare.Role{poscare.RoleAuditor, poscare.RoleTech, poscare.RoleAdmin, poscare.RoleMerchant} {
					if err := s.RecordContactAttempt(ctx, fx.Actor(w.Users[r]), agent.ID, "no_answer", "只读角色"); poscare.ErrorCode(err) != poscare.EForbidden {
						t.Errorf("%s recorded an attempt: %v", r, err)
					}
				}
				if err := s.RecordContactAttempt(ctx, fx.Actor(agent), agent.ID, "no_answer", ""); poscare.ErrorCode(err) != poscare.EInvalid {
					t.Errorf("an agent recorded failing to reach themselves: %v", err)
				}
				if err := s.RecordContactAttempt(ctx, lead, agent.ID, "no_answer", strings.Repeat("长", poscare.MaxNote+1)); poscare.ErrorCode(err) != poscare.EInvalid {
					t.Errorf("a %d-character note was accepted: %v", poscare.MaxNote+1, err)
				}
				if n := count(t, s, dsn, "SELECT COUNT(*) FROM contact_attempts WHERE user_id = ?", agent.ID); n != 0 {
					t.Fatalf("%d attempts stored by refused calls", n)
				}
			})
			t.Run("OneColleagueAloneCannotMarkUnreachable", func(t *testing.T) {
				for _, o := range []string{"no_answer", "no_answer", "disconnected", "blocked"} {
					if err := s.RecordContactAttempt(ctx, lead, agent.ID, o, "打了四次"); err != nil {
						t.Fatal(err)
					}
				}
				if got, err := s.SweepSilence(ctx); err != nil || len(got) != 0 {
					t.Fatalf("four attempts by one lead marked %+v: %v", got, err)
				}
			})
			t.Run("FailedAttemptsMarkUnreachable", func(t *testing.T) {
				// Two more colleagues: three people in all.
				for _, by := range []poscare.Actor{fx.Actor(w.Spare), ops} {
					if err := s.RecordContactAttempt(ctx, by, agent.ID, "no_answer", "也没打通"); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.RecordContactAttempt(ctx, lead, agent.ID, "gone", ""); poscare.ErrorCode(err) != poscare.EInvalid {
					t.Fatalf("bad outcome: %v", err)
				}
				// SMS and WeChat gateways are configured: alerts go to
				// phones and WeChat as well.
				s.AlertChannels = []string{"email", "sms", "wechat"}
				leadUser := w.Users[poscare.RoleLead]
				leadUser.WeChat = "lead_team1"
				must(t, s.UpdateUser(ctx, sys, leadUser))
				defer func() { s.AlertChannels = []string{"email"} }()
				got, err := s.SweepSilence(ctx)
				if err != nil || len(got) != 1 || got[0].User.ID != agent.ID || got[0].ColleaguesFailed != 3 {
					t.Fatalf("sweep: %+v %v", got, err)
				}
				if n := countRendered(t, dsn, "SELECT body_msg, lang FROM outbox WHERE channel = 'sms' AND address = ?", "疑似失联", leadUser.Mobile); n != 1 {
					t.Errorf("%d SMS alerts to the lead's mobile, want 1", n)
				}
				if n := count(t, s, dsn, "SELECT COUNT(*) FROM outbox WHERE channel = 'wechat' AND address = ?", leadUser.WeChat); n != 1 {
					t.Errorf("%d WeChat alerts to the lead, want 1", n)
				}
				if n := count(t, s, dsn, "SELECT COUNT(*) FROM outbox WHERE address = ?", agent.Mobile); n != 0 {
					t.Errorf("the silent agent was alerted about themselves %d times", n)
				}
				if n := count(t, s, dsn, "SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND address = ?", sqlstore.DefaultServiceCentre.Email); n != 1 {
					t.Errorf("%d email alerts to the service centre, want 1", n)
				}
				u, _ := s.GetUser(ctx, sys, agent.ID)
				if u.Status != poscare.UserUnreachable || !strings.Contains(u.StatusReason, "近 2 天有 3 位同事联系未果") || strings.Contains(u.StatusReason, "逾期") {
					t.Fatalf("status %s %q: the reason must name the signal that crossed, and only that", u.Status, u.StatusReason)
				}
				sc, _ := s.ServiceContact(ctx, ops, w.Merchant.ID)
				if sc.Via != poscare.ViaBackup {
					t.Fatalf("service contact %s, want backup", sc.Via)
				}
				if again, _ := s.SweepSilence(ctx); len(again) != 0 {
					t.Fatal("marked twice")
				}
			})
			t.Run("InactivityThresholdIsConfigurable", func(t *testing.T) {
				s.Policy.SilentDays = 10
				defer func() { s.Policy = poscare.DefaultContinuityPolicy }()
				s.Now = func() time.Time { return time.Now().AddDate(0, 0, 4) }
				defer func() { s.Now = time.Now }()
				if got, err := s.SweepSilence(ctx); err != nil || len(got) != 0 {
					t.Fatalf("four quiet days with a 10-day policy marked %d: %v", len(got), err)
				}
			})
			t.Run("InactivityMarksUnreachable", func(t *testing.T) {
				s.Now = func() time.Time { return time.Now().AddDate(0, 0, 4) }
				defer func() { s.Now = time.Now }()
				got, err := s.SweepSilence(ctx)
				if err != nil || len(got) < 2 {
					t.Fatalf("after four quiet days: %+v %v", got, err)
				}
				for _, si := range got {
					if why := si.Crossed(s.Policy); !strings.Contains(why.Zh, "4 天无活动") || !strings.Contains(why.En, "no activity for 4 days") {
						t.Errorf("%s: reason %+v", si.User.Login, why)
					}
				}
			})
			t.Run("DashboardShowsTheGaps", func(t *testing.T) {
				c, err := s.ContinuityStatus(ctx, ops)
				if err != nil {
					t.Fatal(err)
				}
				if len(c.Unreachable) < 2 || c.ToCentre == 0 {
					t.Fatalf("continuity %+v", c)
				}
				if _, err := s.ContinuityStatus(ctx, fx.Actor(agent)); poscare.ErrorCode(err) != poscare.EForbidden {
					t.Fatalf("agent saw the dashboard: %v", err)
				}
			})
			t.Run("LastCoverCannotLeave", func(t *testing.T) {
				for _, u := range []int64{agent.ID, w.Spare.ID, w.Users[poscare.RoleLead].ID} {
					s.SetUserStatus(ctx, sys, u, poscare.StatusChange{Status: poscare.UserActive, Reason: "已联系上"})
				}
				until := poscare.Date("2030-02-01")
				if _, err := s.SetUserStatus(ctx, ops, agent.ID, poscare.StatusChange{Status: poscare.UserOnLeave, Reason: "产假", CoverID: &w.Spare.ID, AwayUntil: &until}); err != nil {
					t.Fatal(err)
				}
				_, err := s.SetUserStatus(ctx, ops, w.Spare.ID, poscare.StatusChange{Status: poscare.UserOnLeave, Reason: "年假", CoverID: &w.Users[poscare.RoleLead].ID, AwayUntil: &until})
				if poscare.ErrorCode(err) != poscare.EConflict {
					t.Fatalf("the cover went on leave: %v", err)
				}
				s.SetUserStatus(ctx, sys, w.AgentB.ID, poscare.StatusChange{Status: poscare.UserActive, Reason: "已联系上"})
				c, _ := s.ContinuityStatus(ctx, ops)
				found := false
				for _, u := range c.WithoutBackup {
					found = found || u.ID == w.AgentB.ID
				}
				if !found {
					t.Fatalf("agent B (no backup) not listed: %+v", c.WithoutBackup)
				}
			})
		})
	}
}

// countRendered counts the rows of q, each a stored message and the row's
// language, whose message put into words in that language contains want.
func countRendered(t testing.TB, dsn, q, want string, args ...any) int {
	t.Helper()
	rows, err := rawDB(t, dsn).Query(rawSQL(dsn, q), args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var msg, lang string
		if err := rows.Scan(&msg, &lang); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(poscare.DecodeMsg(msg).In(lang), want) {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEverySignalIsCounted: each silence signal registered with
// continuity has the query that loads its count (but inactivity, read
// from the person's row), so none silently counts 0.
func TestEverySignalIsCounted(t *testing.T) {
	t.Parallel()
	if missing := sqlstore.UncountedSignals(); len(missing) > 0 {
		t.Fatalf("silence signals without a count in storage: %v", missing)
	}
}

// A capability's own silence signal (here: times a person was flagged,
// kept as contact attempts of a kind of their own), registered with
// continuity and counted by a query of its own, marks people through the
// sweep and shows on the dashboard, with no change to either.
const flagged = "test_flagged"

var _ = poscare.Register(map[string]poscare.Text{"silence.signal.test_flagged": {Zh: "被标记 {n} 次", En: "flagged {n} times"}})

var _ = continuity.RegisterSignal(continuity.Signal{Name: flagged,
	Threshold: func(poscare.ContinuityPolicy) int { return 2 },
	Says: func(n int, _ poscare.ContinuityPolicy) poscare.Msg {
		return poscare.M("silence.signal.test_flagged", "n", n)
	}})

var _ = sqlstore.RegisterSignalCount(flagged, "SELECT user_id, COUNT(*) AS n FROM contact_attempts WHERE outcome = '"+flagged+"' GROUP BY user_id")

func TestSweepWeighsARegisteredSignal(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			agent, ops := w.Users[poscare.RoleAgent], w.Users[poscare.RoleOps]
			for _, u := range []*poscare.User{agent, w.Spare, w.AgentB, w.Users[poscare.RoleLead]} {
				if _, err := s.Authenticate(ctx, u.Login, fx.Password, "t"); err != nil {
					t.Fatal(err)
				}
			}
			flag := func() {
				t.Helper()
				if _, err := rawDB(t, dsn).Exec(rawSQL(dsn, "INSERT INTO contact_attempts (user_id, by_id, outcome, notes, at) VALUES (?, ?, ?, '', ?)"),
					agent.ID, ops.ID, flagged, time.Now().UnixMicro()); err != nil {
					t.Fatal(err)
				}
			}
			flag()
			if got, err := s.SweepSilence(ctx); err != nil || len(got) != 0 {
				t.Fatalf("flagged once, under the signal's threshold of 2: marked %d, %v", len(got), err)
			}
			flag()
			got, err := s.SweepSilence(ctx)
			if err != nil || len(got) != 1 || got[0].User.ID != agent.ID || got[0].Readings[flagged] != 2 {
				t.Fatalf("flagged twice: %+v %v", got, err)
			}
			if why := got[0].Crossed(s.Policy); why.Zh != "系统检测：被标记 2 次" || why.En != "detected: flagged 2 times" {
				t.Errorf("reason %+v", why)
			}
			u, _ := s.GetUser(ctx, poscare.SystemActor("t"), agent.ID)
			if u.Status != poscare.UserUnreachable || u.StatusReason != "系统检测：被标记 2 次" {
				t.Errorf("status %s %q", u.Status, u.StatusReason)
			}
			c, err := s.ContinuityStatus(ctx, fx.Actor(ops))
			must(t, err)
			if len(c.Unreachable) != 1 || c.Unreachable[0].Readings[flagged] != 2 {
				t.Errorf("dashboard: %+v", c.Unreachable)
			}
		})
	}
}
