package sqlstore_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
)

// TestConfirmLinkOnceOnly is issue 10's confirmation link: it worked for
// seven days however often it was used (each use rewriting the
// verification time and adding an audit entry), for archived contacts
// too, and was signed with the search-index key.
func TestConfirmLinkOnceOnly(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			newContact := func(t *testing.T) *poscare.Contact {
				t.Helper()
				c := &poscare.Contact{MerchantID: w.Merchant.ID, Name: "收银员" + fmt.Sprint(fx.Seq()), Role: "cashier",
					Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fx.Mobile(fx.Seq())}}}
				if err := s.CreateContact(ctx, sys, c); err != nil {
					t.Fatal(err)
				}
				return c
			}
			link := func(c *poscare.Contact) (string, string) {
				q, _ := url.ParseQuery(s.ConfirmLink(c, time.Now().Add(7*24*time.Hour)))
				return q.Get("c"), q.Get("s")
			}
			confirms := func(t *testing.T, id int64) int {
				t.Helper()
				es, err := s.AuditEntries(ctx, poscare.AuditFilter{Entity: poscare.EntityContact, EntityID: id})
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, e := range es {
					if e.Action == "confirm" {
						n++
					}
				}
				return n
			}
			t.Run("ReplayRefused", func(t *testing.T) {
				c := newContact(t)
				lc, ls := link(c)
				first, err := s.ConfirmContact(ctx, lc, ls, "10.0.0.1")
				if err != nil || first.LastVerifiedAt == nil {
					t.Fatalf("first use: %+v %v", first, err)
				}
				// Later, the same link again: refused, with a message in both
				// languages, nothing rewritten and nothing recorded.
				s.Now = func() time.Time { return time.Now().Add(time.Hour) }
				defer func() { s.Now = time.Now }()
				_, err = s.ConfirmContact(ctx, lc, ls, "10.0.0.2")
				wantCode(t, err, poscare.EConflict)
				msg := err.(*poscare.Error).Message
				if msg.Zh == "" || msg.En == "" || msg.Zh == msg.En {
					t.Fatalf("replay message %+v, want Chinese and English", msg)
				}
				if _, err := s.LinkedContact(ctx, lc, ls); poscare.ErrorCode(err) != poscare.EConflict {
					t.Fatalf("opening a used link: %v, want conflict", err)
				}
				again, err := s.GetContact(ctx, sys, c.ID)
				if err != nil || again.LastVerifiedAt == nil || !again.LastVerifiedAt.Equal(*first.LastVerifiedAt) {
					t.Fatalf("verification time after the replay: %v, want %v (%v)", again.LastVerifiedAt, first.LastVerifiedAt, err)
				}
				if n := confirms(t, c.ID); n != 1 {
					t.Fatalf("%d confirm entries after a replay, want 1", n)
				}
				// A link made after the confirmation works, once.
				lc2, ls2 := link(again)
				if _, err := s.ConfirmContact(ctx, lc2, ls2, "10.0.0.1"); err != nil {
					t.Fatalf("a fresh link: %v", err)
				}
				_, err = s.ConfirmContact(ctx, lc2, ls2, "10.0.0.1")
				wantCode(t, err, poscare.EConflict)
			})
			t.Run("StandingClockStillOnce", func(t *testing.T) {
				// With time frozen the new verification mark must still
				// differ from the link's.
				c := newContact(t)
				frozen := time.Now()
				s.Now = func() time.Time { return frozen }
				defer func() { s.Now = time.Now }()
				lc, ls := link(c)
				if _, err := s.ConfirmContact(ctx, lc, ls, "t"); err != nil {
					t.Fatal(err)
				}
				c, _ = s.GetContact(ctx, sys, c.ID)
				lc, ls = link(c)
				if _, err := s.ConfirmContact(ctx, lc, ls, "t"); err != nil {
					t.Fatal(err)
				}
				_, err := s.ConfirmContact(ctx, lc, ls, "t")
				wantCode(t, err, poscare.EConflict)
			})
			t.Run("ArchivedContactRefused", func(t *testing.T) {
				c := newContact(t)
				lc, ls := link(c)
				if err := s.Archive(ctx, sys, poscare.EntityContact, c.ID, "联系人已离职"); err != nil {
					t.Fatal(err)
				}
				_, err := s.ConfirmContact(ctx, lc, ls, "t")
				wantCode(t, err, poscare.EInvalid)
				if _, err := s.LinkedContact(ctx, lc, ls); poscare.ErrorCode(err) != poscare.EInvalid {
					t.Fatalf("opening an archived contact's link: %v", err)
				}
				if n := confirms(t, c.ID); n != 0 {
					t.Fatalf("%d confirm entries for an archived contact", n)
				}
			})
			t.Run("IndexKeySignatureRefused", func(t *testing.T) {
				c := newContact(t)
				lc, _ := link(c)
				// The old scheme: the blind index of the message under the
				// index key; in the old form and in the new.
				old := fmt.Sprintf("%d.%d", c.ID, time.Now().Add(time.Hour).Unix())
				for _, msg := range []string{old, lc} {
					_, err := s.ConfirmContact(ctx, msg, s.Vault().BlindIndex("confirm", msg), "t")
					wantCode(t, err, poscare.EInvalid)
				}
				if n := confirms(t, c.ID); n != 0 {
					t.Fatalf("%d confirm entries from forged links", n)
				}
			})
		})
	}
}
