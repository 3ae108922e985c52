package continuity_test

import (
	"testing"

	"poscare"
	_ "poscare/continuity"
)

// The continuity capability's kinds are in the role table once the
// package is linked, with what each role may do to them and no more.
func TestContinuityKindsInTheRoleTable(t *testing.T) {
	all := []poscare.Action{poscare.ActRead, poscare.ActCreate, poscare.ActUpdate, poscare.ActArchive, poscare.ActRestore, poscare.ActReveal, poscare.ActExport, poscare.ActStatus}
	want := map[string]map[poscare.Role][]poscare.Action{
		poscare.EntityIncident: {
			poscare.RoleAdmin: {poscare.ActRead}, poscare.RoleAuditor: {poscare.ActRead},
			poscare.RoleOps:  {poscare.ActRead, poscare.ActCreate, poscare.ActUpdate},
			poscare.RoleLead: {poscare.ActRead, poscare.ActCreate, poscare.ActUpdate},
		},
		poscare.EntityContactAttempt: {poscare.RoleOps: {poscare.ActCreate}, poscare.RoleLead: {poscare.ActCreate}, poscare.RoleAgent: {poscare.ActCreate}},
		poscare.EntityCallback: {poscare.RoleOps: {poscare.ActCreate}, poscare.RoleLead: {poscare.ActCreate}, poscare.RoleAgent: {poscare.ActCreate},
			poscare.RoleTech: {poscare.ActCreate}, poscare.RoleMerchant: {poscare.ActCreate}},
	}
	for entity, byRole := range want {
		for _, role := range poscare.Roles {
			allowed := map[poscare.Action]bool{}
			for _, act := range byRole[role] {
				allowed[act] = true
			}
			for _, act := range all {
				if got := (poscare.Actor{Role: role}).Can(entity, act); got != allowed[act] {
					t.Errorf("%s may %s %s: %v, want %v", role, act, entity, got, allowed[act])
				}
			}
		}
	}
}
