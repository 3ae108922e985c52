package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/testenv"
)

// TestDepartedComeBackOnlyThroughTheIncident: a lead setting a departed
// agent back to active is refused with 409 in the caller's language, and
// the agent still cannot log in; the return on the incident brings them
// back, and then they can.
func TestDepartedComeBackOnlyThroughTheIncident(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			ctx := context.Background()
			lead := e.token(e.w.Users[poscare.RoleLead])
			spare := e.w.Spare
			x, err := s.DeclareIncident(ctx, poscare.SystemActor("t"), spare.ID, poscare.Declaration{Kind: poscare.IncidentDeparted, Reason: "离职未交接", Strategy: poscare.StrategySpread})
			if err != nil {
				t.Fatal(err)
			}
			for lang, want := range map[string]string{"zh-CN": "应急事件中办理返岗", "en": "only through the return on their incident"} {
				res := e.do("POST", fmt.Sprintf("/api/v1/users/%d/status", spare.ID), lead, poscare.StatusChange{Status: poscare.UserActive, Reason: "回来了"}, "Accept-Language", lang)
				var body httpapi.ErrorBody
				res.decode(t, &body)
				if res.status != http.StatusConflict || body.Error.Code != poscare.EConflict || !strings.Contains(body.Error.Message, want) {
					t.Fatalf("%s: %d %s", lang, res.status, res.body)
				}
			}
			login := func() int {
				return e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": spare.Login, "password": "fixture-password-1"}).status
			}
			if st := login(); st != http.StatusUnauthorized {
				t.Fatalf("the departed agent logs in: %d", st)
			}
			res := e.do("POST", fmt.Sprintf("/api/v1/incidents/%d/return", x.ID), lead, httpapi.ReturnBody{})
			if res.status != http.StatusOK {
				t.Fatalf("return: %d %s", res.status, res.body)
			}
			if st := login(); st != http.StatusOK {
				t.Fatalf("the returned agent cannot log in: %d", st)
			}
		})
	}
}
