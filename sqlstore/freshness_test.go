package sqlstore_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

func TestStoreContactFreshness(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := fx.Build(t, s)
			agent := fx.Actor(w.Users[poscare.RoleAgent])
			other := &poscare.Contact{MerchantID: w.OtherMerchant.ID, Name: "李老板", Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fx.Mobile(fx.Seq())}}}
			if err := s.CreateContact(ctx, poscare.SystemActor("t"), other); err != nil {
				t.Fatal(err)
			}
			// The operator set 30 days instead of the default 180: a day
			// short of it nothing is due, a day past it everything is.
			s.Policy.StaleAfter = 30 * 24 * time.Hour
			defer func() { s.Policy = poscare.DefaultContinuityPolicy }()
			s.Now = func() time.Time { return time.Now().Add(29 * 24 * time.Hour) }
			if n, err := s.SweepStaleContacts(ctx); err != nil || n != 0 {
				t.Fatalf("a day before the configured 30 days: %d tasks, %v", n, err)
			}
			later := time.Now().Add(31 * 24 * time.Hour)
			s.Now = func() time.Time { return later }
			defer func() { s.Now = time.Now }()
			t.Run("StaleContactGivesManagerATaskOnce", func(t *testing.T) {
				n, err := s.SweepStaleContacts(ctx)
				// Two contacts, and six staff reminded to check their own details.
				if err != nil || n != 8 {
					t.Fatalf("created %d: %v", n, err)
				}
				if n, _ := s.SweepStaleContacts(ctx); n != 0 {
					t.Fatalf("second sweep created %d", n)
				}
				ts, err := s.MyTasks(ctx, agent)
				ts = kind(ts, "verify_contact")
				if err != nil || len(ts) != 1 || ts[0].ContactID == nil || *ts[0].ContactID != w.Contact.ID {
					t.Fatalf("agent's tasks %+v %v", ts, err)
				}
			})
			t.Run("SignedLinkConfirms", func(t *testing.T) {
				q, _ := url.ParseQuery(s.ConfirmLink(w.Contact, later.Add(7*24*time.Hour)))
				if _, err := s.ConfirmContact(ctx, q.Get("c"), q.Get("s")+"0", "t"); poscare.ErrorCode(err) != poscare.EInvalid {
					t.Fatalf("forged link: %v", err)
				}
				expired, _ := url.ParseQuery(s.ConfirmLink(w.Contact, later.Add(-time.Hour)))
				if _, err := s.ConfirmContact(ctx, expired.Get("c"), expired.Get("s"), "t"); poscare.ErrorCode(err) != poscare.EInvalid {
					t.Fatalf("expired link: %v", err)
				}
				c, err := s.ConfirmContact(ctx, q.Get("c"), q.Get("s"), "t")
				if err != nil || c.LastVerifiedAt == nil || !c.LastVerifiedAt.Equal(later.UTC().Truncate(time.Microsecond)) {
					t.Fatalf("confirm: %+v %v", c, err)
				}
				if ts, _ := s.MyTasks(ctx, agent); len(kind(ts, "verify_contact")) != 0 {
					t.Fatalf("task still open after the merchant confirmed: %+v", ts)
				}
			})
			t.Run("PlaybookHandsOverOpenTasks", func(t *testing.T) {
				b := fx.Actor(w.AgentB)
				ts, _ := s.MyTasks(ctx, b)
				if len(ts) != 2 { // the contact to verify and B's own details
					t.Fatalf("agent B tasks: %d", len(ts))
				}
				// Team 2 has nobody else: the lead of team 1 cannot take it;
				// give B a teammate first.
				mate := &poscare.User{Login: "mate", Name: "队友", Role: poscare.RoleAgent, TeamID: &w.Team2.ID, Mobile: "13900000077"}
				if err := s.CreateUser(ctx, poscare.SystemActor("t"), mate, fx.Password); err != nil {
					t.Fatal(err)
				}
				x, err := s.DeclareIncident(ctx, poscare.SystemActor("t"), w.AgentB.ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "离职"})
				// The contact check moves; B's reminder about their own details stays with B.
				if err != nil || x.Handed.Tasks != 1 {
					t.Fatalf("declare: %+v %v", x, err)
				}
				if ts, _ := s.MyTasks(ctx, fx.Actor(mate)); len(kind(ts, "verify_contact")) != 1 {
					t.Fatalf("teammate's tasks: %d", len(ts))
				}
			})
		})
	}
}

func kind(ts []*sqlstore.Task, k string) []*sqlstore.Task {
	var out []*sqlstore.Task
	for _, x := range ts {
		if x.Kind == k {
			out = append(out, x)
		}
	}
	return out
}

// TestVerificationGoesToWhoServesNow: a stale contact of a merchant whose
// account manager cannot be reached gives the task to the backup.
func TestVerificationGoesToWhoServesNow(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := fx.Build(t, s)
			if _, err := s.SetUserStatus(ctx, poscare.SystemActor("t"), w.Users[poscare.RoleAgent].ID, poscare.StatusChange{Status: poscare.UserUnreachable, Reason: "电话停机"}); err != nil {
				t.Fatal(err)
			}
			later := time.Now().Add(200 * 24 * time.Hour)
			s.Now = func() time.Time { return later }
			defer func() { s.Now = time.Now }()
			if _, err := s.SweepStaleContacts(ctx); err != nil {
				t.Fatal(err)
			}
			ts := kind(mustTasks(t, s, fx.Actor(w.Spare)), sqlstore.TaskVerifyContact)
			if len(ts) != 1 || *ts[0].ContactID != w.Contact.ID {
				t.Fatalf("the backup's verification tasks: %+v", ts)
			}
			if got := kind(mustTasks(t, s, fx.Actor(w.Users[poscare.RoleAgent])), sqlstore.TaskVerifyContact); len(got) != 0 {
				t.Fatalf("the unreachable manager got %d", len(got))
			}
		})
	}
}
