package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"poscare"
	"poscare/internal/benchdb"
	"poscare/sqlstore"
)

// BenchmarkPages renders every console page from the 1,000,000-merchant
// database through the real handler (session lookup, store queries,
// templates), as ops (the widest scope) and as an agent. One op is one
// page view; the figure is server time, without network.
func BenchmarkPages(b *testing.B) {
	if testing.Short() {
		b.Skip("needs the 1,000,000-merchant database")
	}
	s, ops := benchdb.Million(b)
	c, err := New(s, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	agents, _ := s.ListUsers(ctx, poscare.SystemActor("bench"), sqlstore.UserFilter{Role: poscare.RoleAgent, Page: poscare.Page{Limit: 1}})
	ms, _ := s.ListMerchants(ctx, ops, poscare.MerchantFilter{Page: poscare.Page{Limit: 1, Offset: 5000}})
	cs, _ := s.ListContacts(ctx, ops, sqlstore.ContactFilter{MerchantID: &ms[0].ID})
	m := strconv.FormatInt(ms[0].ID, 10)
	pages := []string{"/", "/merchants", "/merchants?q=" + url.QueryEscape("火锅"), "/merchants?q=" + url.QueryEscape(cs[0].Channels[0].Value),
		"/merchants?status=suspended", "/merchants/" + m, "/merchants/" + m + "/edit", "/contacts/" + strconv.FormatInt(cs[0].ID, 10) + "/edit",
		"/history/merchant/" + m, "/terminals", "/board", "/staff", "/audit"}
	for _, who := range []struct {
		name string
		id   int64
	}{{"ops", ops.UserID}, {"agent", agents[0].ID}} {
		token, err := s.CreateSession(ctx, who.id)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range pages {
			if who.name == "agent" && p == "/audit" {
				continue
			}
			b.Run(who.name+p, func(b *testing.B) {
				req := httptest.NewRequest("GET", p, nil)
				req.AddCookie(&http.Cookie{Name: SessionCookie, Value: token})
				for b.Loop() {
					rec := httptest.NewRecorder()
					c.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("%s: %d", p, rec.Code)
					}
				}
			})
		}
	}
}
