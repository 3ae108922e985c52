package notify_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"poscare/internal/testenv"
	"poscare/notify"
	"poscare/sqlstore"
)

// channelFunc is a channel that runs a function for every message.
type channelFunc func(context.Context, *sqlstore.Message) error

func (f channelFunc) Send(ctx context.Context, m *sqlstore.Message) error { return f(ctx, m) }

// TestWorkerOutlastsItsLease has a worker's send last past its lease,
// during which another instance claims the message again: the worker
// records neither a delivery nor a failure, returns no error and logs that
// it lost the message; the other instance's claim is untouched and its
// outcome stands.
func TestWorkerOutlastsItsLease(t *testing.T) {
	for name, dsn := range testenv.DSNs(t) {
		for i, outcome := range []error{nil, errors.New("gateway: timeout")} {
			t.Run(fmt.Sprintf("%s/%v", name, outcome), func(t *testing.T) {
				ctx := context.Background()
				a, b := testenv.Open(t, dsn), testenv.Open(t, dsn)
				driver, src := "pgx", dsn
				if sqlstore.DialectOf(dsn) == sqlstore.SQLite {
					driver, src = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
				}
				raw, err := sql.Open(driver, src)
				if err != nil {
					t.Fatal(err)
				}
				defer raw.Close()
				bind := func(q string) string {
					if driver == "sqlite" {
						return q
					}
					n := 0
					return regexp.MustCompile(`\?`).ReplaceAllStringFunc(q, func(string) string { n++; return fmt.Sprintf("$%d", n) })
				}
				// One database for both cases: A's message is the only one due.
				key := fmt.Sprintf("slow:%d", i)
				due := time.Now().Add(-time.Minute).UnixMicro()
				if _, err := raw.Exec(bind(`INSERT INTO outbox (dedupe_key, channel, address, lang, subject_msg, body_msg, status, next_attempt_at, created_at)
					VALUES (?, 'sms', '13900000001', 'zh', '通知', '正文', 'queued', ?, ?)`), key, due, due); err != nil {
					t.Fatal(err)
				}
				row := func() (status string, attempts int) {
					t.Helper()
					if err := raw.QueryRow(bind("SELECT status, attempts FROM outbox WHERE dedupe_key = ?"), key).Scan(&status, &attempts); err != nil {
						t.Fatal(err)
					}
					return
				}
				// While A's send is under way its lease runs out (B lives
				// past it) and B claims the message.
				b.Now = func() time.Time { return time.Now().Add(sqlstore.SendLease + time.Second) }
				var taken []*sqlstore.Message
				slow := channelFunc(func(ctx context.Context, m *sqlstore.Message) error {
					var err error
					taken, err = b.ClaimMessages(ctx, 10)
					if err != nil || len(taken) != 1 {
						t.Errorf("B claimed %d messages: %v", len(taken), err)
					}
					return outcome
				})
				var log bytes.Buffer
				worker := &notify.Worker{Store: a, Channels: map[string]notify.Channel{"sms": slow}, Logger: slog.New(slog.NewTextHandler(&log, nil))}
				sent, failed, err := worker.RunOnce(ctx)
				if err != nil || sent != 0 || failed != 0 {
					t.Fatalf("A's late outcome: sent %d, failed %d, %v", sent, failed, err)
				}
				if !strings.Contains(log.String(), "another worker holds it") {
					t.Errorf("the lost lease is not logged:\n%s", log.String())
				}
				if st, n := row(); st != "sending" || n != 0 {
					t.Fatalf("after A's late outcome the message is %s after %d attempts: B's claim was overwritten", st, n)
				}
				if len(taken) == 1 {
					if err := b.MessageSent(ctx, taken[0]); err != nil {
						t.Fatal(err)
					}
					if st, n := row(); st != "sent" || n != 1 {
						t.Fatalf("after B's delivery: %s after %d attempts", st, n)
					}
				}
			})
		}
	}
}
