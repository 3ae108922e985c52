package sqlstore_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

func TestStoreSensitiveFields(t *testing.T) {
	t.Parallel()
	for name, sd := range storeDSNs(t) {
		t.Run(name, func(t *testing.T) {
			s := sd.s
			f := newFixture(t, s)
			ctx := f.Ctx
			db := rawDB(t, sd.dsn)
			secrets := []string{f.MicroID, f.MicroCard, f.IndivID, f.IndivCard, f.EntAccount}

			t.Run("PlaintextNowhereInDatabase", func(t *testing.T) {
				tables := rawTables(t, db, s.Dialect())
				for _, want := range []string{"merchants", "audit_log", "contacts"} {
					found := false
					for _, tb := range tables {
						found = found || tb == want
					}
					if !found {
						t.Fatalf("table %s not among %v: the scan would prove nothing", want, tables)
					}
				}
				for _, tb := range tables {
					if hits := findInTable(t, db, tb, secrets...); len(hits) > 0 {
						t.Errorf("plaintext stored: %v", hits)
					}
				}
				// The scan does find what is there: the masked forms are stored.
				if hits := findInTable(t, db, "merchants", poscare.MaskIDNumber(f.MicroID)); len(hits) == 0 {
					t.Fatal("the raw scan does not even find the masked ID number; it cannot be trusted")
				}
			})
			t.Run("CreateReturnsMaskedValues", func(t *testing.T) {
				if f.Micro.PrincipalIDNumber != "" || f.Micro.SettlementAccount != "" {
					t.Fatal("CreateMerchant left clear sensitive values in the merchant it returned")
				}
				if got, want := f.Micro.PrincipalIDMasked, poscare.MaskIDNumber(f.MicroID); got != want {
					t.Errorf("PrincipalIDMasked = %q, want %q", got, want)
				}
				if got, want := f.Micro.SettlementMasked, poscare.MaskAccount(f.MicroCard); got != want {
					t.Errorf("SettlementMasked = %q, want %q", got, want)
				}
			})
			t.Run("GetReturnsMaskedValuesOnly", func(t *testing.T) {
				m, err := s.GetMerchant(ctx, f.A1, f.Micro.ID)
				must(t, err)
				if m.PrincipalIDNumber != "" || m.SettlementAccount != "" {
					t.Fatalf("GetMerchant returned clear values %q %q", m.PrincipalIDNumber, m.SettlementAccount)
				}
				if m.PrincipalIDMasked != poscare.MaskIDNumber(f.MicroID) || m.SettlementMasked != poscare.MaskAccount(f.MicroCard) {
					t.Fatalf("masked values %q %q", m.PrincipalIDMasked, m.SettlementMasked)
				}
			})
			t.Run("RevealReturnsClearValuesAndIsAudited", func(t *testing.T) {
				before := f.AuditCount()
				got, err := s.RevealMerchant(ctx, f.A1, f.Micro.ID)
				must(t, err)
				if got.PrincipalIDNumber != f.MicroID || got.SettlementAccount != f.MicroCard || got.MerchantID != f.Micro.ID {
					t.Fatalf("RevealMerchant = %+v, want %s / %s", got, f.MicroID, f.MicroCard)
				}
				if after := f.AuditCount(); after != before+1 {
					t.Fatalf("audit grew by %d entries, want 1", after-before)
				}
				e := f.LastEntry(poscare.EntityMerchant, f.Micro.ID)
				if e.Action != poscare.AuditView || e.ActorID != f.A1.UserID {
					t.Fatalf("last merchant entry is %s by %d, want %s by A1 %d", e.Action, e.ActorID, poscare.AuditView, f.A1.UserID)
				}
				for _, secret := range secrets {
					if strings.Contains(string(e.After), secret) {
						t.Fatal("the view_sensitive entry holds the clear value")
					}
				}
			})
			t.Run("RevealWithoutPermissionForbidden", func(t *testing.T) {
				before := f.AuditCount()
				for _, a := range []poscare.Actor{f.Tech, f.Admin, f.Owner} {
					_, err := s.RevealMerchant(ctx, a, f.Micro.ID)
					wantCode(t, err, poscare.EForbidden)
				}
				_, err := s.RevealMerchant(ctx, f.B1, f.Micro.ID)
				wantCode(t, err, poscare.ENotFound)
				if after := f.AuditCount(); after != before {
					t.Fatalf("refused reveals wrote %d audit entries", after-before)
				}
			})
			t.Run("SearchByIDNumberUsesBlindIndex", func(t *testing.T) {
				if got := f.MerchantIDs(f.Ops, poscare.MerchantFilter{Q: f.MicroID}); !sameIDs(got, ids(f.Micro.ID)) {
					t.Fatalf("search by ID number found %v, want %d", got, f.Micro.ID)
				}
				if got := f.MerchantIDs(f.Ops, poscare.MerchantFilter{Q: f.IndivID}); !sameIDs(got, ids(f.Indiv.ID)) {
					t.Fatalf("search by ID number found %v, want %d", got, f.Indiv.ID)
				}
				if got := f.MerchantIDs(f.B1, poscare.MerchantFilter{Q: f.MicroID}); len(got) != 0 {
					t.Fatalf("B1 found %v by a team-1 ID number", got)
				}
			})
			t.Run("SearchByIDNumberThatAlsoPassesUSCCCheck", func(t *testing.T) {
				// About one ID number in 340 is also a well-formed USCC (both
				// check characters happen to agree). It is still an ID number.
				id := "440305198506191171"
				if !poscare.ValidResidentID(id) || !poscare.ValidUSCC(id) {
					t.Fatalf("%s is not both an ID number and a USCC", id)
				}
				m := f.NewMicro()
				m.PrincipalIDNumber = id
				must(t, s.CreateMerchant(ctx, f.A1, m))
				if got := f.MerchantIDs(f.Ops, poscare.MerchantFilter{Q: id}); !sameIDs(got, ids(m.ID)) {
					t.Fatalf("search by ID number %s found %v, want %d", id, got, m.ID)
				}
			})
			t.Run("UpdatedSecretsStaySealed", func(t *testing.T) {
				newCard := bankCard(t, "623668123456789")
				m, err := s.GetMerchant(ctx, f.A1, f.Micro.ID)
				must(t, err)
				m.SettlementAccount = newCard
				must(t, s.UpdateMerchant(ctx, f.A1, m))
				if m.SettlementAccount != "" || m.SettlementMasked != poscare.MaskAccount(newCard) {
					t.Fatalf("after update: account %q masked %q", m.SettlementAccount, m.SettlementMasked)
				}
				got, err := s.RevealMerchant(ctx, f.Ops, f.Micro.ID)
				must(t, err)
				if got.SettlementAccount != newCard || got.PrincipalIDNumber != f.MicroID {
					t.Fatalf("reveal after update = %+v", got)
				}
				for _, tb := range rawTables(t, db, s.Dialect()) {
					if hits := findInTable(t, db, tb, newCard); len(hits) > 0 {
						t.Errorf("plaintext stored: %v", hits)
					}
				}
			})
		})
	}
}

func TestStoreArchive(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			id := f.Indiv.ID

			t.Run("ArchiveNeedsReason", func(t *testing.T) {
				before := f.AuditCount()
				wantFields(t, s.Archive(ctx, f.Ops, poscare.EntityMerchant, id, ""), "reason")
				wantFields(t, s.Archive(ctx, f.Ops, poscare.EntityMerchant, id, " 停 "), "reason")
				if after := f.AuditCount(); after != before {
					t.Fatal("a refused archive was audited")
				}
				if m, err := s.GetMerchant(ctx, f.Ops, id); err != nil || m.Archived != nil {
					t.Fatalf("merchant archived without a reason: %v %v", m, err)
				}
			})
			t.Run("ArchivedMerchantHiddenFromDefaultList", func(t *testing.T) {
				f.Clock = t0.Add(time.Hour)
				must(t, s.Archive(ctx, f.Ops, poscare.EntityMerchant, id, "商户已停业"))
				for _, a := range []poscare.Actor{f.Ops, f.A2, f.Lead1} {
					if got := f.MerchantIDs(a, poscare.MerchantFilter{}); contains(got, id) {
						t.Errorf("%s still lists the archived merchant: %v", a.Login, got)
					}
					if got := f.MerchantIDs(a, poscare.MerchantFilter{Archived: true}); !sameIDs(got, ids(id)) {
						t.Errorf("%s archived list = %v, want %d", a.Login, got, id)
					}
				}
				m, err := s.GetMerchant(ctx, f.A2, id)
				must(t, err)
				if m.Archived == nil || m.Archived.Reason != "商户已停业" || m.Archived.ByID != f.Ops.UserID || !m.Archived.At.Equal(f.Clock) {
					t.Fatalf("Archived = %+v", m.Archived)
				}
			})
			t.Run("ArchivedMerchantCannotBeEdited", func(t *testing.T) {
				m, err := s.GetMerchant(ctx, f.Ops, id)
				must(t, err)
				m.Address = "上海市徐汇区漕溪北路90号"
				wantCode(t, s.UpdateMerchant(ctx, f.Ops, m), poscare.EConflict)
			})
			t.Run("DoubleArchiveConflicts", func(t *testing.T) {
				wantCode(t, s.Archive(ctx, f.Ops, poscare.EntityMerchant, id, "再次归档"), poscare.EConflict)
			})
			t.Run("RestoreBringsItBack", func(t *testing.T) {
				f.Clock = t0.Add(2 * time.Hour)
				must(t, s.Restore(ctx, f.Ops, poscare.EntityMerchant, id, "商户恢复营业"))
				if got := f.MerchantIDs(f.A2, poscare.MerchantFilter{}); !contains(got, id) {
					t.Fatalf("restored merchant not listed: %v", got)
				}
				if got := f.MerchantIDs(f.Ops, poscare.MerchantFilter{Archived: true}); len(got) != 0 {
					t.Fatalf("archived list after restore = %v", got)
				}
				m, err := s.GetMerchant(ctx, f.Ops, id)
				must(t, err)
				if m.Archived != nil {
					t.Fatalf("Archived = %+v after restore", m.Archived)
				}
				wantCode(t, s.Restore(ctx, f.Ops, poscare.EntityMerchant, id, "再次恢复"), poscare.EConflict)
			})
			t.Run("HistoryShowsCreateArchiveRestore", func(t *testing.T) {
				got := f.History(poscare.EntityMerchant, id)
				want := []string{"create", "archive", "restore"}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("history = %v, want %v", got, want)
				}
			})
			t.Run("OutOfScopeArchiveNotFound", func(t *testing.T) {
				wantCode(t, s.Archive(ctx, f.B1, poscare.EntityMerchant, id, "越权归档"), poscare.ENotFound)
			})
			t.Run("AgentCannotRestoreWhatTheyCannotSee", func(t *testing.T) {
				must(t, s.Archive(ctx, f.Ops, poscare.EntityContact, f.EntContact.ID, "联系人离职"))
				wantCode(t, s.Restore(ctx, f.A1, poscare.EntityContact, f.EntContact.ID, "越权恢复"), poscare.ENotFound)
				if got := f.ContactIDs(f.B1, sqlstore.ContactFilter{Archived: true}); !sameIDs(got, ids(f.EntContact.ID)) {
					t.Fatalf("B1 archived contacts = %v", got)
				}
				must(t, s.Restore(ctx, f.B1, poscare.EntityContact, f.EntContact.ID, "联系人回归"))
			})
		})
	}
}

func TestStoreContactChannels(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			id := f.MicroContact.ID
			load := func() *poscare.Contact {
				t.Helper()
				c, err := s.GetContact(ctx, f.A1, id)
				must(t, err)
				return c
			}
			values := func(chs []poscare.Channel) []string {
				var out []string
				for _, ch := range chs {
					out = append(out, string(ch.Kind)+":"+ch.Value)
				}
				return out
			}
			orig := load()
			var mobile poscare.Channel
			for _, ch := range orig.Channels {
				if ch.Value == microPhone {
					mobile = ch
				}
			}
			if mobile.ID == 0 {
				t.Fatalf("fixture contact has no mobile: %v", values(orig.Channels))
			}
			without := func() []poscare.Channel {
				var keep []poscare.Channel
				for _, ch := range orig.Channels {
					if ch.ID != mobile.ID {
						keep = append(keep, poscare.Channel{Kind: ch.Kind, Value: ch.Value})
					}
				}
				return keep
			}

			t.Run("DroppedPhoneKeptAsRemoved", func(t *testing.T) {
				f.Clock = t0.Add(time.Hour)
				c := load()
				c.Channels, c.Name = without(), "王老板（新）"
				// Without a reason nothing is removed, nor anything else
				// changed.
				wantFields(t, s.UpdateContact(ctx, f.A1, c), "reason")
				if got := load(); len(got.Channels) != 3 || len(got.RemovedChannels) != 0 || got.Name == "王老板（新）" {
					t.Fatalf("refused update wrote: %s, live %v removed %v", got.Name, values(got.Channels), values(got.RemovedChannels))
				}
				c = load()
				c.Channels, c.Reason = without(), "  号码已停机，客户换号 "
				must(t, s.UpdateContact(ctx, f.A1, c))
				got := load()
				if len(got.Channels) != 2 || len(got.RemovedChannels) != 1 {
					t.Fatalf("live %v removed %v", values(got.Channels), values(got.RemovedChannels))
				}
				r := got.RemovedChannels[0]
				if r.ID != mobile.ID || r.Value != microPhone || r.RemovedAt == nil || !r.RemovedAt.Equal(f.Clock) ||
					r.RemovedBy == nil || *r.RemovedBy != f.A1.UserID || r.RemovedReason != "号码已停机，客户换号" {
					t.Fatalf("removed channel = %+v", r)
				}
				// A removed number no longer finds the merchant.
				if ms := f.MerchantIDs(f.Ops, poscare.MerchantFilter{Q: microPhone}); len(ms) != 0 {
					t.Fatalf("search by a removed phone found %v", ms)
				}
			})
			t.Run("RestoreChannelPutsItBack", func(t *testing.T) {
				got, err := s.RestoreChannel(ctx, f.A1, id, mobile.ID)
				must(t, err)
				if len(got.Channels) != 3 || len(got.RemovedChannels) != 0 {
					t.Fatalf("live %v removed %v", values(got.Channels), values(got.RemovedChannels))
				}
				for _, ch := range got.Channels {
					if ch.RemovedReason != "" {
						t.Fatalf("put-back channel keeps its removal reason: %+v", ch)
					}
				}
				if e := f.LastEntry(poscare.EntityContact, id); e.Action != "restore_channel" {
					t.Fatalf("last contact entry %q, want restore_channel", e.Action)
				}
				_, err = s.RestoreChannel(ctx, f.A1, id, mobile.ID)
				wantCode(t, err, poscare.ENotFound)
				_, err = s.RestoreChannel(ctx, f.B1, id, mobile.ID)
				wantCode(t, err, poscare.ENotFound)
			})
			t.Run("ReAddingValueRestoresInsteadOfDuplicating", func(t *testing.T) {
				c := load()
				c.Channels, c.Reason = without(), "客户说这个号码不用了"
				must(t, s.UpdateContact(ctx, f.A1, c))
				c = load()
				c.Channels = append(c.Channels, poscare.Channel{Kind: poscare.ChannelPhone, Value: "138 1234 5678"})
				must(t, s.UpdateContact(ctx, f.A1, c))
				got := load()
				if len(got.Channels) != 3 || len(got.RemovedChannels) != 0 {
					t.Fatalf("live %v removed %v", values(got.Channels), values(got.RemovedChannels))
				}
				n := 0
				for _, ch := range got.Channels {
					if ch.Value == microPhone {
						n++
						if ch.ID != mobile.ID {
							t.Errorf("re-added phone got a new row %d, want the original %d back", ch.ID, mobile.ID)
						}
					}
				}
				if n != 1 {
					t.Fatalf("phone appears %d times", n)
				}
			})
			t.Run("HistoryRecordsEveryChange", func(t *testing.T) {
				got := f.History(poscare.EntityContact, id)
				// Each removed channel gets an entry of its own (deletion
				// protection counts them) before the contact's update.
				want := []string{"create", "remove_channel", "update", "restore_channel", "remove_channel", "update", "update"}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("history = %v, want %v", got, want)
				}
			})
		})
	}
}

func TestStoreSearch(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			cases := []struct {
				name string
				q    string
				as   poscare.Actor
				want []int64
			}{
				{"TwoCharNameFragment", "牛肉", f.Ops, ids(f.Micro.ID)},
				{"OneCharNameFragment", "鼎", f.Ops, ids(f.Ent.ID)},
				{"OneCharLastOfName", "馆", f.Ops, ids(f.Micro.ID)},
				{"LongNameFragment", "兰州牛肉面", f.Ops, ids(f.Micro.ID)},
				{"PrincipalName", "李娜", f.Ops, ids(f.Indiv.ID)},
				{"GramsOfDifferentMerchantsDoNotCombine", "牛肉鼎盛", f.Ops, ids()},
				{"GramsOutOfOrderDoNotMatch", "面牛肉", f.Ops, ids()},
				{"UnknownName", "麻辣烫", f.Ops, ids()},
				{"FullMobile", microPhone, f.Ops, ids(f.Micro.ID)},
				{"MobileWithSpaces", "138 1234 5678", f.Ops, ids(f.Micro.ID)},
				{"MobilePrefix", microPhone[:7], f.Ops, ids(f.Micro.ID)},
				{"TwoDigitsAreTooShortForAPhonePrefix", "13", f.Ops, ids()},
				{"OtherMerchantMobile", entPhone, f.Ops, ids(f.Ent.ID)},
				{"USCC", indivUSCC, f.Ops, ids(f.Indiv.ID)},
				{"AllDigitUSCC", entUSCC, f.Ops, ids(f.Ent.ID)},
				{"LowerCaseUSCC", strings.ToLower(indivUSCC), f.Ops, ids(f.Indiv.ID)},
				{"MID", microMID, f.Ops, ids(f.Micro.ID)},
				{"NameFragmentScopedToAgent", "牛肉", f.A1, ids(f.Micro.ID)},
				{"NameFragmentOutOfScope", "牛肉", f.B1, ids()},
				{"PhoneOutOfScope", microPhone, f.B1, ids()},
				{"PhonePrefixOutOfScope", microPhone[:7], f.B1, ids()},
				{"USCCOutOfScope", entUSCC, f.A1, ids()},
				{"MIDOutOfScope", microMID, f.B1, ids()},
				{"OwnMerchantByPhone", microPhone, f.Owner, ids(f.Micro.ID)},
				{"OtherMerchantByPhoneForMerchantUser", indivPhone, f.Owner, ids()},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					if got := f.MerchantIDs(tc.as, poscare.MerchantFilter{Q: tc.q}); !sameIDs(got, tc.want) {
						t.Fatalf("%s searching %q found %v, want %v", tc.as.Login, tc.q, got, tc.want)
					}
				})
			}
			t.Run("RenamedMerchantFoundByNewName", func(t *testing.T) {
				m, err := s.GetMerchant(f.Ctx, f.Ops, f.Indiv.ID)
				must(t, err)
				m.LegalName = "李家重庆火锅店"
				must(t, s.UpdateMerchant(f.Ctx, f.Ops, m))
				if got := f.MerchantIDs(f.Ops, poscare.MerchantFilter{Q: "火锅"}); !sameIDs(got, ids(f.Indiv.ID)) {
					t.Fatalf("new name found %v", got)
				}
				if got := f.MerchantIDs(f.Ops, poscare.MerchantFilter{Q: "川味"}); len(got) != 0 {
					t.Fatalf("old name still found %v", got)
				}
			})
		})
	}
}

func TestStoreApplications(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			days := []int{2, 5, 8, 12, 15}

			t.Run("DefaultFiveStages", func(t *testing.T) {
				x, err := s.GetApplication(ctx, f.A1, f.MicroApp.ID)
				must(t, err)
				if len(x.Steps) != 5 {
					t.Fatalf("%d stages, want 5", len(x.Steps))
				}
				for i, st := range x.Steps {
					if st.Stage != poscare.Stages[i] || st.ResponsibleID != f.A1.UserID ||
						!st.DueAt.Equal(t0.Add(time.Duration(days[i])*24*time.Hour)) || st.CompletedAt != nil {
						t.Errorf("stage %d = %+v", i, st)
					}
				}
				want := poscare.RequiredDocuments(poscare.MerchantMicro)
				if len(x.Documents) != len(want) {
					t.Fatalf("documents %v, want %v", x.Documents, want)
				}
				for i, d := range x.Documents {
					if d.Kind != want[i] || d.Received {
						t.Errorf("document %d = %+v, want %s not received", i, d, want[i])
					}
				}
				if x.CurrentStage() != poscare.StageConsultation {
					t.Fatalf("current stage %q", x.CurrentStage())
				}
			})
			t.Run("AdvanceThroughAllStages", func(t *testing.T) {
				by := []poscare.Actor{f.A1, f.A2, f.Lead1, f.A1, f.Ops}
				for i, a := range by {
					f.Clock = t0.Add(time.Duration(i+1) * time.Hour)
					x, err := s.AdvanceApplication(ctx, a, f.MicroApp.ID)
					must(t, err)
					got, err := s.GetApplication(ctx, f.Ops, f.MicroApp.ID)
					must(t, err)
					for _, y := range []*poscare.Application{x, got} {
						st := y.Steps[i]
						if st.CompletedAt == nil || !st.CompletedAt.Equal(f.Clock) || st.CompletedByID == nil || *st.CompletedByID != a.UserID {
							t.Fatalf("after advance %d by %s: stage %+v", i+1, a.Login, st)
						}
						if i+1 < len(y.Steps) && (y.Steps[i+1].CompletedAt != nil || y.CurrentStage() != poscare.Stages[i+1]) {
							t.Fatalf("after advance %d: current stage %q", i+1, y.CurrentStage())
						}
					}
				}
				got, err := s.GetApplication(ctx, f.Ops, f.MicroApp.ID)
				must(t, err)
				if got.CompletedAt == nil || !got.CompletedAt.Equal(f.Clock) || got.CurrentStage() != "" {
					t.Fatalf("completed application: CompletedAt %v current %q", got.CompletedAt, got.CurrentStage())
				}
			})
			t.Run("SixthAdvanceConflicts", func(t *testing.T) {
				before := f.AuditCount()
				_, err := s.AdvanceApplication(ctx, f.A1, f.MicroApp.ID)
				wantCode(t, err, poscare.EConflict)
				if f.AuditCount() != before {
					t.Fatal("a refused advance was audited")
				}
				h := f.History(poscare.EntityApplication, f.MicroApp.ID)
				want := []string{"create", "advance", "advance", "advance", "advance", "advance"}
				if !reflect.DeepEqual(h, want) {
					t.Fatalf("history %v, want %v", h, want)
				}
			})
			t.Run("OutOfScopeAdvanceNotFound", func(t *testing.T) {
				_, err := s.AdvanceApplication(ctx, f.A1, f.EntApp.ID)
				wantCode(t, err, poscare.ENotFound)
				_, err = s.AdvanceApplication(ctx, f.Owner, f.MicroApp.ID)
				wantCode(t, err, poscare.EForbidden)
			})
			t.Run("OverdueFilter", func(t *testing.T) {
				// The enterprise's application (created at t0) is due at
				// t0+2d; the individual's, created a day later, at t0+3d.
				f.Clock = t0.Add(24 * time.Hour)
				indivApp := &poscare.Application{MerchantID: f.Indiv.ID}
				must(t, s.CreateApplication(ctx, f.Lead1, indivApp))
				f.Clock = t0.Add(49 * time.Hour)
				overdue := func(a poscare.Actor) []int64 { return f.ApplicationIDs(a, poscare.ApplicationFilter{Overdue: true}) }
				if got := overdue(f.Ops); !sameIDs(got, ids(f.EntApp.ID)) {
					t.Fatalf("overdue = %v, want only the enterprise's %d (the individual's is on time, the micro's done)", got, f.EntApp.ID)
				}
				if got := f.ApplicationIDs(f.Ops, poscare.ApplicationFilter{}); !sameIDs(got, ids(f.MicroApp.ID, f.EntApp.ID, indivApp.ID)) {
					t.Fatalf("all applications = %v", got)
				}
				// Move the individual's deadline into the past.
				x, err := s.GetApplication(ctx, f.Lead1, indivApp.ID)
				must(t, err)
				x.Steps[0].DueAt = t0.Add(36 * time.Hour)
				must(t, s.UpdateApplication(ctx, f.Lead1, x))
				if got := overdue(f.Ops); !sameIDs(got, ids(f.EntApp.ID, indivApp.ID)) {
					t.Fatalf("overdue after moving the deadline = %v, want %v", got, ids(f.EntApp.ID, indivApp.ID))
				}
				if got := overdue(f.B1); !sameIDs(got, ids(f.EntApp.ID)) {
					t.Fatalf("B1 overdue = %v, want only team 2's", got)
				}
				if got := overdue(f.A2); !sameIDs(got, ids(indivApp.ID)) {
					t.Fatalf("A2 overdue = %v, want only the individual's", got)
				}
				if got := overdue(f.A1); len(got) != 0 {
					t.Fatalf("A1 overdue = %v, want none", got)
				}
				// Completing the overdue stage takes it off the queue.
				_, err = s.AdvanceApplication(ctx, f.A2, indivApp.ID)
				must(t, err)
				if got := overdue(f.Ops); !sameIDs(got, ids(f.EntApp.ID)) {
					t.Fatalf("overdue after advancing = %v", got)
				}
			})
			t.Run("UpdateKeepsCompletion", func(t *testing.T) {
				x, err := s.GetApplication(ctx, f.Ops, f.MicroApp.ID)
				must(t, err)
				for i := range x.Steps {
					x.Steps[i].CompletedAt, x.Steps[i].CompletedByID = nil, nil
				}
				must(t, s.UpdateApplication(ctx, f.Ops, x))
				got, err := s.GetApplication(ctx, f.Ops, f.MicroApp.ID)
				must(t, err)
				for i, st := range got.Steps {
					if st.CompletedAt == nil || st.CompletedByID == nil {
						t.Fatalf("stage %d lost its completion through UpdateApplication: %+v", i, st)
					}
				}
			})
		})
	}
}

func TestStoreContracts(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, s)
			ctx := f.Ctx
			t.Run("FeeScheduleRoundTrips", func(t *testing.T) {
				c := &poscare.Contract{MerchantID: f.Micro.ID, StartsOn: "2025-04-01", EndsOn: "2026-03-31", DepositFen: 19900,
					MonthlyCommFeeFen: 1800, MonthlyMaintFeeFen: 500,
					Fees: poscare.FeeSchedule{Credit: 585, Debit: 495, DebitCapFen: 2000, QR: 375}}
				must(t, s.CreateContract(ctx, f.Lead1, c))
				got, err := s.GetContract(ctx, f.A1, c.ID)
				must(t, err)
				if got.Fees != c.Fees || got.StartsOn != c.StartsOn || got.EndsOn != c.EndsOn || got.DepositFen != c.DepositFen ||
					got.MonthlyCommFeeFen != c.MonthlyCommFeeFen || got.MonthlyMaintFeeFen != c.MonthlyMaintFeeFen || got.MerchantID != f.Micro.ID {
					t.Fatalf("stored %+v, read back %+v", c, got)
				}
				got.Fees.Credit, got.Fees.DebitCapFen = 600, 2500
				must(t, s.UpdateContract(ctx, f.Ops, got))
				again, err := s.GetContract(ctx, f.Ops, c.ID)
				must(t, err)
				if again.Fees != got.Fees {
					t.Fatalf("updated fees %+v, read back %+v", got.Fees, again.Fees)
				}
			})
			t.Run("AgentCannotWriteContracts", func(t *testing.T) {
				c := &poscare.Contract{MerchantID: f.Micro.ID, StartsOn: "2025-04-01", EndsOn: "2026-03-31", Fees: poscare.DefaultFees(poscare.FeeStandard)}
				wantCode(t, s.CreateContract(ctx, f.A1, c), poscare.EForbidden)
			})
			t.Run("LowCreditRateWarns", func(t *testing.T) {
				c := &poscare.Contract{MerchantID: f.Micro.ID, StartsOn: "2025-04-01", EndsOn: "2026-03-31",
					Fees: poscare.FeeSchedule{Credit: 450, Debit: 500, DebitCapFen: 2500, QR: 380}}
				must(t, s.CreateContract(ctx, f.Ops, c))
				got, err := s.GetContract(ctx, f.Ops, c.ID)
				must(t, err)
				m, err := s.GetMerchant(ctx, f.Ops, got.MerchantID)
				must(t, err)
				if m.FeeCategory != poscare.FeeStandard {
					t.Fatalf("fixture micro-merchant is %s, want standard", m.FeeCategory)
				}
				if w := got.Warnings(m.FeeCategory); len(w) == 0 {
					t.Fatal("a 0.45 % credit rate for a standard merchant gave no warning")
				}
				std, err := s.GetContract(ctx, f.Ops, f.MicroContract.ID)
				must(t, err)
				if w := std.Warnings(m.FeeCategory); len(w) != 0 {
					t.Fatalf("the default 0.60 %% rate warns: %v", w)
				}
			})
		})
	}
}
