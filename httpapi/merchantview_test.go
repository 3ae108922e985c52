package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/testenv"
)

// TestMerchantSeesNoStaffIDs asks for the service contact and a callback
// as the merchant's own user: the answers say whom to call and when, but
// carry no staff user id; staff asking the same see the ids.
func TestMerchantSeesNoStaffIDs(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			m := e.w.Merchant
			staffID := fmt.Sprintf(`"user_id":%d`, m.AccountManagerID)
			merchant := e.token(e.w.Users[poscare.RoleMerchant])
			for _, c := range []struct{ method, path string }{
				{"GET", fmt.Sprintf("/api/v1/merchants/%d/service-contact", m.ID)},
				{"POST", fmt.Sprintf("/api/v1/merchants/%d/callback-requests", m.ID)},
			} {
				var body any
				if c.method == "POST" {
					body = httpapi.CallbackBody{Note: "请回电"}
				}
				res := e.do(c.method, c.path, merchant, body)
				if res.status >= 300 || strings.Contains(string(res.body), staffID) {
					t.Errorf("merchant %s %s: %d %s", c.method, c.path, res.status, res.body)
				}
			}
			ops := e.token(e.w.Users[poscare.RoleOps])
			res := e.do("GET", fmt.Sprintf("/api/v1/merchants/%d/service-contact", m.ID), ops, nil)
			if !strings.Contains(string(res.body), staffID) {
				t.Errorf("ops service contact: %d %s, want %s", res.status, res.body, staffID)
			}
		})
	}
}
