// Package demo fills a poscare store with realistic Chinese demo data: sales
// teams and their staff, merchants in a dozen cities with contacts, POS
// terminals, onboarding applications in every stage and contracts. It writes
// only through the store's public methods, so every row is validated and
// audited like one entered in the console.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"poscare"
	"poscare/sqlstore"
)

// Password is the one password every demo account shares. It is published
// in the README, so a store seeded with demo data is for demonstrations only.
const Password = "poscare-demo-2026"

// Size says how much to generate.
type Size struct{ Teams, Staff, Merchants, Terminals int }

// Default is the demo: 3 teams, 25 staff, 1,000 merchants, 1,200 terminals.
var Default = Size{Teams: 3, Staff: 25, Merchants: 1000, Terminals: 1200}

// Login is a demo account printed by `poscare demo` and listed in the README.
type Login struct {
	Login, Password string
	Role            poscare.Role
	Name            string
	Note            string
}

// The staff that do not belong to a team: admin, two ops, a technician and
// an auditor. Each team needs a lead and at least two agents, who back each
// other up.
const (
	centralStaff     = 5
	minAgentsPerTeam = 2
	merchantBatch    = 500
	terminalBatch    = 500
	merchantUsers    = 3
)

// check reports whether a size can be seeded.
func (z Size) check() error {
	if z.Teams < 1 {
		return fmt.Errorf("demo: at least one team is needed")
	}
	if need := centralStaff + z.Teams*(1+minAgentsPerTeam); z.Staff < need {
		return fmt.Errorf("demo: %d teams need at least %d staff (admin, 2 ops, tech, auditor, and a lead and %d agents per team)",
			z.Teams, need, minAgentsPerTeam)
	}
	if z.Merchants < 0 || z.Terminals < 0 {
		return fmt.Errorf("demo: merchant and terminal counts cannot be negative")
	}
	return nil
}

// Seed fills an empty store (it returns (nil, nil) without doing anything
// when the store already has users: check with ListUsers as
// poscare.SystemActor). Deterministic: math/rand/v2 with a fixed seed
// (rand.New(rand.NewPCG(1, 2))), so the same size gives the same data.
//
// It returns the demo accounts: admin, ops, ops2, tech, auditor, a lead per
// team (lead1 …), the agents (agent1 …, so that there are size.Staff staff
// in all) and the portal users merchant1 … merchant3 of the first three
// active merchants, all with Password.
//
// Users and teams are created as poscare.SystemActor("demo"); merchants,
// terminals, applications and contracts by the ops user "ops", with the
// source "demo" in the audit trail. Dates (deadlines, contract terms,
// warranties) are relative to the store's Now. Passwords are hashed with
// the store's PasswordParams, which the caller may lower for a quick demo.
// Seed is not one transaction: if it fails half-way, start from an empty
// store again.
func Seed(ctx context.Context, s *sqlstore.Store, size Size) ([]Login, error) {
	system := poscare.SystemActor("demo")
	for _, archived := range []bool{false, true} {
		users, err := s.ListUsers(ctx, system, sqlstore.UserFilter{Archived: archived, Page: poscare.Page{Limit: 1}})
		if err != nil {
			return nil, err
		}
		if len(users) > 0 {
			return nil, nil
		}
	}
	if err := size.check(); err != nil {
		return nil, err
	}
	sd := &seeder{
		ctx:    ctx,
		s:      s,
		g:      NewGenerator(rand.New(rand.NewPCG(1, 2))),
		size:   size,
		system: system,
		now:    s.Now().UTC(),
	}
	for _, step := range []func() error{sd.createStaff, sd.createMerchants, sd.createMerchantUsers, sd.createTerminals, sd.openApplications, sd.signContracts, sd.continuityStory, sd.serviceDesk} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return sd.logins, nil
}

// seeder carries what one Seed has created so far.
type seeder struct {
	ctx    context.Context
	s      *sqlstore.Store
	g      *Generator
	size   Size
	system poscare.Actor // creates users and teams
	ops    poscare.Actor // creates the business records
	now    time.Time

	opsUsers  []*poscare.User
	tech      *poscare.User
	teams     []*poscare.Team
	leads     []*poscare.User
	agents    [][]*poscare.User // by team
	merchants []*sqlstore.MerchantImport
	logins    []Login
}

// teamName is 销售一部, 销售二部 … 销售十部, 销售11部 ….
func teamName(i int) string {
	if i < len(chineseNumbers) {
		return "销售" + chineseNumbers[i] + "部"
	}
	return fmt.Sprintf("销售%d部", i+1)
}

// user creates a staff member with a generated name, mobile, e-mail and
// WeChat ID.
func (sd *seeder) user(login string, role poscare.Role, teamID, managerID *int64) (*poscare.User, error) {
	p := sd.g.person()
	u := &poscare.User{
		Login: login, Name: p.Name, Role: role, TeamID: teamID, ManagerID: managerID,
		Mobile: sd.g.mobile(), Email: login + "@poscare.example", WeChat: sd.g.wechatID(p),
	}
	if err := sd.s.CreateUser(sd.ctx, sd.system, u, Password); err != nil {
		return nil, fmt.Errorf("demo: create user %s: %w", login, err)
	}
	return u, nil
}

func (sd *seeder) login(u *poscare.User, note string) {
	sd.logins = append(sd.logins, Login{Login: u.Login, Password: Password, Role: u.Role, Name: u.Name, Note: note})
}

// createStaff creates the admin, ops, tech and auditor, the teams with their
// leads and agents, and then the links that need both ends to exist: each
// team's lead and everyone's backup.
func (sd *seeder) createStaff() error {
	admin, err := sd.user("admin", poscare.RoleAdmin, nil, nil)
	if err != nil {
		return err
	}
	sd.login(admin, "系统管理员：用户、团队与设置 / administrator: users, teams, settings")
	for _, login := range []string{"ops", "ops2"} {
		u, err := sd.user(login, poscare.RoleOps, nil, nil)
		if err != nil {
			return err
		}
		sd.opsUsers = append(sd.opsUsers, u)
	}
	sd.login(sd.opsUsers[0], "商户服务中心，查看和处理全部商户 / service centre: sees and handles every merchant")
	sd.login(sd.opsUsers[1], "应急小组，ops 的备岗 / emergency team, backs up ops")
	sd.ops = poscare.Actor{UserID: sd.opsUsers[0].ID, Login: "demo", Role: poscare.RoleOps, Source: "demo"}
	if sd.tech, err = sd.user("tech", poscare.RoleTech, nil, nil); err != nil {
		return err
	}
	sd.login(sd.tech, "技术员，负责终端与维修 / technician: terminals and repairs")
	auditor, err := sd.user("auditor", poscare.RoleAuditor, nil, nil)
	if err != nil {
		return err
	}
	sd.login(auditor, "合规审计，只读 / compliance, read-only")

	for i := range sd.size.Teams {
		tm := &poscare.Team{Name: teamName(i)}
		if err := sd.s.CreateTeam(sd.ctx, sd.system, tm); err != nil {
			return fmt.Errorf("demo: create team %s: %w", tm.Name, err)
		}
		lead, err := sd.user(fmt.Sprintf("lead%d", i+1), poscare.RoleLead, &tm.ID, &sd.opsUsers[0].ID)
		if err != nil {
			return err
		}
		tm.LeadID = &lead.ID
		if err := sd.s.UpdateTeam(sd.ctx, sd.system, tm); err != nil {
			return fmt.Errorf("demo: set lead of %s: %w", tm.Name, err)
		}
		sd.teams, sd.leads = append(sd.teams, tm), append(sd.leads, lead)
	}
	sd.agents = make([][]*poscare.User, sd.size.Teams)
	agents := sd.size.Staff - centralStaff - sd.size.Teams
	for k := range agents {
		t := k % sd.size.Teams
		u, err := sd.user(fmt.Sprintf("agent%d", k+1), poscare.RoleAgent, &sd.teams[t].ID, &sd.leads[t].ID)
		if err != nil {
			return err
		}
		sd.agents[t] = append(sd.agents[t], u)
	}

	// Backups: each agent by the next agent of the team, each lead by the
	// next team's lead (or the first agent when there is one team), ops
	// and ops2 by each other.
	for t, team := range sd.agents {
		for i, u := range team {
			if err := sd.setBackup(u, team[(i+1)%len(team)]); err != nil {
				return err
			}
		}
		backup := sd.agents[t][0]
		if len(sd.leads) > 1 {
			backup = sd.leads[(t+1)%len(sd.leads)]
		}
		if err := sd.setBackup(sd.leads[t], backup); err != nil {
			return err
		}
	}
	if err := sd.setBackup(sd.opsUsers[0], sd.opsUsers[1]); err != nil {
		return err
	}
	if err := sd.setBackup(sd.opsUsers[1], sd.opsUsers[0]); err != nil {
		return err
	}

	for t, lead := range sd.leads {
		sd.login(lead, fmt.Sprintf("%s主管 / lead of %s", sd.teams[t].Name, sd.teams[t].Name))
	}
	byID := map[int64]string{}
	for _, team := range sd.agents {
		for _, u := range team {
			byID[u.ID] = u.Login
		}
	}
	for k := range agents {
		t := k % sd.size.Teams
		u := sd.agents[t][k/sd.size.Teams]
		b := byID[*u.BackupID]
		sd.login(u, fmt.Sprintf("%s业务员，备岗 %s / agent in %s, backed up by %s", sd.teams[t].Name, b, sd.teams[t].Name, b))
	}
	return nil
}

func (sd *seeder) setBackup(u, backup *poscare.User) error {
	u.BackupID = &backup.ID
	if err := sd.s.UpdateUser(sd.ctx, sd.system, u); err != nil {
		return fmt.Errorf("demo: set backup of %s: %w", u.Login, err)
	}
	return nil
}

// createMerchants creates the merchants with their contacts in batches. Teams
// take turns, and within a team its agents take turns as account manager,
// each backed up by their own backup.
func (sd *seeder) createMerchants() error {
	assign := func(i int) (int64, int64, *int64) {
		t := i % len(sd.teams)
		team := sd.agents[t]
		a := team[(i/len(sd.teams))%len(team)]
		return sd.teams[t].ID, a.ID, a.BackupID
	}
	sd.merchants = sd.g.Merchants(sd.size.Merchants, assign)
	for start := 0; start < len(sd.merchants); start += merchantBatch {
		batch := sd.merchants[start:min(start+merchantBatch, len(sd.merchants))]
		if err := sd.s.CreateMerchants(sd.ctx, sd.ops, batch); err != nil {
			return fmt.Errorf("demo: create merchants %d-%d: %w", start+1, start+len(batch), err)
		}
	}
	return nil
}

// createMerchantUsers gives the first three active merchants a portal login,
// merchant1 … merchant3, in the name of their first contact.
func (sd *seeder) createMerchantUsers() error {
	n := 0
	for _, it := range sd.merchants {
		m := it.Merchant
		if n == merchantUsers || m.Status != poscare.MerchantActive {
			continue
		}
		n++
		first := it.Contacts[0] // the owner, or an enterprise's store manager
		u := &poscare.User{
			Login: fmt.Sprintf("merchant%d", n), Name: first.Name, Role: poscare.RoleMerchant,
			MerchantID: &m.ID, Mobile: first.Channels[0].Value,
		}
		if err := sd.s.CreateUser(sd.ctx, sd.system, u, Password); err != nil {
			return fmt.Errorf("demo: create user %s: %w", u.Login, err)
		}
		sd.login(u, fmt.Sprintf("商户门户：%s / merchant portal of %s", m.LegalName, m.LegalName))
	}
	return nil
}

// createTerminals registers the terminals: three quarters deployed (every
// trading merchant gets one, some a second or third), a suspended
// merchant's terminals suspended with it; the rest in stock or in repair,
// half of the repairs still bound to the merchant they came from.
func (sd *seeder) createTerminals() error {
	var live, active []*poscare.Merchant
	for _, it := range sd.merchants {
		switch it.Merchant.Status {
		case poscare.MerchantActive:
			active = append(active, it.Merchant)
			live = append(live, it.Merchant)
		case poscare.MerchantSuspended:
			live = append(live, it.Merchant)
		}
	}
	deployed := sd.size.Terminals * 3 / 4
	if len(live) == 0 {
		deployed = 0
	}
	var out []*poscare.Terminal
	for i := range sd.size.Terminals {
		model := sd.g.terminalModel()
		x := &poscare.Terminal{Serial: sd.g.serial(model), Vendor: model.Vendor, Model: model.Model}
		end := poscare.Date(sd.now.AddDate(0, 0, sd.g.r.IntN(1200)-240).Format(time.DateOnly))
		x.WarrantyEnd = &end
		switch {
		case i < deployed:
			m := live[i%len(live)]
			if i >= len(live) {
				m = pick(sd.g.r, live) // a second or third terminal
			}
			x.Status = poscare.TerminalActive
			if m.Status == poscare.MerchantSuspended {
				x.Status = poscare.TerminalSuspended
			} else if sd.g.r.IntN(10) == 0 {
				x.Status = poscare.TerminalInstalled // installed, not yet trading
			}
			sd.bind(x, m)
		case sd.g.r.IntN(5) > 0:
			x.Status = poscare.TerminalInStock
		default:
			x.Status = poscare.TerminalInRepair
			if len(active) > 0 && sd.g.r.IntN(2) == 0 {
				sd.bind(x, pick(sd.g.r, active))
			}
		}
		out = append(out, x)
	}
	for start := 0; start < len(out); start += terminalBatch {
		batch := out[start:min(start+terminalBatch, len(out))]
		if err := sd.s.CreateTerminals(sd.ctx, sd.ops, batch); err != nil {
			return fmt.Errorf("demo: create terminals %d-%d: %w", start+1, start+len(batch), err)
		}
	}
	return nil
}

// bind ties a terminal to a merchant as 银发〔2021〕259号 requires: the
// merchant, its MID, a TID and the installation address.
func (sd *seeder) bind(x *poscare.Terminal, m *poscare.Merchant) {
	id := m.ID
	x.MerchantID, x.MID, x.TID, x.InstallAddress = &id, m.MID, sd.g.tid(), m.Address
}

// openApplications opens onboarding for every prospect and onboarding merchant
// and moves each to a stage: prospects are in consultation or application,
// merchants in onboarding in application, review, installation or
// training. Every fourth application has let its deadline slip.
func (sd *seeder) openApplications() error {
	days := []int{2, 5, 8, 12, 15} // the default deadlines of poscare.NewApplication
	prospects, onboarding, n := 0, 0, 0
	for _, it := range sd.merchants {
		m := it.Merchant
		var stage int
		switch m.Status {
		case poscare.MerchantProspect:
			stage = prospects % 2
			prospects++
		case poscare.MerchantOnboarding:
			stage = 1 + onboarding%4
			onboarding++
		default:
			continue
		}
		// The account manager handles consultation, application and
		// training; the service centre reviews and the technician installs.
		responsible := []int64{m.AccountManagerID, m.AccountManagerID, sd.opsUsers[0].ID, sd.tech.ID, m.AccountManagerID}
		x := &poscare.Application{MerchantID: m.ID}
		for i, st := range poscare.Stages {
			x.Steps = append(x.Steps, poscare.StageStep{Stage: st, ResponsibleID: responsible[i], DueAt: sd.now.Add(time.Duration(days[i]) * 24 * time.Hour)})
		}
		for _, kind := range poscare.RequiredDocuments(m.Type) {
			received := stage >= 2 || (stage == 1 && sd.g.r.IntN(2) == 0)
			x.Documents = append(x.Documents, poscare.Document{Kind: kind, Received: received})
		}
		if err := sd.s.CreateApplication(sd.ctx, sd.ops, x); err != nil {
			return fmt.Errorf("demo: create application of merchant %d: %w", m.ID, err)
		}
		for range stage {
			var err error
			if x, err = sd.s.AdvanceApplication(sd.ctx, sd.ops, x.ID); err != nil {
				return fmt.Errorf("demo: advance application %d: %w", x.ID, err)
			}
		}
		if n%4 == 0 {
			// The deadline of the current stage passed 1-10 days ago; the
			// others move with it, three days apart.
			late := sd.now.Add(-time.Duration(1+sd.g.r.IntN(10)) * 24 * time.Hour)
			for i := range x.Steps {
				x.Steps[i].DueAt = late.Add(time.Duration(3*(i-stage)) * 24 * time.Hour)
			}
			if err := sd.s.UpdateApplication(sd.ctx, sd.ops, x); err != nil {
				return fmt.Errorf("demo: update application %d: %w", x.ID, err)
			}
		}
		n++
	}
	return nil
}

// signContracts signs one contract with every active and suspended merchant:
// the default card fees of its category (a few negotiated lower, and one
// in a hundred suspiciously low, which the risk checks flag), a deposit,
// the monthly communication and maintenance fees, and a 1-3 year term that
// for most merchants is still running.
func (sd *seeder) signContracts() error {
	today := sd.now.Truncate(24 * time.Hour)
	for _, it := range sd.merchants {
		m := it.Merchant
		if m.Status != poscare.MerchantActive && m.Status != poscare.MerchantSuspended {
			continue
		}
		years := 1 + sd.g.r.IntN(3)
		// Started up to 30 days before it would end; one in thirty has
		// already run out.
		back := sd.g.r.IntN(years*365 - 30)
		if sd.g.r.IntN(30) == 0 {
			back = years*365 + 1 + sd.g.r.IntN(90)
		}
		start := today.AddDate(0, 0, -back)
		c := &poscare.Contract{
			MerchantID:         m.ID,
			StartsOn:           poscare.Date(start.Format(time.DateOnly)),
			EndsOn:             poscare.Date(start.AddDate(years, 0, 0).Format(time.DateOnly)),
			DepositFen:         pick(sd.g.r, []int64{0, 9900, 19900, 29900, 49900}),
			MonthlyCommFeeFen:  1500 + 100*sd.g.r.Int64N(16),
			MonthlyMaintFeeFen: pick(sd.g.r, []int64{0, 500, 1000, 1500, 2000}),
			Fees:               poscare.DefaultFees(m.FeeCategory),
		}
		if m.FeeCategory == poscare.FeeStandard {
			switch k := sd.g.r.IntN(100); {
			case k == 0:
				c.Fees.Credit = 450 // below the 0.50 % floor: 二清 or 跳码?
			case k < 6:
				c.Fees.Credit, c.Fees.QR = pick(sd.g.r, []poscare.RateE5{530, 550, 580}), 350
			}
		}
		if err := sd.s.CreateContract(sd.ctx, sd.ops, c); err != nil {
			return fmt.Errorf("demo: create contract of merchant %d: %w", m.ID, err)
		}
	}
	return nil
}

// storyArchived is how many merchants the continuity story archives.
const storyArchived = 2

// continuityStory sets the scene the continuity dashboard is for, through
// the same calls the console makes: in the last team an agent is on leave
// with a named cover, and a colleague did not answer three calls and is
// now suspected unreachable; in the first team an agent archived two
// merchants and removed a customer's e-mail (each with a reason), and the
// team's last agent quit without handing over, so their lead declared them
// departed: their merchants are spread over the team, the merchants are
// told their new contact (queued until a channel is configured), and the
// incident has two checklist items ticked.
func (sd *seeder) continuityStory() error {
	as := func(u *poscare.User) poscare.Actor {
		return poscare.Actor{UserID: u.ID, Login: u.Login, Role: u.Role, TeamID: u.TeamID, Source: "demo"}
	}
	first, last := sd.agents[0], sd.agents[len(sd.agents)-1]
	firstLead, lastLead := as(sd.leads[0]), as(sd.leads[len(sd.leads)-1])
	if len(sd.teams) > 1 && len(last) >= 3 {
		until := poscare.Date(sd.now.AddDate(0, 0, 14).Format("2006-01-02"))
		if _, err := sd.s.SetUserStatus(sd.ctx, lastLead, last[1].ID, poscare.StatusChange{Status: poscare.UserOnLeave,
			Reason: "年假两周", CoverID: &last[2].ID, AwayUntil: &until}); err != nil {
			return fmt.Errorf("demo: leave of %s: %w", last[1].Login, err)
		}
		// Three colleagues tried: the threshold counts people, not calls.
		for i, by := range []poscare.Actor{lastLead, as(last[2]), sd.ops} {
			outcome := []string{"no_answer", "no_answer", "disconnected"}[i]
			if err := sd.s.RecordContactAttempt(sd.ctx, by, last[0].ID, outcome, "早会未到，电话联系不上"); err != nil {
				return fmt.Errorf("demo: contact attempt: %w", err)
			}
		}
		if _, err := sd.s.SweepSilence(sd.ctx); err != nil {
			return fmt.Errorf("demo: silence sweep: %w", err)
		}
	}

	// The first agent of the first team with two prospects or terminated
	// merchants archives them: they hold no contract, so the contract
	// figures stay those of the trading merchants.
	var remover *poscare.User
	var gone []*poscare.Merchant
	for _, u := range first[:len(first)-1] {
		ms, err := sd.s.ListMerchants(sd.ctx, sd.ops, poscare.MerchantFilter{AccountManagerID: &u.ID, Page: poscare.Page{Limit: 500}})
		if err != nil {
			return err
		}
		gone = slices.DeleteFunc(ms, func(m *poscare.Merchant) bool {
			return m.Status != poscare.MerchantProspect && m.Status != poscare.MerchantTerminated
		})
		if remover = u; len(gone) >= storyArchived {
			break
		}
	}
	for i, m := range gone[:min(len(gone), storyArchived)] {
		if err := sd.s.Archive(sd.ctx, as(remover), poscare.EntityMerchant, m.ID, []string{"客户说店面已转让", "重复录入"}[i]); err != nil {
			return fmt.Errorf("demo: archive: %w", err)
		}
	}
	// One customer's detail that is not their preferred channel goes too.
	cs, err := sd.s.ListContacts(sd.ctx, as(remover), sqlstore.ContactFilter{Page: poscare.Page{Limit: 50}})
	if err != nil {
		return err
	}
removal:
	for _, c := range cs {
		for i, ch := range c.Channels {
			if ch.Kind != c.PreferredChannel {
				c.Channels, c.Reason = slices.Delete(c.Channels, i, i+1), "客户说这个联系方式不用了"
				if err := sd.s.UpdateContact(sd.ctx, as(remover), c); err != nil {
					return fmt.Errorf("demo: remove a contact detail: %w", err)
				}
				break removal
			}
		}
	}

	if err := sd.callbacks(); err != nil {
		return err
	}

	quitter := first[len(first)-1]
	x, err := sd.s.DeclareIncident(sd.ctx, firstLead, quitter.ID, poscare.Declaration{Kind: poscare.IncidentDeparted,
		Reason: "已离职三天，未办理交接，手机停机", Strategy: poscare.StrategySpread})
	if err != nil {
		return fmt.Errorf("demo: declare %s departed: %w", quitter.Login, err)
	}
	for _, c := range [][2]string{{poscare.CheckManagementInformed, "已电话告知销售总监"}, {poscare.CheckDataBackup, "已导出其名下商户清单"}} {
		if _, err := sd.s.CheckIncident(sd.ctx, firstLead, x.ID, c[0], c[1]); err != nil {
			return fmt.Errorf("demo: incident checklist: %w", err)
		}
	}
	sd.note(quitter, "已离职，主管已启动应急预案（登录已停用） / departed: the lead ran the playbook (login blocked)")
	sd.note(remover, "归档了 2 个商户、删除了 1 条联系方式（见员工页“删除记录”） / archived 2 merchants, removed a contact detail (see the staff page's removals)")
	if len(sd.teams) > 1 && len(last) >= 3 {
		sd.note(last[0], "疑似失联：主管 3 次联系失败 / suspected unreachable: 3 failed calls by the lead")
		sd.note(last[1], "休假中，由 "+last[2].Login+" 代岗 / on leave, covered by "+last[2].Login)
	}
	return nil
}

// callbacks: merchants ask to be called back. The first merchant user
// asks from the portal just now; the second asked six hours ago and nobody
// has called yet, so the request is overdue on its service contact's task
// list.
func (sd *seeder) callbacks() error {
	users, err := sd.s.ListUsers(sd.ctx, sd.system, sqlstore.UserFilter{Role: poscare.RoleMerchant, Page: poscare.Page{Limit: 10}})
	if err != nil {
		return err
	}
	asks := []struct {
		ago  time.Duration
		note string
	}{{0, "POS机屏幕显示“通讯失败”，请尽快回电"}, {6 * time.Hour, "想加一台POS机，请客户经理联系我"}}
	for i, u := range users[:min(len(users), len(asks))] {
		a := poscare.Actor{UserID: u.ID, Login: u.Login, Role: u.Role, MerchantID: u.MerchantID, Source: "demo"}
		at, now := sd.now.Add(-asks[i].ago), sd.s.Now
		sd.s.Now = func() time.Time { return at }
		_, err := sd.s.RequestCallback(sd.ctx, a, *u.MerchantID, asks[i].note)
		sd.s.Now = now
		if err != nil {
			return fmt.Errorf("demo: callback request: %w", err)
		}
		sd.note(u, []string{"刚请求回电 / just asked for a callback", "6 小时前请求回电，仍无人联系 / asked for a callback 6 hours ago, still waiting"}[i])
	}
	return nil
}

// note adds to the description of a demo login.
func (sd *seeder) note(u *poscare.User, more string) {
	for i := range sd.logins {
		if sd.logins[i].Login == u.Login {
			sd.logins[i].Note += " · " + more
		}
	}
}
