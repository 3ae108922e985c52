package sqlstore_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"poscare"
	"poscare/demo"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// TestBulkImportAudit imports merchants with their contacts in one call:
// each merchant gets exactly one "create" entry holding its contacts with
// their ids, the chain verifies, and an import that fails on its last
// merchant leaves neither rows nor entries behind.
func TestBulkImportAudit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			w := fx.Build(t, s)
			ops := fx.Actor(w.Users[poscare.RoleOps])
			agent := w.Users[poscare.RoleAgent].ID
			items := demo.Merchants(rand.New(rand.NewPCG(1, 2)), 300, func(int) (int64, int64, *int64) {
				return w.Team1.ID, agent, &w.Spare.ID
			})
			must(t, s.CreateMerchants(ctx, ops, items))
			must(t, s.VerifyAuditOK(ctx))
			for _, it := range []*sqlstore.MerchantImport{items[0], items[149], items[299]} {
				es, err := s.AuditEntries(ctx, poscare.AuditFilter{Entity: poscare.EntityMerchant, EntityID: it.Merchant.ID})
				must(t, err)
				if len(es) != 1 || es[0].Action != "create" {
					t.Fatalf("merchant %d has entries %+v, want one create", it.Merchant.ID, es)
				}
				var view struct {
					ID       int64 `json:"id"`
					Contacts []struct {
						ID         int64 `json:"id"`
						MerchantID int64 `json:"merchant_id"`
					} `json:"contacts"`
				}
				must(t, json.Unmarshal(es[0].After, &view))
				if view.ID != it.Merchant.ID || len(view.Contacts) != len(it.Contacts) || len(view.Contacts) == 0 {
					t.Fatalf("entry of merchant %d: %s", it.Merchant.ID, es[0].After)
				}
				for i, c := range view.Contacts {
					if c.ID != it.Contacts[i].ID || c.ID == 0 || c.MerchantID != it.Merchant.ID {
						t.Errorf("entry of merchant %d lists contact %+v, stored %d", it.Merchant.ID, c, it.Contacts[i].ID)
					}
				}
			}

			_, before, err := s.VerifyAudit(ctx)
			must(t, err)
			more := demo.Merchants(rand.New(rand.NewPCG(3, 4)), 50, func(int) (int64, int64, *int64) {
				return w.Team1.ID, agent, &w.Spare.ID
			})
			// The last merchant with a credit code takes one already stored.
			k, j := len(more)-1, 0
			for more[k].Merchant.USCC == "" {
				k--
			}
			for items[j].Merchant.USCC == "" {
				j++
			}
			more[k].Merchant.USCC = items[j].Merchant.USCC
			err = s.CreateMerchants(ctx, ops, more)
			if e, ok := err.(*poscare.Error); !ok || e.Code != poscare.EConflict {
				t.Fatalf("import with a duplicate: %v, want a conflict", err)
			}
			_, after, err := s.VerifyAudit(ctx)
			must(t, err)
			if after != before {
				t.Errorf("a failed import left %d audit entries", after-before)
			}
			if _, err := s.GetMerchant(ctx, ops, more[0].Merchant.ID); err == nil {
				t.Error("a failed import left its first merchant")
			}
		})
	}
}

// TestCheckpointerCopiesWrites: the writer leaves checkpoints to the
// store's checkpointer, so committed pages must reach the database file
// (not only the WAL) soon after a write, with the store still open.
func TestCheckpointerCopiesWrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "poscare.db")
	s := testenv.Open(t, path)
	w := fx.Build(t, s)
	size := func() int64 {
		fi, err := os.Stat(path)
		must(t, err)
		return fi.Size()
	}
	start := size()
	items := demo.Merchants(rand.New(rand.NewPCG(5, 6)), 2000, func(int) (int64, int64, *int64) {
		return w.Team1.ID, w.Users[poscare.RoleAgent].ID, nil
	})
	must(t, s.CreateMerchants(context.Background(), fx.Actor(w.Users[poscare.RoleOps]), items))
	deadline := time.Now().Add(10 * time.Second)
	for size() < start+1<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes (was %d) 10 s after importing 2,000 merchants: nothing checkpointed", size(), start)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOpenCloseAtOnce: a store closed right after it opens (a short CLI
// command) must not wait for its checkpointer forever.
func TestOpenCloseAtOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 200 {
		s, err := sqlstore.Open(context.Background(), filepath.Join(dir, "p.db"), testenv.Vault(t))
		must(t, err)
		done := make(chan error, 1)
		go func() { done <- s.Close() }()
		select {
		case err := <-done:
			must(t, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("Close of store %d did not return", i)
		}
	}
}
