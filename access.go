package poscare

import "slices"

// Action is something an actor does to a kind of record.
type Action string

// Actions checked by the policy.
const (
	ActRead    Action = "read"    // list, get and history
	ActCreate  Action = "create"  // new record
	ActUpdate  Action = "update"  // change fields, move a stage
	ActArchive Action = "archive" // take out of use (never a hard delete)
	ActRestore Action = "restore" // put an archived record back
	ActReveal  Action = "reveal"  // read sensitive fields in clear (audited)
	ActExport  Action = "export"  // bulk download (audited)
	ActStatus  Action = "status"  // change a staff member's work status
)

// Actor is the authenticated user on whose behalf a call runs, with the
// network address it came from for the audit trail.
type Actor struct {
	UserID     int64
	Login      string
	Role       Role
	TeamID     *int64
	MerchantID *int64
	Source     string
	// Covers are the colleagues on leave this agent covers for (代岗): while
	// they are away their merchants are the agent's to serve and see.
	Covers []int64
}

// SystemActor is used by commands run on the server itself (migrations,
// demo data, key rotation); it is recorded as such in the audit trail.
func SystemActor(source string) Actor {
	return Actor{UserID: 0, Login: "system", Role: roleSystem, Source: source}
}

// roleSystem is the role of SystemActor only: no user can hold it, because
// Role.Valid rejects it, and it may do everything.
const roleSystem Role = "system"

type actions []Action

var (
	readOnly  = actions{ActRead}
	readWrite = actions{ActRead, ActCreate, ActUpdate, ActArchive, ActRestore}
)

// Permissions is the one declared table of which role may do what to which
// kind of record: the records' kinds here, each further capability's
// added by Grant from its own package (continuity: incidents, contact
// attempts, callback requests). Row scope (which merchants) is decided by MerchantScope;
// both together are the whole policy, and the route-by-role test walks it.
var Permissions = map[Role]map[string]actions{
	RoleAdmin: {
		EntityUser: append(readWrite, ActStatus), EntityTeam: readWrite, EntityAudit: readOnly,
		EntityMerchant: readOnly, EntityContact: readOnly, EntityTerminal: readOnly,
		EntityApplication: readOnly, EntityContract: readOnly,
		EntityMetrics: readOnly,
	},
	RoleOps: {
		EntityUser: {ActRead, ActStatus}, EntityTeam: readOnly, EntityAudit: readOnly,
		EntityMerchant:    append(readWrite, ActReveal, ActExport),
		EntityContact:     readWrite,
		EntityTerminal:    readWrite,
		EntityApplication: readWrite,
		EntityContract:    readWrite,
		EntityMetrics:     readOnly,
	},
	RoleLead: {
		EntityUser: {ActRead, ActStatus}, EntityTeam: readOnly,
		EntityMerchant:    append(readWrite, ActReveal, ActExport),
		EntityContact:     readWrite,
		EntityTerminal:    readOnly,
		EntityApplication: readWrite,
		EntityContract:    readWrite,
	},
	RoleAgent: {
		EntityUser: readOnly, EntityTeam: readOnly,
		EntityMerchant:    append(readWrite, ActReveal),
		EntityContact:     readWrite,
		EntityTerminal:    readOnly,
		EntityApplication: readWrite,
		EntityContract:    readOnly,
	},
	RoleTech: {
		EntityUser: readOnly, EntityTeam: readOnly,
		EntityMerchant: readOnly, EntityContact: readOnly,
		EntityTerminal:    readWrite,
		EntityApplication: {ActRead, ActUpdate},
	},
	RoleAuditor: {
		EntityUser: readOnly, EntityTeam: readOnly, EntityAudit: readOnly,
		EntityMerchant:    {ActRead, ActReveal, ActExport},
		EntityContact:     readOnly,
		EntityTerminal:    readOnly,
		EntityApplication: readOnly,
		EntityContract:    readOnly,
	},
	RoleMerchant: {
		EntityMerchant: readOnly, EntityContact: readOnly, EntityTerminal: readOnly,
		EntityApplication: readOnly, EntityContract: readOnly,
	},
}

// Grant adds a capability's kind of record to the role table: which role
// may do what to it. A capability declares its own kinds beside its rules
// (var _ = poscare.Grant(…)), so that adding one needs no edit of the
// table above; a role given actions on a kind the table already holds for
// it panics, because two declarations of one policy would drift apart. It
// returns true for use as a variable declaration.
func Grant(entity string, byRole map[Role][]Action) bool {
	for role := range byRole {
		if _, taken := Permissions[role][entity]; taken {
			panic("poscare: permissions for " + entity + " declared twice for " + string(role))
		}
		if role != roleSystem && !role.Valid() {
			panic("poscare: permissions for " + entity + " given to an unknown role " + string(role))
		}
	}
	for role, acts := range byRole {
		if Permissions[role] == nil {
			Permissions[role] = map[string]actions{}
		}
		Permissions[role][entity] = slices.Clone(acts)
	}
	return true
}

// Can reports whether the actor's role may do act to records of entity at
// all. Whether a particular row is visible is a separate question.
func (a Actor) Can(entity string, act Action) bool {
	if a.Role == roleSystem {
		return true
	}
	for _, x := range Permissions[a.Role][entity] {
		if x == act {
			return true
		}
	}
	return false
}

// Scope is the set of merchants an actor may see. Every record that hangs
// off a merchant (contacts, terminals, applications, contracts) inherits it.
// Exactly one of the fields is set, or All.
type Scope struct {
	All        bool
	ManagerID  int64   // an agent: merchants they manage or back up …
	Covers     []int64 // … and those of the colleagues on leave they cover
	TeamID     int64   // a lead: the team's merchants
	MerchantID int64   // a merchant user: that merchant only
	None       bool    // sees no merchant
}

// MerchantScope returns which merchants the actor may see.
func (a Actor) MerchantScope() Scope {
	switch a.Role {
	case RoleAdmin, RoleOps, RoleAuditor, RoleTech, roleSystem:
		return Scope{All: true}
	case RoleLead:
		if a.TeamID != nil {
			return Scope{TeamID: *a.TeamID}
		}
	case RoleAgent:
		return Scope{ManagerID: a.UserID, Covers: a.Covers}
	case RoleMerchant:
		if a.MerchantID != nil {
			return Scope{MerchantID: *a.MerchantID}
		}
	}
	return Scope{None: true}
}

// Holds reports whether the merchant lies inside the scope. It is the same
// rule the store turns into SQL for lists.
func (s Scope) Holds(m *Merchant) bool {
	switch {
	case s.None:
		return false
	case s.All:
		return true
	case s.ManagerID != 0:
		return m.AccountManagerID == s.ManagerID || (m.BackupManagerID != nil && *m.BackupManagerID == s.ManagerID) ||
			slices.Contains(s.Covers, m.AccountManagerID)
	case s.TeamID != 0:
		return m.TeamID == s.TeamID
	case s.MerchantID != 0:
		return m.ID == s.MerchantID
	}
	return false
}

// CheckAssignment decides whether the actor may give a merchant the team,
// account manager and backup it has in after (before is nil on create).
// Agents cannot hand merchants around: that is a lead's or ops' decision,
// and the continuity playbook's. An agent creating a merchant manages it.
func (a Actor) CheckAssignment(before, after *Merchant) error {
	switch a.Role {
	case RoleAgent:
		if before == nil {
			if after.AccountManagerID != a.UserID {
				return Errorf(EForbidden, "业务员只能创建由自己负责的商户", "an agent can only create merchants they manage")
			}
			return nil
		}
		if before.AccountManagerID != after.AccountManagerID || before.TeamID != after.TeamID ||
			!sameID(before.BackupManagerID, after.BackupManagerID) {
			return Errorf(EForbidden, "业务员不能转移商户，请联系主管", "an agent cannot reassign merchants; ask the team lead")
		}
	case RoleLead:
		if a.TeamID == nil || after.TeamID != *a.TeamID {
			return Errorf(EForbidden, "主管只能把商户分配在本团队内", "a lead assigns merchants within the team only")
		}
	}
	return nil
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// SeesAllUsers reports whether the actor's role sees every user.
func (a Actor) SeesAllUsers() bool {
	switch a.Role {
	case RoleAdmin, RoleOps, RoleAuditor, roleSystem:
		return true
	}
	return false
}

// CanSeeUser reports whether the actor may see a user: everybody for central
// roles, the own team for leads and agents, only themselves otherwise.
func (a Actor) CanSeeUser(u *User) bool {
	if a.SeesAllUsers() {
		return true
	}
	switch a.Role {
	case RoleLead, RoleAgent, RoleTech:
		if u.ID == a.UserID {
			return true
		}
		if a.Role == RoleTech {
			return u.Role.IsStaff()
		}
		return a.TeamID != nil && u.TeamID != nil && *a.TeamID == *u.TeamID
	}
	return u.ID == a.UserID
}
