package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// testPassword is every fixture user's password.
const testPassword = "correct-horse-battery"

// t0 is the fixed "now" of every fixture; tests move the clock explicitly.
var t0 = time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)

// fixture is a small company: two sales teams with a lead and two agents
// each, the central roles, three merchants of the three types with a
// contact, and for the micro-merchant (team 1) and the enterprise (team 2)
// a terminal, an application and a contract.
//
// Team 1: agent A1 manages the micro-merchant, agent A2 backs it up and
// manages the individual business. Team 2: agent B1 manages the
// enterprise, B2 backs it up. The merchant user belongs to the
// micro-merchant.
type fixture struct {
	t     *testing.T
	s     *sqlstore.Store
	ctx   context.Context
	clock time.Time

	sys          poscare.Actor
	team1, team2 int64
	users        map[string]*poscare.User // by login

	admin, ops, auditor, tech poscare.Actor
	lead1, lead2              poscare.Actor
	a1, a2, b1, b2            poscare.Actor
	owner                     poscare.Actor // the micro-merchant's own user

	micro, indiv, ent *poscare.Merchant

	// Clear values given on create; the store never returns them again.
	microID, microCard string
	indivID, indivCard string
	entAccount         string

	microContact, indivContact, entContact *poscare.Contact
	microTerminal, entTerminal             *poscare.Terminal
	microApp, entApp                       *poscare.Application
	microContract, entContract             *poscare.Contract
}

// Identifiers of the fixture merchants, all passing their official checks.
const (
	indivUSCC = "91440300708461136T" // from ident_test.go
	entUSCC   = "914403001922038216" // all digits: must not be taken for a phone number
	freeUSCC  = "91310000736239890T" // used by tests that create a merchant
	freeUSCC2 = "91110108551385082Q"

	microMID = "102584058120001" // MCC 5812 at positions 8-11
	indivMID = "102290058140002" // MCC 5814
	entMID   = "102584054110003" // MCC 5411

	microPhone = "13812345678"
	indivPhone = "13998765432"
	entPhone   = "15011112222"
)

// residentID completes 17 digits with their GB 11643 check character.
func residentID(t testing.TB, first17 string) string {
	t.Helper()
	c, ok := poscare.ResidentIDCheckChar(first17)
	if !ok {
		t.Fatalf("ResidentIDCheckChar(%q) not ok", first17)
	}
	id := first17 + string(c)
	if !poscare.ValidResidentID(id) || poscare.ValidUSCC(id) {
		t.Fatalf("fixture ID number %s is not unambiguously an ID number", id)
	}
	return id
}

// bankCard completes a payload with its Luhn check digit.
func bankCard(t testing.TB, payload string) string {
	t.Helper()
	c, ok := poscare.LuhnCheckDigit(payload)
	if !ok {
		t.Fatalf("LuhnCheckDigit(%q) not ok", payload)
	}
	card := payload + string(c)
	if !poscare.ValidBankCard(card) {
		t.Fatalf("fixture card %s does not pass Luhn", card)
	}
	return card
}

// wrongLast replaces the last character of s with another one, which breaks
// any check character or digit.
func wrongLast(s string) string {
	last := s[len(s)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return s[:len(s)-1] + string(repl)
}

func actorOf(u *poscare.User) poscare.Actor {
	return poscare.Actor{UserID: u.ID, Login: u.Login, Role: u.Role, TeamID: u.TeamID, MerchantID: u.MerchantID, Source: "127.0.0.1"}
}

func ptr[T any](v T) *T { return &v }

// newFixture fills s with the fixture and fixes the store's clock at t0.
func newFixture(t *testing.T, s *sqlstore.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, s: s, ctx: context.Background(), clock: t0, users: map[string]*poscare.User{}}
	s.Now = func() time.Time { return f.clock }
	f.sys = poscare.SystemActor("test")
	ctx := f.ctx

	for i, name := range []string{"华东销售一组", "华南销售二组"} {
		tm := &poscare.Team{Name: name}
		must(t, s.CreateTeam(ctx, f.sys, tm))
		if i == 0 {
			f.team1 = tm.ID
		} else {
			f.team2 = tm.ID
		}
	}
	user := func(login, name string, role poscare.Role, team *int64, mobile string, backup *poscare.Actor) poscare.Actor {
		t.Helper()
		u := &poscare.User{Login: login, Name: name, Role: role, TeamID: team, Mobile: mobile}
		if backup != nil {
			u.BackupID = ptr(backup.UserID)
		}
		must(t, s.CreateUser(ctx, f.sys, u, testPassword))
		f.users[u.Login] = u
		return actorOf(u)
	}
	f.admin = user("admin", "系统管理员", poscare.RoleAdmin, nil, "", nil)
	f.ops = user("ops", "服务中心", poscare.RoleOps, nil, "", nil)
	f.auditor = user("auditor", "合规审计", poscare.RoleAuditor, nil, "", nil)
	f.tech = user("tech", "维修技师", poscare.RoleTech, nil, "", nil)
	f.lead1 = user("lead1", "一组主管", poscare.RoleLead, &f.team1, "13700000001", nil)
	f.lead2 = user("lead2", "二组主管", poscare.RoleLead, &f.team2, "13700000002", nil)
	f.a2 = user("agent.a2", "业务员A2", poscare.RoleAgent, &f.team1, "13600000002", nil)
	f.a1 = user("agent.a1", "业务员A1", poscare.RoleAgent, &f.team1, "13600000001", &f.a2)
	f.b2 = user("agent.b2", "业务员B2", poscare.RoleAgent, &f.team2, "13600000004", nil)
	f.b1 = user("agent.b1", "业务员B1", poscare.RoleAgent, &f.team2, "13600000003", &f.b2)

	f.microID = residentID(t, "44030519850615123")
	f.microCard = bankCard(t, "622202123456789012")
	f.indivID = residentID(t, "31010419900101456")
	f.indivCard = bankCard(t, "621700000012345678")
	f.entAccount = "4000023309200123456"

	f.micro = &poscare.Merchant{
		Type: poscare.MerchantMicro, LegalName: "张记兰州牛肉面馆", PrincipalName: "张伟",
		PrincipalIDNumber: f.microID, SettlementKind: poscare.SettlePersonalCard, SettlementAccount: f.microCard,
		MID: microMID, MCC: "5812", FeeCategory: poscare.FeeStandard, Address: "广东省深圳市南山区科技园南路18号",
		Latitude: 22.5405, Longitude: 113.9526, Status: poscare.MerchantActive,
		TeamID: f.team1, AccountManagerID: f.a1.UserID, BackupManagerID: ptr(f.a2.UserID),
	}
	f.indiv = &poscare.Merchant{
		Type: poscare.MerchantIndividual, LegalName: "李家川味小吃店", USCC: indivUSCC, PrincipalName: "李娜",
		PrincipalIDNumber: f.indivID, SettlementKind: poscare.SettlePersonalCard, SettlementAccount: f.indivCard,
		MID: indivMID, MCC: "5814", FeeCategory: poscare.FeeStandard, Address: "上海市徐汇区漕溪北路88号",
		Latitude: 31.1880, Longitude: 121.4370, Status: poscare.MerchantActive,
		TeamID: f.team1, AccountManagerID: f.a2.UserID,
	}
	f.ent = &poscare.Merchant{
		Type: poscare.MerchantEnterprise, LegalName: "深圳前海鼎盛商贸有限公司", USCC: entUSCC, PrincipalName: "王强",
		SettlementKind: poscare.SettleCorporate, SettlementAccount: f.entAccount,
		MID: entMID, MCC: "5411", FeeCategory: poscare.FeeDiscounted, Address: "广东省深圳市前海深港合作区前湾一路1号",
		Latitude: 22.5230, Longitude: 113.8990, Status: poscare.MerchantActive,
		TeamID: f.team2, AccountManagerID: f.b1.UserID, BackupManagerID: ptr(f.b2.UserID),
	}
	for _, m := range []*poscare.Merchant{f.micro, f.indiv, f.ent} {
		must(t, s.CreateMerchant(ctx, f.ops, m))
	}

	contact := func(m *poscare.Merchant, name string, chs ...poscare.Channel) *poscare.Contact {
		t.Helper()
		c := &poscare.Contact{MerchantID: m.ID, Name: name, Role: "owner", Channels: chs}
		must(t, s.CreateContact(ctx, f.ops, c))
		return c
	}
	f.microContact = contact(f.micro, "张伟",
		poscare.Channel{Kind: poscare.ChannelPhone, Value: microPhone},
		poscare.Channel{Kind: poscare.ChannelPhone, Value: "0755-26781234"},
		poscare.Channel{Kind: poscare.ChannelWeChat, Value: "zhangwei_88"})
	f.indivContact = contact(f.indiv, "李娜", poscare.Channel{Kind: poscare.ChannelPhone, Value: indivPhone})
	f.entContact = contact(f.ent, "王强",
		poscare.Channel{Kind: poscare.ChannelPhone, Value: entPhone},
		poscare.Channel{Kind: poscare.ChannelEmail, Value: "wang@dingsheng.example.cn"})

	owner := &poscare.User{Login: "owner.zhang", Name: "张伟", Role: poscare.RoleMerchant, MerchantID: ptr(f.micro.ID), Mobile: microPhone}
	must(t, s.CreateUser(ctx, f.sys, owner, testPassword))
	f.users[owner.Login] = owner
	f.owner = actorOf(owner)

	terminal := func(m *poscare.Merchant, serial, tid string) *poscare.Terminal {
		t.Helper()
		x := &poscare.Terminal{Serial: serial, Model: "A920", Vendor: "百富", TID: tid, MerchantID: ptr(m.ID), MID: m.MID,
			Status: poscare.TerminalInstalled, InstallAddress: m.Address, WarrantyEnd: ptr(poscare.Date("2027-02-28"))}
		must(t, s.CreateTerminal(ctx, f.tech, x))
		return x
	}
	f.microTerminal = terminal(f.micro, "PAX-A920-0001", "10000001")
	f.entTerminal = terminal(f.ent, "PAX-A920-0002", "20000002")

	application := func(m *poscare.Merchant) *poscare.Application {
		t.Helper()
		x := &poscare.Application{MerchantID: m.ID}
		must(t, s.CreateApplication(ctx, f.ops, x))
		return x
	}
	f.microApp = application(f.micro)
	f.entApp = application(f.ent)

	contract := func(m *poscare.Merchant) *poscare.Contract {
		t.Helper()
		c := &poscare.Contract{MerchantID: m.ID, StartsOn: "2025-03-01", EndsOn: "2028-02-29", DepositFen: 29900,
			MonthlyCommFeeFen: 1500, MonthlyMaintFeeFen: 1000, Fees: poscare.DefaultFees(m.FeeCategory)}
		must(t, s.CreateContract(ctx, f.ops, c))
		return c
	}
	f.microContract = contract(f.micro)
	f.entContract = contract(f.ent)
	return f
}

// actors returns every fixture actor by a readable name, in a fixed order.
func (f *fixture) actors() []namedActor {
	return []namedActor{
		{"admin", f.admin}, {"ops", f.ops}, {"auditor", f.auditor}, {"tech", f.tech},
		{"lead1", f.lead1}, {"lead2", f.lead2}, {"agentA1", f.a1}, {"agentA2", f.a2},
		{"agentB1", f.b1}, {"agentB2", f.b2}, {"merchantUser", f.owner},
	}
}

type namedActor struct {
	name string
	a    poscare.Actor
}

// newMerchant returns a valid enterprise of team 1 managed by A1 that no
// fixture merchant conflicts with, for tests that create one.
func (f *fixture) newMerchant() *poscare.Merchant {
	return &poscare.Merchant{
		Type: poscare.MerchantEnterprise, LegalName: "杭州西湖茶叶有限公司", USCC: freeUSCC, PrincipalName: "陈静",
		SettlementKind: poscare.SettleCorporate, SettlementAccount: "1202020409900012345",
		MCC: "5499", FeeCategory: poscare.FeeStandard, Address: "浙江省杭州市西湖区龙井路1号",
		Latitude: 30.2360, Longitude: 120.1310, TeamID: f.team1, AccountManagerID: f.a1.UserID,
	}
}

// newMicro returns a valid micro-merchant of team 1 managed by A1.
func (f *fixture) newMicro() *poscare.Merchant {
	return &poscare.Merchant{
		Type: poscare.MerchantMicro, LegalName: "王阿姨早餐铺", PrincipalName: "王秀英",
		PrincipalIDNumber: residentID(f.t, "11010519700312004"), SettlementKind: poscare.SettlePersonalCard,
		SettlementAccount: bankCard(f.t, "622848001234567"), MCC: "5814", Address: "北京市东城区东四北大街100号",
		Latitude: 39.9330, Longitude: 116.4170, TeamID: f.team1, AccountManagerID: f.a1.UserID,
	}
}

// auditCount is how many entries the audit trail holds; it also checks the
// chain is intact.
func (f *fixture) auditCount() int64 {
	f.t.Helper()
	brk, n, err := f.s.VerifyAudit(f.ctx)
	must(f.t, err)
	if brk != nil {
		f.t.Fatalf("audit chain broken at %d: %s", brk.Seq, brk.Reason)
	}
	return n
}

func (f *fixture) merchantIDs(a poscare.Actor, flt poscare.MerchantFilter) []int64 {
	f.t.Helper()
	if flt.Limit == 0 {
		flt.Limit = 500
	}
	ms, err := f.s.ListMerchants(f.ctx, a, flt)
	must(f.t, err)
	var ids []int64
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return sorted(ids)
}

func (f *fixture) contactIDs(a poscare.Actor, flt sqlstore.ContactFilter) []int64 {
	f.t.Helper()
	flt.Limit = 500
	cs, err := f.s.ListContacts(f.ctx, a, flt)
	must(f.t, err)
	var ids []int64
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return sorted(ids)
}

func (f *fixture) terminalIDs(a poscare.Actor) []int64 {
	f.t.Helper()
	xs, err := f.s.ListTerminals(f.ctx, a, poscare.TerminalFilter{Page: poscare.Page{Limit: 500}})
	must(f.t, err)
	var ids []int64
	for _, x := range xs {
		ids = append(ids, x.ID)
	}
	return sorted(ids)
}

func (f *fixture) applicationIDs(a poscare.Actor, flt poscare.ApplicationFilter) []int64 {
	f.t.Helper()
	flt.Limit = 500
	xs, err := f.s.ListApplications(f.ctx, a, flt)
	must(f.t, err)
	var ids []int64
	for _, x := range xs {
		ids = append(ids, x.ID)
	}
	return sorted(ids)
}

func (f *fixture) contractIDs(a poscare.Actor) []int64 {
	f.t.Helper()
	xs, err := f.s.ListContracts(f.ctx, a, poscare.ContractFilter{Page: poscare.Page{Limit: 500}})
	must(f.t, err)
	var ids []int64
	for _, x := range xs {
		ids = append(ids, x.ID)
	}
	return sorted(ids)
}

// history returns the actions recorded for one record, oldest first.
func (f *fixture) history(entity string, id int64) []string {
	f.t.Helper()
	es, err := f.s.AuditEntries(f.ctx, poscare.AuditFilter{Entity: entity, EntityID: id, Page: poscare.Page{Limit: 500}})
	must(f.t, err)
	out := make([]string, len(es))
	for i, e := range es {
		out[len(es)-1-i] = e.Action
	}
	return out
}

// lastEntry returns the newest audit entry about a record.
func (f *fixture) lastEntry(entity string, id int64) poscare.AuditEntry {
	f.t.Helper()
	es, err := f.s.AuditEntries(f.ctx, poscare.AuditFilter{Entity: entity, EntityID: id, Page: poscare.Page{Limit: 1}})
	must(f.t, err)
	if len(es) == 0 {
		f.t.Fatalf("no audit entry for %s %d", entity, id)
	}
	return es[0]
}

func sorted(ids []int64) []int64 {
	if ids == nil {
		ids = []int64{}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func ids(xs ...int64) []int64 { return sorted(append([]int64(nil), xs...)) }

func sameIDs(a, b []int64) bool {
	return fmt.Sprint(sorted(a)) == fmt.Sprint(sorted(b))
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantCode fails unless err carries the error code want ("" for nil).
func wantCode(t testing.TB, err error, want string) {
	t.Helper()
	if got := poscare.ErrorCode(err); got != want {
		t.Fatalf("error code = %q, want %q (error: %v)", got, want, err)
	}
}

// wantFields fails unless err is EInvalid naming every field in keys.
func wantFields(t testing.TB, err error, keys ...string) {
	t.Helper()
	wantCode(t, err, poscare.EInvalid)
	var e *poscare.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *poscare.Error", err)
	}
	for _, k := range keys {
		if _, ok := e.Fields[k]; !ok {
			t.Errorf("field %q missing from %v", k, e)
		}
	}
}

// rawDB opens the store's database behind its back, for checks and
// tampering the store's API does not allow.
func rawDB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	driver, src := "pgx", dsn
	if sqlstore.DialectOf(dsn) == sqlstore.SQLite {
		driver, src = "sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// storeDSNs yields, per dialect, a migrated store and the DSN it runs on,
// for the tests that must also look at the database directly.
func storeDSNs(t *testing.T) map[string]storeDSN {
	out := map[string]storeDSN{}
	for name, dsn := range testenv.DSNs(t) {
		out[name] = storeDSN{testenv.Open(t, dsn), dsn}
	}
	return out
}

type storeDSN struct {
	s   *sqlstore.Store
	dsn string
}

// rawTables lists the tables of the store's database (or schema).
func rawTables(t testing.TB, db *sql.DB, d sqlstore.Dialect) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if d == sqlstore.Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	rows, err := db.Query(q)
	must(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		must(t, rows.Scan(&n))
		out = append(out, n)
	}
	must(t, rows.Err())
	return out
}

// findInTable returns "table.column" for every cell of table whose text
// contains one of needles.
func findInTable(t testing.TB, db *sql.DB, table string, needles ...string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM "` + table + `"`)
	must(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	must(t, err)
	var hits []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(t, rows.Scan(ptrs...))
		for i, v := range vals {
			var text string
			switch x := v.(type) {
			case nil:
				continue
			case []byte:
				text = string(x)
			default:
				text = fmt.Sprint(x)
			}
			for _, n := range needles {
				if strings.Contains(text, n) {
					hits = append(hits, table+"."+cols[i]+" holds "+n)
				}
			}
		}
	}
	must(t, rows.Err())
	return hits
}
