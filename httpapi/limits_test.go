package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"poscare"
	"poscare/httpapi"
	"poscare/internal/fixture"
	"poscare/internal/testenv"
)

// TestFreeTextHasAMaximum sends 900,000 characters (under the 1 MiB body
// limit) in free-text fields that had no maximum and finds each refused
// with a 422 naming the field in both languages, and nothing stored.
func TestFreeTextHasAMaximum(t *testing.T) {
	t.Parallel()
	for name, s := range testenv.Stores(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, s)
			ctx, sys, w := context.Background(), poscare.SystemActor("test"), e.w
			huge := strings.Repeat("a", 900_000)
			x, err := s.DeclareIncident(ctx, sys, w.Spare.ID, poscare.Declaration{Kind: poscare.IncidentMissing, Reason: "长度测试"})
			if err != nil {
				t.Fatal(err)
			}
			tok := e.token(w.Users[poscare.RoleOps])
			terminal := poscare.Terminal{Serial: fmt.Sprintf("PX%010d", fixture.Seq()), Model: "A920", Vendor: "百富", Status: poscare.TerminalInStock, InstallAddress: huge}
			for _, c := range []struct {
				path, field string
				body        any
			}{
				{"/api/v1/terminals", "install_address", terminal},
				{fmt.Sprintf("/api/v1/incidents/%d/check", x.ID), "notes", httpapi.CheckBody{Item: poscare.CheckPoliceReport, Notes: huge}},
				{fmt.Sprintf("/api/v1/users/%d/contact-attempts", w.Users[poscare.RoleAgent].ID), "notes", httpapi.AttemptBody{Outcome: "no_answer", Notes: huge}},
				{fmt.Sprintf("/api/v1/merchants/%d/callback-requests", w.Merchant.ID), "note", httpapi.CallbackBody{Note: huge}},
				{fmt.Sprintf("/api/v1/users/%d/status", w.AgentB.ID), "reason", poscare.StatusChange{Status: poscare.UserActive, Reason: huge}},
			} {
				for _, lang := range []string{"zh-CN", "en"} {
					res := e.do("POST", c.path, tok, c.body, "Accept-Language", lang)
					var body httpapi.ErrorBody
					if res.status == http.StatusUnprocessableEntity {
						res.decode(t, &body)
					}
					label := poscare.FieldLabel(c.field).In(strings.TrimSuffix(lang, "-CN"))
					if res.status != http.StatusUnprocessableEntity || !strings.HasPrefix(body.Error.Fields[c.field], label) {
						t.Errorf("%s in %s: %d %.300s, want 422 naming %s", c.path, lang, res.status, res.body, label)
					}
				}
			}
			got, err := s.GetIncident(ctx, sys, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range got.Checklist {
				if item.Item == poscare.CheckPoliceReport && item.Done != nil {
					t.Errorf("checklist item %s ticked by a refused request", item.Item)
				}
			}
		})
	}
}
