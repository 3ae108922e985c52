package demo

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/internal/testenv"
	"poscare/sqlstore"
)

// small is big enough for every stage to have applications and for some
// to be overdue, and small enough to seed in a moment.
var small = Size{Teams: 3, Staff: 25, Merchants: 200, Terminals: 240}

func TestSeed(t *testing.T) {
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			logins, err := Seed(ctx, s, small)
			if err != nil {
				t.Fatal(err)
			}
			if want := small.Staff + merchantUsers; len(logins) != want {
				t.Errorf("Seed returned %d logins, want %d", len(logins), want)
			}
			ops := opsActor(t, s)
			checkStaff(t, s, small)
			checkMerchants(t, s, ops, small)
			checkTerminals(t, s, ops, small)
			checkApplications(t, s, ops)
			checkContinuityStory(t, s, ops, logins)
			if ts, err := s.ListTickets(ctx, ops, sqlstore.TicketFilter{Limit: 100}); err != nil || len(ts) != len(deskTickets) {
				t.Errorf("demo desk: %d tickets, want %d (%v)", len(ts), len(deskTickets), err)
			}
			if ps, err := s.SLAPolicies(ctx, ops); err != nil || len(ps) != len(deskPolicies) {
				t.Errorf("demo desk: %d policies, want %d (%v)", len(ps), len(deskPolicies), err)
			}

			_, auditBefore, err := s.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Seed(ctx, s, small)
			if err != nil || again != nil {
				t.Fatalf("second Seed = %v, %v; want nil, nil", again, err)
			}
			_, auditAfter, _ := s.VerifyAudit(ctx)
			if auditAfter != auditBefore {
				t.Errorf("second Seed wrote %d audit entries, want none", auditAfter-auditBefore)
			}
			if n := countMerchants(t, s, ops, poscare.MerchantFilter{}) + countMerchants(t, s, ops, poscare.MerchantFilter{Archived: true}); n != small.Merchants {
				t.Errorf("after a second Seed there are %d merchants, want %d", n, small.Merchants)
			}

			for _, l := range logins {
				u, err := s.Authenticate(ctx, l.Login, l.Password, "test")
				if strings.Contains(l.Note, "login blocked") {
					if poscare.ErrorCode(err) != poscare.EUnauthenticated {
						t.Errorf("departed %s logged in: %v", l.Login, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("login %s: %v", l.Login, err)
					continue
				}
				if u.Role != l.Role || u.Name != l.Name {
					t.Errorf("login %s is %s %s, Seed said %s %s", l.Login, u.Role, u.Name, l.Role, l.Name)
				}
			}

			brk, n, err := s.VerifyAudit(ctx)
			if err != nil || brk != nil {
				t.Fatalf("VerifyAudit after %d entries: %+v, %v", n, brk, err)
			}
		})
	}
}

// TestSeedDeterministic seeds two stores and expects the same merchants.
func TestSeedDeterministic(t *testing.T) {
	ctx := context.Background()
	size := Size{Teams: 2, Staff: 12, Merchants: 60, Terminals: 50}
	var got [2][]string
	for i := range got {
		s := testenv.Open(t, filepath.Join(t.TempDir(), "demo.db"))
		if _, err := Seed(ctx, s, size); err != nil {
			t.Fatal(err)
		}
		ms, err := s.ListMerchants(ctx, opsActor(t, s), poscare.MerchantFilter{Page: poscare.Page{Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			got[i] = append(got[i], m.LegalName+"|"+m.USCC+"|"+m.MID+"|"+m.PrincipalIDMasked+"|"+m.Address)
		}
	}
	if strings.Join(got[0], "\n") != strings.Join(got[1], "\n") {
		t.Error("two seeds of the same size gave different merchants")
	}
}

func TestSeedRejectsTooFewStaff(t *testing.T) {
	s := testenv.Open(t, filepath.Join(t.TempDir(), "demo.db"))
	if _, err := Seed(context.Background(), s, Size{Teams: 3, Staff: 10, Merchants: 10, Terminals: 10}); err == nil {
		t.Fatal("Seed accepted 10 staff for 3 teams")
	}
}

// TestSeedTiny seeds the smallest size: no merchants, so every terminal
// stays in stock or in repair.
func TestSeedTiny(t *testing.T) {
	s := testenv.Open(t, filepath.Join(t.TempDir(), "demo.db"))
	logins, err := Seed(context.Background(), s, Size{Teams: 1, Staff: 8, Merchants: 0, Terminals: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(logins) != 8 {
		t.Errorf("%d logins, want 8", len(logins))
	}
	xs, err := s.ListTerminals(context.Background(), opsActor(t, s), poscare.TerminalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != 5 {
		t.Errorf("%d terminals, want 5", len(xs))
	}
	for _, x := range xs {
		if x.MerchantID != nil || x.Deployed() {
			t.Errorf("terminal %s is %s at merchant %v", x.Serial, x.Status, x.MerchantID)
		}
	}
}

// TestSeedDefault seeds the full demo once on SQLite and reports how long
// it takes.
func TestSeedDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("the full demo takes a few seconds")
	}
	ctx := context.Background()
	s := testenv.Open(t, filepath.Join(t.TempDir(), "demo.db"))
	start := time.Now()
	logins, err := Seed(ctx, s, Default)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %+v with %d logins in %v", Default, len(logins), time.Since(start).Round(time.Millisecond))
	ops := opsActor(t, s)
	checkMerchants(t, s, ops, Default)
	checkTerminals(t, s, ops, Default)
	checkApplications(t, s, ops)
	if brk, _, err := s.VerifyAudit(ctx); err != nil || brk != nil {
		t.Fatalf("VerifyAudit: %+v, %v", brk, err)
	}
}

func TestMerchantsValid(t *testing.T) {
	manager, backup := int64(2), int64(3)
	assign := func(int) (int64, int64, *int64) { return 1, manager, &backup }
	items := Merchants(rand.New(rand.NewPCG(7, 8)), 2000, assign)
	if len(items) != 2000 {
		t.Fatalf("got %d merchants", len(items))
	}
	usccs, mids, phones := map[string]bool{}, map[string]bool{}, map[string]bool{}
	types, statuses := map[poscare.MerchantType]int{}, map[poscare.MerchantStatus]int{}
	for i, it := range items {
		m := it.Merchant
		if err := m.Validate(true); err != nil {
			t.Fatalf("merchant %d %q: %v", i, m.LegalName, err)
		}
		if m.PrincipalIDNumber == "" || m.SettlementAccount == "" {
			t.Fatalf("merchant %d %q lacks its ID number or settlement account", i, m.LegalName)
		}
		if m.FeeCategory != feeCategory(m.MCC) {
			t.Errorf("merchant %d: MCC %s with fee category %s", i, m.MCC, m.FeeCategory)
		}
		if m.TeamID != 1 || m.AccountManagerID != manager || m.BackupManagerID == nil || *m.BackupManagerID != backup {
			t.Errorf("merchant %d is not assigned as asked", i)
		}
		types[m.Type]++
		statuses[m.Status]++
		if m.USCC != "" {
			if usccs[m.USCC] {
				t.Errorf("USCC %s repeats", m.USCC)
			}
			usccs[m.USCC] = true
		}
		if m.MID != "" {
			if mids[m.MID] {
				t.Errorf("MID %s repeats", m.MID)
			}
			mids[m.MID] = true
		}
		if (m.Status == poscare.MerchantActive || m.Status == poscare.MerchantSuspended) != (m.MID != "") && m.Status != poscare.MerchantTerminated {
			t.Errorf("merchant %d is %s with MID %q", i, m.Status, m.MID)
		}
		if !(m.Latitude > 20 && m.Latitude < 45 && m.Longitude > 100 && m.Longitude < 125) {
			t.Errorf("merchant %d at %v,%v is not in China", i, m.Latitude, m.Longitude)
		}
		if len(it.Contacts) < 1 || len(it.Contacts) > 3 {
			t.Errorf("merchant %d has %d contacts", i, len(it.Contacts))
		}
		for _, c := range it.Contacts {
			c.MerchantID = 1
			if err := c.Validate(); err != nil {
				t.Fatalf("merchant %d contact %q: %v", i, c.Name, err)
			}
			if len(c.Channels) > 3 || c.Channels[0].Kind != poscare.ChannelPhone || !poscare.ValidMobile(c.Channels[0].Value) {
				t.Errorf("merchant %d contact %q has channels %v", i, c.Name, c.Channels)
			}
			for _, ch := range c.Channels {
				if poscare.ValidMobile(ch.Value) {
					if phones[ch.Value] {
						t.Errorf("mobile %s repeats", ch.Value)
					}
					phones[ch.Value] = true
				}
			}
		}
	}
	for _, mt := range []poscare.MerchantType{poscare.MerchantMicro, poscare.MerchantIndividual, poscare.MerchantEnterprise} {
		if share := types[mt] * 100 / len(items); share < 12 || share > 50 {
			t.Errorf("%d%% of merchants are %s", share, mt)
		}
	}
	if statuses[poscare.MerchantProspect] != 160 || statuses[poscare.MerchantOnboarding] != 240 || statuses[poscare.MerchantActive] != 1400 {
		t.Errorf("status mix %v", statuses)
	}

	// One Generator keeps identifiers unique across calls.
	g := NewGenerator(rand.New(rand.NewPCG(7, 8)))
	seen := map[string]bool{}
	for range 3 {
		for _, it := range g.Merchants(1000, assign) {
			for _, id := range []string{it.Merchant.USCC, it.Merchant.MID} {
				if id != "" && seen[id] {
					t.Fatalf("%s repeats across calls of one Generator", id)
				}
				seen[id] = true
			}
		}
	}
}

func TestMerchantsDeterministic(t *testing.T) {
	assign := func(int) (int64, int64, *int64) { return 1, 2, nil }
	a := Merchants(rand.New(rand.NewPCG(1, 2)), 50, assign)
	b := Merchants(rand.New(rand.NewPCG(1, 2)), 50, assign)
	for i := range a {
		if *a[i].Merchant != *b[i].Merchant {
			t.Fatalf("merchant %d differs: %+v vs %+v", i, a[i].Merchant, b[i].Merchant)
		}
	}
}

func TestGB11714Check(t *testing.T) {
	// The organisation code inside a real-looking USCC must pass the store's
	// check, which ValidUSCC applies.
	g := NewGenerator(rand.New(rand.NewPCG(3, 4)))
	for range 5000 {
		if code := g.uscc('9', '1', "510104"); !poscare.ValidUSCC(code) {
			t.Fatalf("generated USCC %s is not valid", code)
		}
	}
	// 91350100M000100Y43 is a published example; its organisation code is
	// M000100Y4.
	if c := gb11714Check("M000100Y"); c != '4' {
		t.Errorf("check of M000100Y = %c, want 4", c)
	}
}

// opsActor acts as the seeded ops user.
func opsActor(t *testing.T, s *sqlstore.Store) poscare.Actor {
	t.Helper()
	us, err := s.ListUsers(context.Background(), poscare.SystemActor("test"), sqlstore.UserFilter{Q: "ops", Role: poscare.RoleOps})
	if err != nil || len(us) == 0 {
		t.Fatalf("no ops user: %v", err)
	}
	return poscare.Actor{UserID: us[0].ID, Login: us[0].Login, Role: poscare.RoleOps, Source: "test"}
}

// count pages through a list that returns one row more than the page when
// there is a next page.
func count(t *testing.T, list func(p poscare.Page) (int, error)) int {
	t.Helper()
	const limit = 500
	total := 0
	for off := 0; ; off += limit {
		n, err := list(poscare.Page{Limit: limit, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		if n <= limit {
			return total + n
		}
		total += limit
	}
}

func countMerchants(t *testing.T, s *sqlstore.Store, a poscare.Actor, f poscare.MerchantFilter) int {
	return count(t, func(p poscare.Page) (int, error) {
		f.Page = p
		ms, err := s.ListMerchants(context.Background(), a, f)
		return len(ms), err
	})
}

func countApplications(t *testing.T, s *sqlstore.Store, a poscare.Actor, f poscare.ApplicationFilter) int {
	return count(t, func(p poscare.Page) (int, error) {
		f.Page = p
		xs, err := s.ListApplications(context.Background(), a, f)
		return len(xs), err
	})
}

func checkStaff(t *testing.T, s *sqlstore.Store, size Size) {
	t.Helper()
	ctx := context.Background()
	system := poscare.SystemActor("test")
	teams, err := s.ListTeams(ctx, system, false, poscare.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(teams) != size.Teams {
		t.Fatalf("%d teams, want %d", len(teams), size.Teams)
	}
	leadOf := map[int64]int64{}
	for _, tm := range teams {
		if tm.LeadID == nil {
			t.Fatalf("team %s has no lead", tm.Name)
		}
		leadOf[tm.ID] = *tm.LeadID
	}
	all, err := s.ListUsers(ctx, system, sqlstore.UserFilter{Page: poscare.Page{Limit: 500}})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*poscare.User{}
	staff, roles := 0, map[poscare.Role]int{}
	for _, u := range all {
		byID[u.ID] = u
		roles[u.Role]++
		if u.Role.IsStaff() {
			staff++
		}
	}
	if staff != size.Staff {
		t.Errorf("%d staff, want %d", staff, size.Staff)
	}
	if roles[poscare.RoleMerchant] != merchantUsers || roles[poscare.RoleTech] < 1 || roles[poscare.RoleAuditor] < 1 ||
		roles[poscare.RoleAdmin] != 1 || roles[poscare.RoleOps] < 2 || roles[poscare.RoleLead] != size.Teams {
		t.Errorf("roles %v", roles)
	}
	for _, u := range all {
		if u.Role != poscare.RoleAgent {
			continue
		}
		if u.BackupID == nil {
			t.Errorf("agent %s has no backup", u.Login)
			continue
		}
		b := byID[*u.BackupID]
		if b == nil || b.Role != poscare.RoleAgent || b.ID == u.ID || *b.TeamID != *u.TeamID {
			t.Errorf("agent %s is backed up by %+v", u.Login, b)
		}
		if u.ManagerID == nil || *u.ManagerID != leadOf[*u.TeamID] {
			t.Errorf("agent %s is not managed by the team's lead", u.Login)
		}
		if !poscare.ValidMobile(u.Mobile) || !poscare.ValidEmail(u.Email) || !poscare.ValidWeChatID(u.WeChat) {
			t.Errorf("agent %s has channels %q %q %q", u.Login, u.Mobile, u.Email, u.WeChat)
		}
	}
}

func checkMerchants(t *testing.T, s *sqlstore.Store, ops poscare.Actor, size Size) {
	t.Helper()
	ctx := context.Background()
	live, archived := countMerchants(t, s, ops, poscare.MerchantFilter{}), countMerchants(t, s, ops, poscare.MerchantFilter{Archived: true})
	if live+archived != size.Merchants || archived != storyArchived {
		t.Errorf("%d live and %d archived merchants, want %d in all, %d archived by the continuity story", live, archived, size.Merchants, storyArchived)
	}
	for _, mt := range []poscare.MerchantType{poscare.MerchantMicro, poscare.MerchantIndividual, poscare.MerchantEnterprise} {
		if n := countMerchants(t, s, ops, poscare.MerchantFilter{Type: mt}); n < size.Merchants/10 {
			t.Errorf("only %d %s merchants", n, mt)
		}
	}
	trading := countMerchants(t, s, ops, poscare.MerchantFilter{Status: poscare.MerchantActive}) +
		countMerchants(t, s, ops, poscare.MerchantFilter{Status: poscare.MerchantSuspended})
	contracts := count(t, func(p poscare.Page) (int, error) {
		cs, err := s.ListContracts(ctx, ops, poscare.ContractFilter{Page: p})
		return len(cs), err
	})
	if contracts != trading {
		t.Errorf("%d contracts for %d active and suspended merchants", contracts, trading)
	}

	// Every merchant has a contact, and the name search finds a merchant
	// by a fragment of its name.
	ms, err := s.ListMerchants(ctx, ops, poscare.MerchantFilter{Page: poscare.Page{Limit: 20}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		cs, err := s.ListContacts(ctx, ops, sqlstore.ContactFilter{MerchantID: &m.ID})
		if err != nil || len(cs) == 0 {
			t.Errorf("merchant %s has no contacts (%v)", m.LegalName, err)
		}
		name := []rune(m.LegalName)
		q := string(name[len(name)-5 : len(name)-1])
		found, err := s.ListMerchants(ctx, ops, poscare.MerchantFilter{Q: q, Page: poscare.Page{Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		hit := false
		for _, f := range found {
			hit = hit || f.ID == m.ID
		}
		if !hit {
			t.Errorf("searching %q does not find %s", q, m.LegalName)
		}
	}
}

func checkTerminals(t *testing.T, s *sqlstore.Store, ops poscare.Actor, size Size) {
	t.Helper()
	ctx := context.Background()
	var all []*poscare.Terminal
	for off := 0; ; off += 500 {
		xs, err := s.ListTerminals(ctx, ops, poscare.TerminalFilter{Page: poscare.Page{Limit: 500, Offset: off}})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, xs[:min(len(xs), 500)]...)
		if len(xs) <= 500 {
			break
		}
	}
	if len(all) != size.Terminals {
		t.Errorf("%d terminals, want %d", len(all), size.Terminals)
	}
	merchants := map[int64]*poscare.Merchant{}
	statuses := map[poscare.TerminalStatus]int{}
	for _, x := range all {
		statuses[x.Status]++
		if x.MerchantID == nil {
			continue
		}
		m := merchants[*x.MerchantID]
		if m == nil {
			var err error
			if m, err = s.GetMerchant(ctx, ops, *x.MerchantID); err != nil {
				t.Fatal(err)
			}
			merchants[m.ID] = m
		}
		if x.MID != m.MID || x.InstallAddress != m.Address {
			t.Errorf("terminal %s is bound to %s/%q, its merchant has %s/%q", x.Serial, x.MID, x.InstallAddress, m.MID, m.Address)
		}
		if x.Deployed() && m.Status != poscare.MerchantActive && m.Status != poscare.MerchantSuspended {
			t.Errorf("terminal %s is %s at a %s merchant", x.Serial, x.Status, m.Status)
		}
	}
	for _, st := range []poscare.TerminalStatus{poscare.TerminalActive, poscare.TerminalInstalled, poscare.TerminalInStock, poscare.TerminalInRepair} {
		if statuses[st] == 0 {
			t.Errorf("no terminal is %s: %v", st, statuses)
		}
	}
}

func checkApplications(t *testing.T, s *sqlstore.Store, ops poscare.Actor) {
	t.Helper()
	for _, st := range poscare.Stages {
		if n := countApplications(t, s, ops, poscare.ApplicationFilter{Stage: st}); n < 5 {
			t.Errorf("%d applications in stage %s, want at least 5", n, st)
		}
	}
	if n := countApplications(t, s, ops, poscare.ApplicationFilter{Overdue: true}); n < 10 {
		t.Errorf("%d overdue applications, want at least 10", n)
	}
}

// checkContinuityStory: the continuity dashboard of a fresh demo has
// something to show, and the logins say who is who.
func checkContinuityStory(t *testing.T, s *sqlstore.Store, ops poscare.Actor, logins []Login) {
	t.Helper()
	ctx := context.Background()
	c, err := s.ContinuityStatus(ctx, ops)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Unreachable) != 1 || c.Unreachable[0].ColleaguesFailed != 3 {
		t.Errorf("unreachable %+v, want one agent whom 3 colleagues failed to reach", c.Unreachable)
	}
	if len(c.Incidents) != 1 || c.Incidents[0].Kind != poscare.IncidentDeparted || c.Incidents[0].Handed.Merchants == 0 || c.Incidents[0].Handed.Notifications == 0 {
		t.Fatalf("incidents %+v, want one departure with merchants handed over and notices queued", c.Incidents)
	}
	x, err := s.GetIncident(ctx, ops, c.Incidents[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range x.Checklist {
		if (item.Item == poscare.CheckManagementInformed || item.Item == poscare.CheckDataBackup) && (item.Done == nil || item.Notes == "") {
			t.Errorf("checklist item %s not ticked with notes: %+v", item.Item, item)
		}
	}
	users, err := s.ListUsers(ctx, ops, sqlstore.UserFilter{Page: poscare.Page{Limit: 500}})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*poscare.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	// The departure's merchants were spread over the agents of 销售一部,
	// not given to its lead, and every merchant still has a backup.
	for _, u := range users {
		if u.Login != "lead1" && u.ID != x.UserID {
			continue
		}
		ms, err := s.ListMerchants(ctx, ops, poscare.MerchantFilter{AccountManagerID: &u.ID, Page: poscare.Page{Limit: 1}})
		if err != nil || len(ms) != 0 {
			t.Errorf("%s (%s) manages merchants after the spread: %d %v", u.Login, u.Role, len(ms), err)
		}
	}
	if c.Coverage.WithoutBackup != 0 {
		t.Errorf("%d merchants without a backup after the demo's incident: %v", c.Coverage.WithoutBackup, c.Coverage.Unbacked)
	}
	// The departed agent's colleagues got other backups; whoever is listed
	// is backed up by the colleague on leave or the one unreachable.
	for _, u := range c.WithoutBackup {
		if b := byID[*u.BackupID]; b.Status != poscare.UserOnLeave && b.Status != poscare.UserUnreachable {
			t.Errorf("%s listed without a backup, backed up by %s (%s)", u.Login, b.Login, b.Status)
		}
	}
	status := map[poscare.UserStatus]int{}
	var remover *poscare.User
	for _, u := range users {
		status[u.Status]++
		for _, l := range logins {
			if l.Login == u.Login && strings.Contains(l.Note, "archived 2 merchants") {
				remover = u
			}
		}
	}
	if status[poscare.UserOnLeave] != 1 || status[poscare.UserUnreachable] != 1 || status[poscare.UserDeparted] != 1 {
		t.Errorf("statuses %v, want one on leave, one unreachable, one departed", status)
	}
	if remover == nil {
		t.Fatal("no login note names the agent who removed customers")
	}
	rs, err := s.Removals(ctx, ops, remover.ID, time.Now().Add(-time.Hour))
	if err != nil || len(rs) != storyArchived+1 {
		t.Fatalf("removals of %s: %+v %v, want %d archives and a removed contact detail", remover.Login, rs, err, storyArchived)
	}
	// Two merchants asked to be called back, one of them six hours ago:
	// overdue on somebody's task list.
	overdue, open := 0, 0
	for _, u := range users {
		if u.Role != poscare.RoleAgent && u.Role != poscare.RoleLead {
			continue
		}
		ts, err := s.MyTasks(ctx, poscare.Actor{UserID: u.ID, Role: u.Role, TeamID: u.TeamID})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ts {
			if x.Kind == sqlstore.TaskCallback {
				open++
				if x.DueAt.Before(time.Now()) {
					overdue++
				}
			}
		}
	}
	if open != 2 || overdue != 1 {
		t.Errorf("%d open callback requests (%d overdue), want 2 (1 overdue)", open, overdue)
	}
}
