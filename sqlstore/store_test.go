package sqlstore_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"poscare"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

func TestStoreMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			s, err := sqlstore.Open(ctx, dsn, testenv.Vault(t))
			must(t, err)
			t.Cleanup(func() { s.Close() })

			t.Run("CheckSchemaRefusesUnmigratedDatabase", func(t *testing.T) {
				if err := s.CheckSchema(ctx); err == nil {
					t.Fatal("CheckSchema accepted a database with no schema")
				}
			})
			t.Run("FirstMigrateAppliesEverything", func(t *testing.T) {
				n, err := s.Migrate(ctx)
				must(t, err)
				if n < 2 {
					t.Fatalf("Migrate applied %d steps on an empty database, want at least 2", n)
				}
				must(t, s.CheckSchema(ctx))
			})
			t.Run("SecondMigrateAppliesNothing", func(t *testing.T) {
				n, err := s.Migrate(ctx)
				must(t, err)
				if n != 0 {
					t.Fatalf("second Migrate applied %d steps, want 0", n)
				}
				must(t, s.CheckSchema(ctx))
			})
			t.Run("CheckSchemaRefusesNewerSchema", func(t *testing.T) {
				db := rawDB(t, dsn)
				if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', 0)"); err != nil {
					t.Fatal(err)
				}
				if err := s.CheckSchema(ctx); err == nil {
					t.Fatal("CheckSchema accepted a schema newer than the binary")
				}
			})
		})
	}
}

// dependent is one kind of record hanging off a merchant, with a way to
// get one by id and list the ids an actor sees.
type dependent struct {
	name         string
	get          func(a poscare.Actor, id int64) error
	list         func(a poscare.Actor) []int64
	team1, team2 int64 // the record of the team-1 (micro) and team-2 (enterprise) merchant
}

func dependents(f *fixture) []dependent {
	s, ctx := f.S, f.Ctx
	return []dependent{
		{"Contact", func(a poscare.Actor, id int64) error { _, err := s.GetContact(ctx, a, id); return err },
			func(a poscare.Actor) []int64 { return f.ContactIDs(a, sqlstore.ContactFilter{}) }, f.MicroContact.ID, f.EntContact.ID},
		{"Terminal", func(a poscare.Actor, id int64) error { _, err := s.GetTerminal(ctx, a, id); return err },
			f.TerminalIDs, f.MicroTerminal.ID, f.EntTerminal.ID},
		{"Application", func(a poscare.Actor, id int64) error { _, err := s.GetApplication(ctx, a, id); return err },
			func(a poscare.Actor) []int64 { return f.ApplicationIDs(a, poscare.ApplicationFilter{}) }, f.MicroApp.ID, f.EntApp.ID},
		{"Contract", func(a poscare.Actor, id int64) error { _, err := s.GetContract(ctx, a, id); return err },
			f.ContractIDs, f.MicroContract.ID, f.EntContract.ID},
	}
}

func TestStoreRowScope(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			get := func(a poscare.Actor, m *poscare.Merchant) error {
				_, err := s.GetMerchant(ctx, a, m.ID)
				return err
			}

			t.Run("AgentSeesManagedMerchant", func(t *testing.T) {
				wantCode(t, get(f.A1, f.Micro), "")
				wantCode(t, get(f.A1, f.Indiv), poscare.ENotFound)
				if got := f.MerchantIDs(f.A1, poscare.MerchantFilter{}); !sameIDs(got, ids(f.Micro.ID)) {
					t.Fatalf("A1 lists %v, want only the micro-merchant %d", got, f.Micro.ID)
				}
			})
			t.Run("BackupAgentSeesCoveredMerchant", func(t *testing.T) {
				wantCode(t, get(f.A2, f.Micro), "")
				wantCode(t, get(f.A2, f.Indiv), "")
				if got := f.MerchantIDs(f.A2, poscare.MerchantFilter{}); !sameIDs(got, ids(f.Micro.ID, f.Indiv.ID)) {
					t.Fatalf("A2 lists %v, want %v", got, ids(f.Micro.ID, f.Indiv.ID))
				}
			})
			t.Run("OtherTeamAgentGetsNotFound", func(t *testing.T) {
				wantCode(t, get(f.B1, f.Micro), poscare.ENotFound)
				wantCode(t, get(f.B1, f.Indiv), poscare.ENotFound)
				wantCode(t, get(f.B1, f.Ent), "")
				if got := f.MerchantIDs(f.B1, poscare.MerchantFilter{}); !sameIDs(got, ids(f.Ent.ID)) {
					t.Fatalf("B1 lists %v, want only the enterprise %d", got, f.Ent.ID)
				}
				// A filter cannot widen the scope.
				if got := f.MerchantIDs(f.B1, poscare.MerchantFilter{TeamID: &f.Team1}); len(got) != 0 {
					t.Fatalf("B1 filtering on team 1 lists %v, want nothing", got)
				}
			})
			for _, d := range dependents(f) {
				t.Run("OtherTeamAgentCannotSee"+d.name, func(t *testing.T) {
					wantCode(t, d.get(f.A1, d.team1), "")
					wantCode(t, d.get(f.B1, d.team1), poscare.ENotFound)
					wantCode(t, d.get(f.B1, d.team2), "")
					if got := d.list(f.B1); contains(got, d.team1) || !contains(got, d.team2) {
						t.Fatalf("B1 lists %ss %v: want %d and not %d", d.name, got, d.team2, d.team1)
					}
					if got := d.list(f.A1); !contains(got, d.team1) || contains(got, d.team2) {
						t.Fatalf("A1 lists %ss %v: want %d and not %d", d.name, got, d.team1, d.team2)
					}
				})
			}
			t.Run("OtherTeamAgentCannotWriteTeam1Records", func(t *testing.T) {
				before := f.AuditCount()
				m, err := s.GetMerchant(ctx, f.Ops, f.Micro.ID)
				must(t, err)
				m.Address = "广东省深圳市福田区深南大道1号"
				wantCode(t, s.UpdateMerchant(ctx, f.B1, m), poscare.ENotFound)
				wantCode(t, s.Archive(ctx, f.B1, poscare.EntityMerchant, f.Micro.ID, "越权归档"), poscare.ENotFound)
				wantCode(t, s.CreateContact(ctx, f.B1, &poscare.Contact{MerchantID: f.Micro.ID, Name: "冒名",
					Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: "13511112222"}}}), poscare.ENotFound)
				c, err := s.GetContact(ctx, f.Ops, f.MicroContact.ID)
				must(t, err)
				c.Name = "改名"
				wantCode(t, s.UpdateContact(ctx, f.B1, c), poscare.ENotFound)
				wantCode(t, s.Archive(ctx, f.B1, poscare.EntityContact, c.ID, "越权归档"), poscare.ENotFound)
				_, err = s.AdvanceApplication(ctx, f.B1, f.MicroApp.ID)
				wantCode(t, err, poscare.ENotFound)
				wantFields(t, s.CreateApplication(ctx, f.B1, &poscare.Application{MerchantID: f.Micro.ID}), "merchant_id")
				_, err = s.RevealMerchant(ctx, f.B1, f.Micro.ID)
				wantCode(t, err, poscare.ENotFound)
				if after := f.AuditCount(); after != before {
					t.Fatalf("refused writes left %d audit entries", after-before)
				}
			})
			t.Run("LeadSeesOwnTeamOnly", func(t *testing.T) {
				wantCode(t, get(f.Lead1, f.Micro), "")
				wantCode(t, get(f.Lead1, f.Indiv), "")
				wantCode(t, get(f.Lead1, f.Ent), poscare.ENotFound)
				if got := f.MerchantIDs(f.Lead1, poscare.MerchantFilter{}); !sameIDs(got, ids(f.Micro.ID, f.Indiv.ID)) {
					t.Fatalf("lead 1 lists %v, want team 1's %v", got, ids(f.Micro.ID, f.Indiv.ID))
				}
				for _, d := range dependents(f) {
					wantCode(t, d.get(f.Lead1, d.team1), "")
					wantCode(t, d.get(f.Lead1, d.team2), poscare.ENotFound)
					if got := d.list(f.Lead1); !contains(got, d.team1) || contains(got, d.team2) {
						t.Errorf("lead 1 lists %ss %v: want %d and not %d", d.name, got, d.team1, d.team2)
					}
				}
			})
			t.Run("MerchantUserSeesOwnMerchantOnly", func(t *testing.T) {
				wantCode(t, get(f.Owner, f.Micro), "")
				wantCode(t, get(f.Owner, f.Indiv), poscare.ENotFound)
				wantCode(t, get(f.Owner, f.Ent), poscare.ENotFound)
				if got := f.MerchantIDs(f.Owner, poscare.MerchantFilter{}); !sameIDs(got, ids(f.Micro.ID)) {
					t.Fatalf("merchant user lists %v, want only %d", got, f.Micro.ID)
				}
				for _, d := range dependents(f) {
					wantCode(t, d.get(f.Owner, d.team1), "")
					wantCode(t, d.get(f.Owner, d.team2), poscare.ENotFound)
					if got := d.list(f.Owner); !contains(got, d.team1) || contains(got, d.team2) {
						t.Errorf("merchant user lists %ss %v: want %d and not %d", d.name, got, d.team1, d.team2)
					}
				}
				if got := f.ContactIDs(f.Owner, sqlstore.ContactFilter{}); !sameIDs(got, ids(f.MicroContact.ID)) {
					t.Errorf("merchant user lists contacts %v, want only %d", got, f.MicroContact.ID)
				}
			})
			t.Run("AuditorReadsEverything", func(t *testing.T) {
				for _, m := range []*poscare.Merchant{f.Micro, f.Indiv, f.Ent} {
					wantCode(t, get(f.Auditor, m), "")
				}
				if got := f.MerchantIDs(f.Auditor, poscare.MerchantFilter{}); !sameIDs(got, ids(f.Micro.ID, f.Indiv.ID, f.Ent.ID)) {
					t.Fatalf("auditor lists %v, want all three merchants", got)
				}
				for _, d := range dependents(f) {
					wantCode(t, d.get(f.Auditor, d.team1), "")
					wantCode(t, d.get(f.Auditor, d.team2), "")
					if got := d.list(f.Auditor); !contains(got, d.team1) || !contains(got, d.team2) {
						t.Errorf("auditor lists %ss %v: want both %d and %d", d.name, got, d.team1, d.team2)
					}
				}
			})
			t.Run("AuditorWritesNothing", func(t *testing.T) {
				before := f.AuditCount()
				aud := f.Auditor
				m, err := s.GetMerchant(ctx, f.Ops, f.Micro.ID)
				must(t, err)
				c, err := s.GetContact(ctx, f.Ops, f.MicroContact.ID)
				must(t, err)
				x, err := s.GetTerminal(ctx, f.Ops, f.MicroTerminal.ID)
				must(t, err)
				app, err := s.GetApplication(ctx, f.Ops, f.MicroApp.ID)
				must(t, err)
				k, err := s.GetContract(ctx, f.Ops, f.MicroContract.ID)
				must(t, err)
				u, err := s.GetUser(ctx, f.Admin, f.A1.UserID)
				must(t, err)
				tm, err := s.GetTeam(ctx, f.Admin, f.Team1)
				must(t, err)
				writes := []struct {
					name string
					do   func() error
				}{
					{"CreateMerchant", func() error { return s.CreateMerchant(ctx, aud, f.NewMerchant()) }},
					{"CreateMerchants", func() error {
						return s.CreateMerchants(ctx, aud, []*sqlstore.MerchantImport{{Merchant: f.NewMerchant()}})
					}},
					{"UpdateMerchant", func() error { m2 := *m; m2.Address += "一楼"; return s.UpdateMerchant(ctx, aud, &m2) }},
					{"ArchiveMerchant", func() error { return s.Archive(ctx, aud, poscare.EntityMerchant, m.ID, "合规检查") }},
					{"RestoreMerchant", func() error { return s.Restore(ctx, aud, poscare.EntityMerchant, m.ID, "合规检查") }},
					{"CreateContact", func() error {
						return s.CreateContact(ctx, aud, &poscare.Contact{MerchantID: m.ID, Name: "收银员",
							Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: "13511112222"}}})
					}},
					{"UpdateContact", func() error { c2 := *c; c2.Name = "张先生"; return s.UpdateContact(ctx, aud, &c2) }},
					{"ArchiveContact", func() error { return s.Archive(ctx, aud, poscare.EntityContact, c.ID, "合规检查") }},
					{"RestoreChannel", func() error { _, err := s.RestoreChannel(ctx, aud, c.ID, c.Channels[0].ID); return err }},
					{"CreateTerminal", func() error {
						return s.CreateTerminal(ctx, aud, &poscare.Terminal{Serial: "AUDIT-0001", Model: "A920", Vendor: "百富"})
					}},
					{"UpdateTerminal", func() error { x2 := *x; x2.Model = "A930"; return s.UpdateTerminal(ctx, aud, &x2) }},
					{"ArchiveTerminal", func() error { return s.Archive(ctx, aud, poscare.EntityTerminal, x.ID, "合规检查") }},
					{"CreateApplication", func() error {
						return s.CreateApplication(ctx, aud, &poscare.Application{MerchantID: m.ID})
					}},
					{"UpdateApplication", func() error { a2 := *app; return s.UpdateApplication(ctx, aud, &a2) }},
					{"AdvanceApplication", func() error { _, err := s.AdvanceApplication(ctx, aud, app.ID); return err }},
					{"ArchiveApplication", func() error { return s.Archive(ctx, aud, poscare.EntityApplication, app.ID, "合规检查") }},
					{"CreateContract", func() error {
						k2 := *k
						k2.ID = 0
						return s.CreateContract(ctx, aud, &k2)
					}},
					{"UpdateContract", func() error { k2 := *k; k2.DepositFen = 0; return s.UpdateContract(ctx, aud, &k2) }},
					{"ArchiveContract", func() error { return s.Archive(ctx, aud, poscare.EntityContract, k.ID, "合规检查") }},
					{"CreateUser", func() error {
						return s.CreateUser(ctx, aud, &poscare.User{Login: "sneaky", Name: "某人", Role: poscare.RoleAdmin}, testPassword)
					}},
					{"UpdateUser", func() error { u2 := *u; u2.Role = poscare.RoleOps; u2.TeamID = nil; return s.UpdateUser(ctx, aud, &u2) }},
					{"SetPasswordOfAnotherUser", func() error { return s.SetPassword(ctx, aud, f.A1.UserID, "another-password-1") }},
					{"ArchiveUser", func() error { return s.Archive(ctx, aud, poscare.EntityUser, f.A1.UserID, "合规检查") }},
					{"CreateTeam", func() error { return s.CreateTeam(ctx, aud, &poscare.Team{Name: "审计组"}) }},
					{"UpdateTeam", func() error { tm2 := *tm; tm2.Name = "改名"; return s.UpdateTeam(ctx, aud, &tm2) }},
					{"ArchiveTeam", func() error { return s.Archive(ctx, aud, poscare.EntityTeam, tm.ID, "合规检查") }},
				}
				for _, w := range writes {
					t.Run(w.name, func(t *testing.T) { wantCode(t, w.do(), poscare.EForbidden) })
				}
				if after := f.AuditCount(); after != before {
					t.Fatalf("audit trail grew from %d to %d entries although every write was refused", before, after)
				}
			})
			t.Run("ScopeHoldsAgreesWithSQL", func(t *testing.T) {
				// Archive one merchant first so the check covers archived rows too.
				must(t, s.Archive(ctx, f.Ops, poscare.EntityMerchant, f.Indiv.ID, "测试归档后的可见性"))
				defer func() { must(t, s.Restore(ctx, f.Ops, poscare.EntityMerchant, f.Indiv.ID, "测试结束恢复")) }()
				var all []*poscare.Merchant
				for _, id := range []int64{f.Micro.ID, f.Indiv.ID, f.Ent.ID} {
					m, err := s.GetMerchant(ctx, f.Ops, id)
					must(t, err)
					all = append(all, m)
				}
				for _, na := range f.Actors() {
					live := f.MerchantIDs(na.Actor, poscare.MerchantFilter{})
					archived := f.MerchantIDs(na.Actor, poscare.MerchantFilter{Archived: true})
					for _, m := range all {
						holds := na.Actor.MerchantScope().Holds(m)
						_, err := s.GetMerchant(ctx, na.Actor, m.ID)
						if got := err == nil; got != holds {
							t.Errorf("%s: GetMerchant(%s) succeeded=%v (err %v) but Scope.Holds=%v", na.Name, m.LegalName, got, err, holds)
						}
						if err != nil && poscare.ErrorCode(err) != poscare.ENotFound {
							t.Errorf("%s: GetMerchant(%s) = %v, want not_found when out of scope", na.Name, m.LegalName, err)
						}
						listed := contains(live, m.ID) || contains(archived, m.ID)
						if listed != holds {
							t.Errorf("%s: ListMerchants has %s=%v but Scope.Holds=%v", na.Name, m.LegalName, listed, holds)
						}
					}
				}
			})
		})
	}
}

func TestStoreAssignment(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			load := func(a poscare.Actor, id int64) *poscare.Merchant {
				t.Helper()
				m, err := s.GetMerchant(ctx, a, id)
				must(t, err)
				return m
			}

			t.Run("AgentEditsOwnMerchant", func(t *testing.T) {
				m := load(f.A1, f.Micro.ID)
				m.Address = "广东省深圳市南山区科技园南路20号"
				must(t, s.UpdateMerchant(ctx, f.A1, m))
				if got := load(f.Ops, f.Micro.ID).Address; got != m.Address {
					t.Fatalf("address = %q, want %q", got, m.Address)
				}
			})
			t.Run("AgentCannotReassignMerchant", func(t *testing.T) {
				m := load(f.A1, f.Micro.ID)
				m.AccountManagerID, m.BackupManagerID = f.A2.UserID, ptr(f.A1.UserID)
				wantCode(t, s.UpdateMerchant(ctx, f.A1, m), poscare.EForbidden)
				m = load(f.A1, f.Micro.ID)
				m.BackupManagerID = nil
				wantCode(t, s.UpdateMerchant(ctx, f.A1, m), poscare.EForbidden)
				got := load(f.Ops, f.Micro.ID)
				if got.AccountManagerID != f.A1.UserID || got.BackupManagerID == nil || *got.BackupManagerID != f.A2.UserID {
					t.Fatalf("assignment changed to manager %d backup %v", got.AccountManagerID, got.BackupManagerID)
				}
			})
			t.Run("AgentCannotCreateMerchantManagedBySomeoneElse", func(t *testing.T) {
				before := f.MerchantIDs(f.Ops, poscare.MerchantFilter{})
				m := f.NewMerchant()
				m.AccountManagerID = f.A2.UserID
				wantCode(t, s.CreateMerchant(ctx, f.A1, m), poscare.EForbidden)
				if got := f.MerchantIDs(f.Ops, poscare.MerchantFilter{}); !sameIDs(got, before) {
					t.Fatalf("merchants changed from %v to %v", before, got)
				}
				m = f.NewMerchant()
				must(t, s.CreateMerchant(ctx, f.A1, m))
			})
			t.Run("LeadCannotMoveMerchantToAnotherTeam", func(t *testing.T) {
				m := load(f.Lead1, f.Indiv.ID)
				m.TeamID, m.AccountManagerID, m.BackupManagerID = f.Team2, f.B1.UserID, nil
				wantCode(t, s.UpdateMerchant(ctx, f.Lead1, m), poscare.EForbidden)
				if got := load(f.Ops, f.Indiv.ID); got.TeamID != f.Team1 || got.AccountManagerID != f.A2.UserID {
					t.Fatalf("merchant moved to team %d manager %d", got.TeamID, got.AccountManagerID)
				}
			})
			t.Run("LeadReassignsWithinTeam", func(t *testing.T) {
				m := load(f.Lead1, f.Indiv.ID)
				m.AccountManagerID, m.BackupManagerID = f.A1.UserID, ptr(f.A2.UserID)
				must(t, s.UpdateMerchant(ctx, f.Lead1, m))
				if got := load(f.Ops, f.Indiv.ID); got.AccountManagerID != f.A1.UserID {
					t.Fatalf("manager = %d, want A1 %d", got.AccountManagerID, f.A1.UserID)
				}
				wantCode(t, func() error { _, err := s.GetMerchant(ctx, f.A1, f.Indiv.ID); return err }(), "")
			})
		})
	}
}

func TestStoreValidation(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			type counts struct {
				merchants, contacts int
				audit               int64
			}
			count := func() counts {
				return counts{len(f.MerchantIDs(f.Ops, poscare.MerchantFilter{})), len(f.ContactIDs(f.Ops, sqlstore.ContactFilter{})), f.AuditCount()}
			}
			unchanged := func(t *testing.T, before counts) {
				t.Helper()
				if after := count(); after != before {
					t.Fatalf("something was written: before %+v, after %+v", before, after)
				}
			}
			cases := []struct {
				name   string
				make   func() *poscare.Merchant
				fields []string
			}{
				{"BadUSCCRejected", func() *poscare.Merchant { m := f.NewMerchant(); m.USCC = wrongLast(m.USCC); return m }, []string{"uscc"}},
				{"BadIDCheckDigitRejected", func() *poscare.Merchant {
					m := f.NewMicro()
					m.PrincipalIDNumber = wrongLast(m.PrincipalIDNumber)
					return m
				}, []string{"principal_id_number"}},
				{"BadLuhnCardRejected", func() *poscare.Merchant {
					m := f.NewMicro()
					m.SettlementAccount = wrongLast(m.SettlementAccount)
					return m
				}, []string{"settlement_account"}},
				{"MIDNotMatchingMCCRejected", func() *poscare.Merchant { m := f.NewMerchant(); m.MID = "102584058120009"; return m }, []string{"mid"}},
				{"EveryBadFieldReportedAtOnce", func() *poscare.Merchant {
					m := f.NewMicro()
					m.PrincipalIDNumber = wrongLast(m.PrincipalIDNumber)
					m.SettlementAccount = wrongLast(m.SettlementAccount)
					m.MID = "102584058120009"
					return m
				}, []string{"principal_id_number", "settlement_account", "mid"}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					before := count()
					wantFields(t, s.CreateMerchant(ctx, f.Ops, tc.make()), tc.fields...)
					unchanged(t, before)
				})
			}
			t.Run("ControlMerchantsAreValid", func(t *testing.T) {
				// The unbroken versions pass, so each failure above is its mutation's.
				withMID := f.NewMerchant()
				withMID.MID = "102584054990009"
				for _, m := range []*poscare.Merchant{f.NewMerchant(), f.NewMicro(), withMID} {
					if err := m.Validate(true); err != nil {
						t.Fatalf("%s: %v", m.LegalName, err)
					}
				}
			})
			t.Run("BadMobileInContactRejected", func(t *testing.T) {
				before := count()
				c := &poscare.Contact{MerchantID: f.Micro.ID, Name: "店长", Role: "manager",
					Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: "1381234567"}}}
				wantFields(t, s.CreateContact(ctx, f.A1, c), "channels")
				unchanged(t, before)
			})
			t.Run("BadMobileInUpdatedContactRejected", func(t *testing.T) {
				before := count()
				c, err := s.GetContact(ctx, f.A1, f.MicroContact.ID)
				must(t, err)
				c.Channels = append(c.Channels, poscare.Channel{Kind: poscare.ChannelPhone, Value: "23812345678"})
				wantFields(t, s.UpdateContact(ctx, f.A1, c), "channels")
				unchanged(t, before)
				got, err := s.GetContact(ctx, f.A1, f.MicroContact.ID)
				must(t, err)
				if len(got.Channels) != 3 {
					t.Fatalf("contact has %d channels, want the 3 it had", len(got.Channels))
				}
			})
			t.Run("ImportWithBadContactWritesNothing", func(t *testing.T) {
				before := count()
				err := s.CreateMerchants(ctx, f.Ops, []*sqlstore.MerchantImport{{
					Merchant: f.NewMerchant(),
					Contacts: []*poscare.Contact{{Name: "陈静", Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: "12345"}}}},
				}})
				wantFields(t, err, "channels")
				unchanged(t, before)
			})
			t.Run("ImportNamesTheBadItem", func(t *testing.T) {
				before := count()
				bad := f.NewMicro()
				bad.PrincipalIDNumber = wrongLast(bad.PrincipalIDNumber)
				err := s.CreateMerchants(ctx, f.Ops, []*sqlstore.MerchantImport{{Merchant: f.NewMerchant()}, {Merchant: bad}})
				wantFields(t, err, "1.principal_id_number")
				unchanged(t, before)
			})
		})
	}
}

func TestStoreConflicts(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			conflict := func(t *testing.T, err error, field string) {
				t.Helper()
				wantCode(t, err, poscare.EConflict)
				if e, ok := err.(*poscare.Error); !ok || e.Fields[field] == (poscare.Text{}) {
					t.Errorf("conflict %v does not name the field %q", err, field)
				}
			}
			t.Run("DuplicateUSCC", func(t *testing.T) {
				before := f.AuditCount()
				m := f.NewMerchant()
				m.USCC = entUSCC
				conflict(t, s.CreateMerchant(ctx, f.Ops, m), "uscc")
				if after := f.AuditCount(); after != before {
					t.Fatalf("audit grew from %d to %d on a refused create", before, after)
				}
			})
			t.Run("DuplicateMID", func(t *testing.T) {
				m := f.NewMerchant()
				m.MCC, m.MID = "5812", microMID
				conflict(t, s.CreateMerchant(ctx, f.Ops, m), "mid")
			})
			t.Run("DuplicateUSCCOnUpdate", func(t *testing.T) {
				m, err := s.GetMerchant(ctx, f.Ops, f.Indiv.ID)
				must(t, err)
				m.USCC = entUSCC
				conflict(t, s.UpdateMerchant(ctx, f.Ops, m), "uscc")
			})
			t.Run("DuplicateTerminalSerial", func(t *testing.T) {
				x := &poscare.Terminal{Serial: strings.ToLower(f.MicroTerminal.Serial), Model: "A920", Vendor: "百富"}
				conflict(t, s.CreateTerminal(ctx, f.Tech, x), "serial")
			})
			t.Run("DuplicateLogin", func(t *testing.T) {
				u := &poscare.User{Login: "Agent.A1", Name: "冒名者", Role: poscare.RoleTech}
				conflict(t, s.CreateUser(ctx, f.Admin, u, testPassword), "login")
			})
			t.Run("StoreWorksAfterConflicts", func(t *testing.T) {
				must(t, s.CreateMerchant(ctx, f.Ops, f.NewMerchant()))
			})
		})
	}
}

func TestStoreHasNoDeleteMethod(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeOf(&sqlstore.Store{})
	if typ.NumMethod() < 20 {
		t.Fatalf("*sqlstore.Store has only %d methods; is this the right type?", typ.NumMethod())
	}
	for i := 0; i < typ.NumMethod(); i++ {
		name := typ.Method(i).Name
		for _, word := range []string{"Delete", "Purge", "Destroy"} {
			if strings.Contains(name, word) {
				t.Errorf("*sqlstore.Store has method %s: records are archived, never deleted", name)
			}
		}
	}
}
