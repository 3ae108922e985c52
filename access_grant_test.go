package poscare

import "testing"

// A capability's kinds of record join the one role table through Grant,
// and the table refuses a second declaration for the same role.
var _ = Grant("test_ticket", map[Role][]Action{RoleAgent: {ActRead, ActCreate}, RoleOps: {ActRead}})

func TestGrantAddsAKindToTheRoleTable(t *testing.T) {
	agent, ops, auditor := Actor{Role: RoleAgent}, Actor{Role: RoleOps}, Actor{Role: RoleAuditor}
	if !agent.Can("test_ticket", ActCreate) || !ops.Can("test_ticket", ActRead) {
		t.Error("granted actions are refused")
	}
	if ops.Can("test_ticket", ActCreate) || auditor.Can("test_ticket", ActRead) {
		t.Error("actions never granted are allowed")
	}
	for name, grant := range map[string]map[Role][]Action{
		"twice":        {RoleAgent: {ActRead}},
		"core kind":    {RoleOps: {ActRead}},
		"unknown role": {Role("boss"): {ActRead}},
	} {
		entity := "test_ticket"
		if name == "core kind" {
			entity = EntityMerchant
		} else if name == "unknown role" {
			entity = "test_other"
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Grant(%s) accepted %v", name, entity, grant)
				}
			}()
			Grant(entity, grant)
		}()
	}
}
