package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"

	"poscare"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

func TestStoreTerminalBinding(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			installed := func(serial, tid string, m *poscare.Merchant, mid string) *poscare.Terminal {
				return &poscare.Terminal{Serial: serial, Model: "N910", Vendor: "新大陆", TID: tid, MerchantID: ptr(m.ID), MID: mid,
					Status: poscare.TerminalInstalled, InstallAddress: m.Address}
			}
			t.Run("MIDOfAnotherMerchantRejected", func(t *testing.T) {
				before := f.AuditCount()
				wantFields(t, s.CreateTerminal(ctx, f.Tech, installed("NL-N910-0001", "30000001", f.Micro, entMID)), "mid")
				if f.AuditCount() != before {
					t.Fatal("a refused terminal was audited")
				}
			})
			t.Run("DeployedWithoutBindingRejected", func(t *testing.T) {
				x := &poscare.Terminal{Serial: "NL-N910-0002", Model: "N910", Vendor: "新大陆", Status: poscare.TerminalActive}
				wantFields(t, s.CreateTerminal(ctx, f.Tech, x), "merchant_id", "tid", "mid", "install_address")
			})
			t.Run("DuplicateTIDConflicts", func(t *testing.T) {
				wantCode(t, s.CreateTerminal(ctx, f.Tech, installed("NL-N910-0003", f.MicroTerminal.TID, f.Micro, microMID)), poscare.EConflict)
			})
			t.Run("RebindToOwnMIDAccepted", func(t *testing.T) {
				x := installed("NL-N910-0004", "30000004", f.Indiv, indivMID)
				must(t, s.CreateTerminal(ctx, f.Tech, x))
				got, err := s.GetTerminal(ctx, f.A2, x.ID)
				must(t, err)
				if got.MID != indivMID || got.MerchantID == nil || *got.MerchantID != f.Indiv.ID || got.TID != "30000004" {
					t.Fatalf("stored terminal %+v", got)
				}
				got.MerchantID, got.MID = ptr(f.Micro.ID), indivMID
				wantFields(t, s.UpdateTerminal(ctx, f.Tech, got), "mid")
			})
			t.Run("AgentCannotRegisterTerminals", func(t *testing.T) {
				wantCode(t, s.CreateTerminal(ctx, f.A1, &poscare.Terminal{Serial: "NL-N910-0005", Model: "N910", Vendor: "新大陆"}), poscare.EForbidden)
			})
			t.Run("StockTerminalsHiddenFromAgents", func(t *testing.T) {
				x := &poscare.Terminal{Serial: "NL-N910-0006", Model: "N910", Vendor: "新大陆"}
				must(t, s.CreateTerminal(ctx, f.Tech, x))
				_, err := s.GetTerminal(ctx, f.A1, x.ID)
				wantCode(t, err, poscare.ENotFound)
				if contains(f.TerminalIDs(f.A1), x.ID) || !contains(f.TerminalIDs(f.Tech), x.ID) {
					t.Fatal("stock terminal visibility wrong")
				}
			})
		})
	}
}

// The same store tests run on both databases, so a search must not match
// on one and miss on the other. Merchant search already uses ILIKE on
// PostgreSQL to match SQLite's case-insensitive LIKE.
func TestStoreSearchIgnoresCaseOnEveryDatabase(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			t.Run("MerchantName", func(t *testing.T) {
				m := f.NewMerchant()
				m.LegalName = "Lucky Coffee 幸运咖啡"
				must(t, s.CreateMerchant(ctx, f.Ops, m))
				if got := f.MerchantIDs(f.Ops, poscare.MerchantFilter{Q: "LUCKY coffee"}); !sameIDs(got, ids(m.ID)) {
					t.Fatalf("found %v, want %d", got, m.ID)
				}
			})
			t.Run("ContactName", func(t *testing.T) {
				c := &poscare.Contact{MerchantID: f.Micro.ID, Name: "Tom Lee", Role: "manager",
					Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: "13522223333"}}}
				must(t, s.CreateContact(ctx, f.A1, c))
				got := f.ContactIDs(f.A1, sqlstore.ContactFilter{Q: "tom"})
				if !sameIDs(got, ids(c.ID)) {
					t.Fatalf("ListContacts Q=tom found %v, want %d (contact named %q)", got, c.ID, c.Name)
				}
			})
			t.Run("UserName", func(t *testing.T) {
				u := &poscare.User{Login: "tom.lee", Name: "Tom Lee", Role: poscare.RoleTech}
				must(t, s.CreateUser(ctx, f.Admin, u, testPassword))
				us, err := s.ListUsers(ctx, f.Admin, sqlstore.UserFilter{Q: "LEE"})
				must(t, err)
				if len(us) != 1 || us[0].ID != u.ID {
					t.Fatalf("ListUsers Q=LEE found %d users, want %q", len(us), u.Name)
				}
			})
		})
	}
}

func TestStoreArchivedRecordsAreFrozen(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			t.Run("Contact", func(t *testing.T) {
				must(t, s.Archive(ctx, f.Ops, poscare.EntityContact, f.MicroContact.ID, "联系人离职"))
				c, err := s.GetContact(ctx, f.Ops, f.MicroContact.ID)
				must(t, err)
				c.Name = "张先生"
				wantCode(t, s.UpdateContact(ctx, f.Ops, c), poscare.EConflict)
			})
			t.Run("Terminal", func(t *testing.T) {
				must(t, s.Archive(ctx, f.Ops, poscare.EntityTerminal, f.EntTerminal.ID, "设备报废"))
				x, err := s.GetTerminal(ctx, f.Ops, f.EntTerminal.ID)
				must(t, err)
				x.Model = "A930"
				wantCode(t, s.UpdateTerminal(ctx, f.Ops, x), poscare.EConflict)
			})
			t.Run("Contract", func(t *testing.T) {
				must(t, s.Archive(ctx, f.Ops, poscare.EntityContract, f.EntContract.ID, "合同终止"))
				k, err := s.GetContract(ctx, f.Ops, f.EntContract.ID)
				must(t, err)
				k.DepositFen = 0
				wantCode(t, s.UpdateContract(ctx, f.Ops, k), poscare.EConflict)
			})
			t.Run("ApplicationAdvance", func(t *testing.T) {
				must(t, s.Archive(ctx, f.Ops, poscare.EntityApplication, f.EntApp.ID, "商户放弃进件"))
				_, err := s.AdvanceApplication(ctx, f.Ops, f.EntApp.ID)
				wantCode(t, err, poscare.EConflict)
			})
			t.Run("ApplicationUpdate", func(t *testing.T) {
				x, err := s.GetApplication(ctx, f.Ops, f.EntApp.ID)
				must(t, err)
				if x.Archived == nil {
					t.Fatal("application not archived")
				}
				x.Steps[0].ResponsibleID = f.B2.UserID
				wantCode(t, s.UpdateApplication(ctx, f.Ops, x), poscare.EConflict)
			})
		})
	}
}

func TestStoreSettlementChange(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			t.Run("NewCardAccepted", func(t *testing.T) {
				m, err := s.GetMerchant(ctx, f.Ops, f.Indiv.ID)
				must(t, err)
				m.SettlementKind, m.SettlementAccount = poscare.SettleCorporate, "31050161393600001234"
				must(t, s.UpdateMerchant(ctx, f.Ops, m))
				got, err := s.RevealMerchant(ctx, f.Ops, f.Indiv.ID)
				must(t, err)
				if got.SettlementAccount != "31050161393600001234" {
					t.Fatalf("account %q", got.SettlementAccount)
				}
			})
			t.Run("KindChangeWithoutNewAccountRejected", func(t *testing.T) {
				// The stored corporate account has no Luhn digit; calling it a
				// personal card without giving the card leaves a record that
				// breaks its own rule.
				m, err := s.GetMerchant(ctx, f.Ops, f.Indiv.ID)
				must(t, err)
				m.SettlementKind = poscare.SettlePersonalCard
				wantFields(t, s.UpdateMerchant(ctx, f.Ops, m), "settlement_account")
			})
		})
	}
}

func TestStoreConcurrentWritesKeepAuditChain(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			before := f.AuditCount()
			const workers, each = 8, 5
			actors := []poscare.Actor{f.Ops, f.A1, f.A2, f.Lead1}
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < each; i++ {
						c := &poscare.Contact{MerchantID: f.Micro.ID, Name: fmt.Sprintf("店员%d-%d", w, i), Role: "cashier",
							Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: fmt.Sprintf("1370%03d%04d", w, i)}}}
						errs <- s.CreateContact(ctx, actors[w%len(actors)], c)
					}
				}(w)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				must(t, err)
			}
			if after := f.AuditCount(); after != before+workers*each {
				t.Fatalf("audit has %d new entries, want %d", after-before, workers*each)
			}
			if got := len(f.ContactIDs(f.Ops, sqlstore.ContactFilter{MerchantID: &f.Micro.ID})); got != 1+workers*each {
				t.Fatalf("micro-merchant has %d contacts, want %d", got, 1+workers*each)
			}
		})
	}
}
