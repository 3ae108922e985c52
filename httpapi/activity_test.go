package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/testenv"
)

// TestMerchantSeesItsActivityNotTheAuditTrail has staff work on a
// merchant through the API (an edit by ops, a contact edit by the agent,
// a reveal of the sensitive fields, an export) and reads the merchant's
// history as its own user: each change is there, told by role, and no
// staff login, name, network address or internal event is. The audit
// trail itself is refused to the merchant user.
func TestMerchantSeesItsActivityNotTheAuditTrail(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			ctx, w := context.Background(), e.w
			opsUser, agent := w.Users[poscare.RoleOps], w.Users[poscare.RoleAgent]
			opsTok, agentTok, shopTok := e.token(opsUser), e.token(agent), e.token(w.Users[poscare.RoleMerchant])
			m, err := s.GetMerchant(ctx, ops(w), w.Merchant.ID)
			if err != nil {
				t.Fatal(err)
			}
			m.Address = "四川省成都市锦江区红星路二段99号"
			if res := e.do("PUT", fmt.Sprintf("/api/v1/merchants/%d", m.ID), opsTok, m); res.status != http.StatusOK {
				t.Fatalf("ops edit: %d %s", res.status, res.body)
			}
			ct, err := s.GetContact(ctx, ops(w), w.Contact.ID)
			if err != nil {
				t.Fatal(err)
			}
			ct.Name = "王大老板"
			if res := e.do("PUT", fmt.Sprintf("/api/v1/contacts/%d", ct.ID), agentTok, ct); res.status != http.StatusOK {
				t.Fatalf("agent edit: %d %s", res.status, res.body)
			}
			for _, path := range []string{fmt.Sprintf("/api/v1/merchants/%d/sensitive", m.ID), "/api/v1/merchants.csv"} {
				if res := e.do("GET", path, opsTok, nil); res.status != http.StatusOK {
					t.Fatalf("%s: %d %s", path, res.status, res.body)
				}
			}
			// Staff see these in the audit trail, with who and from where.
			var trail httpapi.List[poscare.AuditEntry]
			e.do("GET", fmt.Sprintf("/api/v1/merchants/%d/history", m.ID), opsTok, nil).decode(t, &trail)
			if !slices.ContainsFunc(trail.Items, func(x poscare.AuditEntry) bool { return x.Action == poscare.AuditView && x.ActorLogin == opsUser.Login }) {
				t.Fatalf("the staff trail lacks the reveal: %+v", trail.Items)
			}

			res := e.do("GET", fmt.Sprintf("/api/v1/merchants/%d/activity", m.ID), shopTok, nil)
			if res.status != http.StatusOK {
				t.Fatalf("activity: %d %s", res.status, res.body)
			}
			body := string(res.body)
			for _, leak := range []string{"127.0.0.1", `"` + opsUser.Login + `"`, agent.Login, opsUser.Name, agent.Name, poscare.AuditView, `"export"`, `"login"`, `"source"`, `"actor`} {
				if strings.Contains(body, leak) {
					t.Errorf("the merchant's history shows %q: %s", leak, body)
				}
			}
			var got httpapi.List[poscare.MerchantEvent]
			res.decode(t, &got)
			has := func(by, action, entity, field string) bool {
				return slices.ContainsFunc(got.Items, func(ev poscare.MerchantEvent) bool {
					return ev.By.Zh == by && ev.Action == action && ev.Entity == entity && slices.Contains(ev.Fields, field)
				})
			}
			if !has("服务中心", "update", poscare.EntityMerchant, "address") {
				t.Errorf("the ops edit is not shown as the service centre changing the address: %+v", got.Items)
			}
			if !has("客户经理", "update", poscare.EntityContact, "name") {
				t.Errorf("the agent's edit is not shown as the account manager changing the contact's name: %+v", got.Items)
			}
			for _, ev := range got.Items {
				if ev.By.En == "" || ev.By.Zh == "" {
					t.Errorf("event without its role in both languages: %+v", ev)
				}
			}
			if res := e.do("GET", fmt.Sprintf("/api/v1/merchants/%d/history", m.ID), shopTok, nil); res.status != http.StatusForbidden {
				t.Errorf("merchant user read the audit trail: %d %s", res.status, res.body)
			}
			if res := e.do("GET", fmt.Sprintf("/api/v1/contacts/%d/history", ct.ID), shopTok, nil); res.status != http.StatusForbidden {
				t.Errorf("merchant user read a contact's audit trail: %d %s", res.status, res.body)
			}
			if res := e.do("GET", fmt.Sprintf("/api/v1/merchants/%d/activity", w.OtherMerchant.ID), shopTok, nil); res.status != http.StatusNotFound {
				t.Errorf("merchant user read another merchant's activity: %d %s", res.status, res.body)
			}
		})
	}
}
