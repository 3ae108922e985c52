package continuity

import "poscare"

// The continuity capability's kinds of record in the role table.
var (
	_ = poscare.Grant(poscare.EntityIncident, map[poscare.Role][]poscare.Action{
		poscare.RoleAdmin:   {poscare.ActRead},
		poscare.RoleOps:     {poscare.ActRead, poscare.ActCreate, poscare.ActUpdate},
		poscare.RoleLead:    {poscare.ActRead, poscare.ActCreate, poscare.ActUpdate},
		poscare.RoleAuditor: {poscare.ActRead},
	})
	// A failed attempt to reach a colleague, a sign of silence.
	_ = poscare.Grant(poscare.EntityContactAttempt, map[poscare.Role][]poscare.Action{
		poscare.RoleOps: {poscare.ActCreate}, poscare.RoleLead: {poscare.ActCreate}, poscare.RoleAgent: {poscare.ActCreate},
	})
	// A merchant's request to be called back: anyone who serves or is a
	// merchant may record one.
	_ = poscare.Grant(poscare.EntityCallback, map[poscare.Role][]poscare.Action{
		poscare.RoleOps: {poscare.ActCreate}, poscare.RoleLead: {poscare.ActCreate}, poscare.RoleAgent: {poscare.ActCreate},
		poscare.RoleTech: {poscare.ActCreate}, poscare.RoleMerchant: {poscare.ActCreate},
	})
)
