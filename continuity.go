package poscare

// ServiceCentre is the provider's 24-hour merchant service centre, the last
// link of every service-contact chain, so that the answer is never empty.
type ServiceCentre struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Email  string `json:"email,omitempty"`
	WeChat string `json:"wechat,omitempty"`
}

// Links of the service-contact chain.
const (
	ViaAccountManager = "account_manager"
	ViaCover          = "cover"
	ViaBackup         = "backup"
	ViaTeamLead       = "team_lead"
	ViaServiceCentre  = "service_centre"
)

// ServiceContact is who a merchant should contact right now, and why it is
// that person.
type ServiceContact struct {
	Via    string `json:"via"`
	UserID *int64 `json:"user_id,omitempty"`
	Name   string `json:"name"`
	Mobile string `json:"mobile,omitempty"`
	Email  string `json:"email,omitempty"`
	WeChat string `json:"wechat,omitempty"`
	Why    Text   `json:"why"`
}

// People is what the chain needs to know about the people around a
// merchant: its account manager, that person's cover while on leave, the
// backup manager and the team lead (any may be nil).
type People struct {
	Manager, Cover, Backup, Lead *User
}

// ResolveServiceContact walks the chain: the account manager if available;
// while they are on leave, their named cover; then the backup manager; then
// the team lead; and always, at the end, the 24-hour service centre. The
// answer never depends on one person.
func ResolveServiceContact(p People, centre ServiceCentre) ServiceContact {
	person := func(via string, u *User, why Text) ServiceContact {
		id := u.ID
		return ServiceContact{Via: via, UserID: &id, Name: u.Name, Mobile: u.Mobile, Email: u.Email, WeChat: u.WeChat, Why: why}
	}
	if p.Manager.Available() {
		return person(ViaAccountManager, p.Manager, Text{"您的客户经理", "your account manager"})
	}
	if p.Manager != nil && p.Manager.Status == UserOnLeave && p.Cover.Available() {
		return person(ViaCover, p.Cover, Text{"客户经理休假期间由其代岗同事负责", "covering while your account manager is on leave"})
	}
	if p.Backup.Available() {
		return person(ViaBackup, p.Backup, Text{"客户经理暂时无法服务，由备岗客户经理负责", "your backup manager, while your account manager is unavailable"})
	}
	if p.Lead.Available() {
		return person(ViaTeamLead, p.Lead, Text{"由团队主管直接负责", "the team lead, while neither manager is available"})
	}
	return ServiceContact{Via: ViaServiceCentre, Name: centre.Name, Mobile: centre.Phone, Email: centre.Email, WeChat: centre.WeChat,
		Why: Text{"24小时商户服务中心", "the 24-hour merchant service centre"}}
}

// CanSetStatus reports whether the actor may change a staff member's
// status: ops and admins for anyone, a lead for the own team, nobody for
// themselves (a missing person cannot declare themselves back).
func (a Actor) CanSetStatus(u *User) bool {
	if u.ID == a.UserID || !u.Role.IsStaff() {
		return false
	}
	switch a.Role {
	case RoleAdmin, RoleOps, roleSystem:
		return true
	case RoleLead:
		return a.TeamID != nil && u.TeamID != nil && *a.TeamID == *u.TeamID
	}
	return false
}
