package console_test

import (
	"context"
	"testing"
	"time"

	"poscare"
	"poscare/internal/fixture"
	"poscare/sqlstore"
)

// auditStory is what auditScenario did, so the walk can open the records.
type auditStory struct {
	Merchant, Contract, Contact int64
	Away, Declared, Cover       *poscare.User
	Incident                    int64
	Ops, Auditor                *poscare.User
}

// auditScenario makes a realistic run of changes: a merchant created and
// updated, its contract's fees and deposit changed, a contact archived and
// restored, an agent on leave with a cover and a return date, another who
// cannot be reached and is then declared missing, a failed call to them,
// and a failed login.
func auditScenario(t *testing.T, s *site) *auditStory {
	t.Helper()
	ctx := context.Background()
	sys := poscare.SystemActor("t")
	st := &auditStory{Ops: s.user(t, "ops"), Auditor: s.user(t, "auditor")}
	ops := actor(st.Ops)
	ops.Source = "console"

	ms, err := s.Store.ListMerchants(ctx, sys, poscare.MerchantFilter{Page: poscare.Page{Limit: 1}})
	if err != nil || len(ms) == 0 {
		t.Fatalf("merchants: %v", err)
	}
	m := poscare.Merchant{Type: poscare.MerchantEnterprise, LegalName: "上海静安测试便利店有限公司", USCC: fixture.FreeUSCC, PrincipalName: "陈静",
		SettlementKind: poscare.SettleCorporate, SettlementAccount: "1202020409900012345", MCC: "5499", FeeCategory: poscare.FeeStandard,
		Address: "上海市静安区南京西路 100 号", Latitude: 31.23, Longitude: 121.45, TeamID: ms[0].TeamID, AccountManagerID: ms[0].AccountManagerID}
	if err := s.Store.CreateMerchant(ctx, ops, &m); err != nil {
		t.Fatalf("create merchant: %v", err)
	}
	st.Merchant = m.ID
	m.Address = "上海市静安区南京西路 1 号"
	if err := s.Store.UpdateMerchant(ctx, ops, &m); err != nil {
		t.Fatalf("update merchant: %v", err)
	}
	start := time.Now().In(time.UTC)
	c := &poscare.Contract{MerchantID: m.ID, StartsOn: poscare.Date(start.Format(time.DateOnly)), EndsOn: poscare.Date(start.AddDate(3, 0, 0).Format(time.DateOnly)),
		DepositFen: 29900, MonthlyCommFeeFen: 2600, MonthlyMaintFeeFen: 1500, Fees: poscare.DefaultFees(m.FeeCategory)}
	if err := s.Store.CreateContract(ctx, ops, c); err != nil {
		t.Fatalf("create contract: %v", err)
	}
	st.Contract = c.ID
	c.DepositFen = 49900
	c.Fees.Credit, c.Fees.QR = 550, 300
	if err := s.Store.UpdateContract(ctx, ops, c); err != nil {
		t.Fatalf("update contract: %v", err)
	}
	ct := &poscare.Contact{MerchantID: m.ID, Name: "王店长", Role: "owner", PreferredChannel: poscare.ChannelPhone, Lang: "zh", Channels: []poscare.Channel{{Kind: poscare.ChannelPhone, Value: "13800138000"}}}
	if err := s.Store.CreateContact(ctx, ops, ct); err != nil {
		t.Fatalf("create contact: %v", err)
	}
	st.Contact = ct.ID
	if err := s.Store.Archive(ctx, ops, poscare.EntityContact, ct.ID, "联系人已离职"); err != nil {
		t.Fatalf("archive: %v", err)
	}
	if err := s.Store.Restore(ctx, ops, poscare.EntityContact, ct.ID, "误操作，恢复"); err != nil {
		t.Fatalf("restore: %v", err)
	}

	agents, err := s.Store.ListUsers(ctx, sys, sqlstore.UserFilter{Role: poscare.RoleAgent, Page: poscare.Page{Limit: 100}})
	if err != nil || len(agents) < 3 {
		t.Fatalf("agents: %d %v", len(agents), err)
	}
	st.Away, st.Cover, st.Declared = agents[0], agents[1], agents[2]
	until := poscare.Date(start.AddDate(0, 0, 14).Format(time.DateOnly))
	if _, err := s.Store.SetUserStatus(ctx, ops, st.Away.ID, poscare.StatusChange{Status: poscare.UserOnLeave, Reason: "年假两周", CoverID: &st.Cover.ID, AwayUntil: &until}); err != nil {
		t.Fatalf("on leave: %v", err)
	}
	if err := s.Store.RecordContactAttempt(ctx, ops, st.Declared.ID, "no_answer", "打了三次电话无人接听"); err != nil {
		t.Fatalf("contact attempt: %v", err)
	}
	if _, err := s.Store.SetUserStatus(ctx, ops, st.Declared.ID, poscare.StatusChange{Status: poscare.UserUnreachable, Reason: "两天联系不上"}); err != nil {
		t.Fatalf("unreachable: %v", err)
	}
	inc, err := s.Store.DeclareIncident(ctx, ops, st.Declared.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "三天未到岗且联系不上", Strategy: poscare.StrategyBackup})
	if err != nil {
		t.Fatalf("declare: %v", err)
	}
	st.Incident = inc.ID
	if _, err := s.Store.Authenticate(ctx, "ops", "wrong-password", "console"); err == nil {
		t.Fatal("a wrong password logged in")
	}
	return st
}
