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
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.ctx
			installed := func(serial, tid string, m *poscare.Merchant, mid string) *poscare.Terminal {
				return &poscare.Terminal{Serial: serial, Model: "N910", Vendor: "新大陆", TID: tid, MerchantID: ptr(m.ID), MID: mid,
					Status: poscare.TerminalInstalled, InstallAddress: m.Address}
			}
			t.Run("MIDOfAnotherMerchantRejected", func(t *testing.T) {
				before := f.auditCount()
				wantFields(t, s.CreateTerminal(ctx, f.tech, installed("NL-N910-0001", "30000001", f.micro, entMID)), "mid")
				if f.auditCount() != before {
					t.Fatal("a refused terminal was audited")
				}
			})
			t.Run("DeployedWithoutBindingRejected", func(t *testing.T) {
				x := &poscare.Terminal{Serial: "NL-N910-0002", Model: "N910", Vendor: "新大陆", Status: poscare.TerminalActive}
				wantFields(t, s.CreateTerminal(ctx, f.tech, x), "merchant_id", "tid", "mid", "install_address")
			})
			t.Run("DuplicateTIDConflicts", func(t *testing.T) {
				wantCode(t, s.CreateTerminal(ctx, f.tech, installed("NL-N910-0003", f.microTerminal.TID, f.micro, microMID)), poscare.EConflict)
			})
			t.Run("RebindToOwnMIDAccepted", func(t *testing.T) {
				x := installed("NL-N910-0004", "30000004", f.indiv, indivMID)
				must(t, s.CreateTerminal(ctx, f.tech, x))
				got, err := s.GetTerminal(ctx, f.a2, x.ID)
				must(t, err)
				if got.MID != indivMID || got.MerchantID == nil || *got.MerchantID != f.indiv.ID || got.TID != "30000004" {
					t.Fatalf("stored terminal %+v", got)
				}
				got.MerchantID, got.MID = ptr(f.micro.ID), indivMID
				wantFields(t, s.UpdateTerminal(ctx, f.tech, got), "mid")
			})
			t.Run("AgentCannotRegisterTerminals", func(t *testing.T) {
				wantCode(t, s.CreateTerminal(ctx, f.a1, &poscare.Terminal{Serial: "NL-N910-0005", Model: "N910", Vendor: "新大陆"}), poscare.EForbidden)
			})
			t.Run("StockTerminalsHiddenFromAgents", func(t *testing.T) {
				x := &poscare.Terminal{Serial: "NL-N910-0006", Model: "N910", Vendor: "新大陆"}
				must(t, s.CreateTerminal(ctx, f.tech, x))
				_, err := s.GetTerminal(ctx, f.a1, x.ID)
				wantCode(t, err, poscare.ENotFound)
				if contains(f.terminalIDs(f.a1), x.ID) || !contains(f.terminalIDs(f.tech), x.ID) {
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
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.ctx
			t.Run("MerchantName", func(t *testing.T) {
				m := f.newMerchant()
				m.LegalName = "Lucky Coffee 幸运咖啡"
				must(t, s.CreateMerchant(ctx, f.ops, m))
				if got := f.merchantIDs(f.ops, poscare.MerchantFilter{Q: "LUCKY coffee"}); !sameIDs(got, ids(m.ID)) {
					t.Fatalf("found %v, want %d", got, m.ID)
				}
			})
			t.Run("ContactName", func(t *testing.T) {
				c := &poscare.Contact{MerchantID: f.micro.ID, Name: "Tom Lee", Role: "manager",
					Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: "13522223333"}}}
				must(t, s.CreateContact(ctx, f.a1, c))
				got := f.contactIDs(f.a1, sqlstore.ContactFilter{Q: "tom"})
				if !sameIDs(got, ids(c.ID)) {
					t.Fatalf("ListContacts Q=tom found %v, want %d (contact named %q)", got, c.ID, c.Name)
				}
			})
			t.Run("UserName", func(t *testing.T) {
				u := &poscare.User{Login: "tom.lee", Name: "Tom Lee", Role: poscare.RoleTech}
				must(t, s.CreateUser(ctx, f.admin, u, testPassword))
				us, err := s.ListUsers(ctx, f.admin, sqlstore.UserFilter{Q: "LEE"})
				must(t, err)
				if len(us) != 1 || us[0].ID != u.ID {
					t.Fatalf("ListUsers Q=LEE found %d users, want %q", len(us), u.Name)
				}
			})
		})
	}
}

func TestStoreArchivedRecordsAreFrozen(t *testing.T) {
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.ctx
			t.Run("Contact", func(t *testing.T) {
				must(t, s.Archive(ctx, f.ops, poscare.EntityContact, f.microContact.ID, "联系人离职"))
				c, err := s.GetContact(ctx, f.ops, f.microContact.ID)
				must(t, err)
				c.Name = "张先生"
				wantCode(t, s.UpdateContact(ctx, f.ops, c), poscare.EConflict)
			})
			t.Run("Terminal", func(t *testing.T) {
				must(t, s.Archive(ctx, f.ops, poscare.EntityTerminal, f.entTerminal.ID, "设备报废"))
				x, err := s.GetTerminal(ctx, f.ops, f.entTerminal.ID)
				must(t, err)
				x.Model = "A930"
				wantCode(t, s.UpdateTerminal(ctx, f.ops, x), poscare.EConflict)
			})
			t.Run("Contract", func(t *testing.T) {
				must(t, s.Archive(ctx, f.ops, poscare.EntityContract, f.entContract.ID, "合同终止"))
				k, err := s.GetContract(ctx, f.ops, f.entContract.ID)
				must(t, err)
				k.DepositFen = 0
				wantCode(t, s.UpdateContract(ctx, f.ops, k), poscare.EConflict)
			})
			t.Run("ApplicationAdvance", func(t *testing.T) {
				must(t, s.Archive(ctx, f.ops, poscare.EntityApplication, f.entApp.ID, "商户放弃进件"))
				_, err := s.AdvanceApplication(ctx, f.ops, f.entApp.ID)
				wantCode(t, err, poscare.EConflict)
			})
			t.Run("ApplicationUpdate", func(t *testing.T) {
				x, err := s.GetApplication(ctx, f.ops, f.entApp.ID)
				must(t, err)
				if x.Archived == nil {
					t.Fatal("application not archived")
				}
				x.Steps[0].ResponsibleID = f.b2.UserID
				wantCode(t, s.UpdateApplication(ctx, f.ops, x), poscare.EConflict)
			})
		})
	}
}

func TestStoreSettlementChange(t *testing.T) {
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.ctx
			t.Run("NewCardAccepted", func(t *testing.T) {
				m, err := s.GetMerchant(ctx, f.ops, f.indiv.ID)
				must(t, err)
				m.SettlementKind, m.SettlementAccount = poscare.SettleCorporate, "31050161393600001234"
				must(t, s.UpdateMerchant(ctx, f.ops, m))
				got, err := s.RevealMerchant(ctx, f.ops, f.indiv.ID)
				must(t, err)
				if got.SettlementAccount != "31050161393600001234" {
					t.Fatalf("account %q", got.SettlementAccount)
				}
			})
			t.Run("KindChangeWithoutNewAccountRejected", func(t *testing.T) {
				// The stored corporate account has no Luhn digit; calling it a
				// personal card without giving the card leaves a record that
				// breaks its own rule.
				m, err := s.GetMerchant(ctx, f.ops, f.indiv.ID)
				must(t, err)
				m.SettlementKind = poscare.SettlePersonalCard
				wantFields(t, s.UpdateMerchant(ctx, f.ops, m), "settlement_account")
			})
		})
	}
}

func TestStoreConcurrentWritesKeepAuditChain(t *testing.T) {
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.ctx
			before := f.auditCount()
			const workers, each = 8, 5
			actors := []poscare.Actor{f.ops, f.a1, f.a2, f.lead1}
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < each; i++ {
						c := &poscare.Contact{MerchantID: f.micro.ID, Name: fmt.Sprintf("店员%d-%d", w, i), Role: "cashier",
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
			if after := f.auditCount(); after != before+workers*each {
				t.Fatalf("audit has %d new entries, want %d", after-before, workers*each)
			}
			if got := len(f.contactIDs(f.ops, sqlstore.ContactFilter{MerchantID: &f.micro.ID})); got != 1+workers*each {
				t.Fatalf("micro-merchant has %d contacts, want %d", got, 1+workers*each)
			}
		})
	}
}
