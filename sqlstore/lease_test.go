package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// failForGood records m's last failed attempt: the row is given the
// attempts before it, as if they had failed already, and the claim's
// worker records the last one.
func failForGood(t *testing.T, s *sqlstore.Store, dsn string, m *sqlstore.Message, cause error) {
	t.Helper()
	if _, err := rawDB(t, dsn).Exec(rawSQL(dsn, "UPDATE outbox SET attempts = ? WHERE id = ?"), sqlstore.MaxAttempts-1, m.ID); err != nil {
		t.Fatal(err)
	}
	must(t, s.MessageFailed(context.Background(), m, cause))
}

// TestOutboxLeaseLost has instance A claim a message and take longer than
// its lease; instance B claims it again once the lease ran out. A's late
// outcomes (sent, failed, handed back) are refused with ErrLeaseLost and
// change nothing; B's stand, and the attempts are counted in the row.
func TestOutboxLeaseLost(t *testing.T) {
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, b := testenv.Open(t, dsn), testenv.Open(t, dsn)
			db := rawDB(t, dsn)
			t0 := time.Now().Truncate(time.Second)
			if _, err := db.Exec(rawSQL(dsn, `INSERT INTO outbox (dedupe_key, channel, address, lang, subject_msg, body_msg, status, next_attempt_at, created_at)
				VALUES ('lease:1', 'sms', '13900000001', 'zh', '通知', '正文', 'queued', ?, ?)`), t0.Add(-time.Minute).UnixMicro(), t0.Add(-time.Minute).UnixMicro()); err != nil {
				t.Fatal(err)
			}
			row := func() (status string, attempts int, lastError string) {
				t.Helper()
				if err := db.QueryRow("SELECT status, attempts, last_error FROM outbox WHERE dedupe_key = 'lease:1'").Scan(&status, &attempts, &lastError); err != nil {
					t.Fatal(err)
				}
				return
			}
			claim := func(s *sqlstore.Store, at time.Time) *sqlstore.Message {
				t.Helper()
				s.Now = func() time.Time { return at }
				ms, err := s.ClaimMessages(ctx, 10)
				if err != nil || len(ms) != 1 {
					t.Fatalf("claim at %s: %d messages, %v", at.Sub(t0), len(ms), err)
				}
				return ms[0]
			}

			// A claims; while its lease holds, B finds nothing to claim.
			ma := claim(a, t0)
			b.Now = func() time.Time { return t0.Add(sqlstore.SendLease - time.Second) }
			if ms, err := b.ClaimMessages(ctx, 10); err != nil || len(ms) != 0 {
				t.Fatalf("B claimed %d messages under A's lease: %v", len(ms), err)
			}
			// A's lease runs out; B claims the message.
			mb := claim(b, t0.Add(sqlstore.SendLease+time.Second))

			// A comes back late: every outcome it records is refused.
			a.Now = func() time.Time { return t0.Add(sqlstore.SendLease + 2*time.Second) }
			for what, err := range map[string]error{
				"sent":        a.MessageSent(ctx, ma),
				"failed":      a.MessageFailed(ctx, ma, errors.New("gateway: timeout")),
				"handed back": a.ReleaseMessages(ctx, []*sqlstore.Message{ma}),
			} {
				if !errors.Is(err, sqlstore.ErrLeaseLost) {
					t.Errorf("A's late %q: %v, want ErrLeaseLost", what, err)
				}
			}
			if st, n, le := row(); st != "sending" || n != 0 || le != "" {
				t.Fatalf("after A's late outcomes the message is %s, %d attempts, %q: B's claim was overwritten", st, n, le)
			}

			// B's outcome stands: one failed attempt, queued for a retry.
			must(t, b.MessageFailed(ctx, mb, errors.New("gateway: 503")))
			if st, n, le := row(); st != "queued" || n != 1 || le != "gateway: 503" {
				t.Fatalf("after B's failure: %s, %d attempts, %q", st, n, le)
			}
			// A claim cannot be recorded twice either: B's outcome ended it.
			if err := b.MessageSent(ctx, mb); !errors.Is(err, sqlstore.ErrLeaseLost) {
				t.Fatalf("B recorded a second outcome of one claim: %v", err)
			}
			// The retry (A's now) is claimed after its backoff and sent:
			// two attempts in all, counted in the row.
			ma = claim(a, t0.Add(sqlstore.SendLease+2*time.Minute))
			if ma.Attempts != 1 {
				t.Fatalf("the retry was claimed with %d attempts, want 1", ma.Attempts)
			}
			must(t, a.MessageSent(ctx, ma))
			if st, n, le := row(); st != "sent" || n != 2 || le != "" {
				t.Fatalf("after A's send: %s, %d attempts, %q", st, n, le)
			}
			// B's old claim, long over, can no longer touch the sent message.
			if err := b.MessageFailed(ctx, mb, errors.New("gateway: 503")); !errors.Is(err, sqlstore.ErrLeaseLost) {
				t.Fatalf("a stale claim's failure on a sent message: %v", err)
			}
			if st, n, _ := row(); st != "sent" || n != 2 {
				t.Fatalf("a stale claim changed the sent message: %s, %d attempts", st, n)
			}
		})
	}
}
