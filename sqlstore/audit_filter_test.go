package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/sqlstore"
)

func TestSearchAudit(t *testing.T) {
	t.Parallel()
	for name, sd := range storeDSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := sd.s
			f := newFixture(t, s)
			ctx := f.Ctx
			late := t0.Add(48 * time.Hour)
			for i := range 5 {
				f.Clock = late.Add(time.Duration(i) * time.Minute)
				c := &poscare.Contact{MerchantID: f.Micro.ID, Name: fmt.Sprintf("收银员%d", i), Role: "cashier",
					Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fmt.Sprintf("135%08d", i)}}}
				must(t, s.CreateContact(ctx, f.A1, c))
			}
			t.Run("FiltersCombine", func(t *testing.T) {
				es, total, err := s.SearchAudit(ctx, sqlstore.AuditQuery{ActorLogin: f.A1.Login, Action: "create", Entity: poscare.EntityContact,
					From: late, To: late.Add(3 * time.Minute), Limit: 2})
				must(t, err)
				if total != 3 || len(es) != 2 {
					t.Fatalf("got %d of %d entries, want 2 of 3", len(es), total)
				}
				for _, e := range es {
					if e.ActorLogin != f.A1.Login || e.Action != "create" || e.Entity != poscare.EntityContact || e.At.Before(late) {
						t.Errorf("entry %+v does not match the filter", e)
					}
				}
				if es[0].Seq < es[1].Seq {
					t.Errorf("entries not newest first: %d then %d", es[0].Seq, es[1].Seq)
				}
			})
			t.Run("PagesThroughTheWholeTrail", func(t *testing.T) {
				_, total, err := s.SearchAudit(ctx, sqlstore.AuditQuery{})
				must(t, err)
				seen := map[int64]bool{}
				for off := 0; off < total; off += 7 {
					es, _, err := s.SearchAudit(ctx, sqlstore.AuditQuery{Limit: 7, Offset: off})
					must(t, err)
					for _, e := range es {
						seen[e.Seq] = true
					}
				}
				if len(seen) != total {
					t.Fatalf("paging saw %d distinct entries of %d", len(seen), total)
				}
			})
			t.Run("MerchantHistoryHoldsItsRecords", func(t *testing.T) {
				es, total, err := s.SearchAudit(ctx, sqlstore.AuditQuery{OfMerchant: f.Micro.ID})
				must(t, err)
				kinds := map[string]bool{}
				for _, e := range es {
					kinds[e.Entity] = true
				}
				if !kinds[poscare.EntityMerchant] || !kinds[poscare.EntityContact] || total != len(es) {
					t.Fatalf("the micro-merchant's history holds %v (%d of %d), want its own and its contacts' entries", kinds, len(es), total)
				}
				other, _, err := s.SearchAudit(ctx, sqlstore.AuditQuery{OfMerchant: f.Ent.ID})
				must(t, err)
				for _, e := range other {
					if e.Entity == poscare.EntityContact && e.EntityID == f.MicroContact.ID {
						t.Fatalf("another merchant's history holds the micro-merchant's contact")
					}
				}
			})
			t.Run("IncidentHistoryHoldsItsChanges", func(t *testing.T) {
				// The micro-merchant's entries do not name an incident.
				es, total, err := s.SearchAudit(ctx, sqlstore.AuditQuery{OfIncident: 1})
				must(t, err)
				for _, e := range es {
					if e.Entity != poscare.EntityIncident && !strings.Contains(string(e.After), `"incident_id":1`) {
						t.Errorf("incident 1's history holds %s %d: %s", e.Entity, e.EntityID, e.After)
					}
				}
				_ = total
			})
			t.Run("RecordNamesInOneBatch", func(t *testing.T) {
				names, err := s.RecordNames(ctx, poscare.EntityMerchant, []int64{f.Micro.ID, 999999})
				must(t, err)
				if names[f.Micro.ID] != f.Micro.LegalName || len(names) != 1 {
					t.Fatalf("names = %v, want only %q", names, f.Micro.LegalName)
				}
				users, err := s.RecordNames(ctx, poscare.EntityUser, []int64{f.A1.UserID})
				must(t, err)
				if users[f.A1.UserID] == "" {
					t.Fatalf("no name for user %d", f.A1.UserID)
				}
			})
		})
	}
}
