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
	agent := portfolioAgent(b, s, 2000)
	ms, _ := s.ListMerchants(ctx, ops, poscare.MerchantFilter{AccountManagerID: &agent, Page: poscare.Page{Limit: 1, Offset: 100}})
	cs, _ := s.ListContacts(ctx, ops, sqlstore.ContactFilter{MerchantID: &ms[0].ID})
	m := strconv.FormatInt(ms[0].ID, 10)
	pages := []string{"/", "/merchants", "/merchants?q=" + url.QueryEscape("火锅"), "/merchants?q=" + url.QueryEscape(cs[0].Channels[0].Value),
		"/merchants?status=suspended", "/merchants/" + m, "/merchants/" + m + "/edit", "/contacts/" + strconv.FormatInt(cs[0].ID, 10) + "/edit",
		"/history/merchant/" + m, "/terminals", "/board", "/staff", "/audit", "/continuity", "/incidents"}
	for _, who := range []struct {
		name string
		id   int64
	}{{"ops", ops.UserID}, {"agent", agent}} {
		token, err := s.CreateSession(ctx, who.id)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(who.name+"/dashboard-uncached", func(b *testing.B) {
			req := httptest.NewRequest("GET", "/", nil)
			req.AddCookie(&http.Cookie{Name: SessionCookie, Value: token})
			for b.Loop() {
				dashboardCache.mu.Lock()
				clear(dashboardCache.m)
				dashboardCache.mu.Unlock()
				rec := httptest.NewRecorder()
				c.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("dashboard: %d", rec.Code)
				}
			}
		})
		for _, p := range pages {
			if who.name == "agent" && (p == "/audit" || p == "/continuity" || p == "/incidents") {
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

// portfolioAgent returns an agent holding n merchants of the benchmark
// database, as a real salesperson does (hundreds to a few thousand), making
// one and handing merchants to them on first use.
func portfolioAgent(b *testing.B, s *sqlstore.Store, n int) int64 {
	ctx := context.Background()
	sys := poscare.SystemActor("bench")
	if us, _ := s.ListUsers(ctx, sys, sqlstore.UserFilter{Q: "portfolio1"}); len(us) > 0 {
		return us[0].ID
	}
	teams, _ := s.ListTeams(ctx, sys, false, poscare.Page{Limit: 1})
	u := &poscare.User{Login: "portfolio1", Name: "陈晓东", Role: poscare.RoleAgent, TeamID: &teams[0].ID, Mobile: "13800000001"}
	if err := s.CreateUser(ctx, sys, u, "portfolio-password"); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		m, err := s.GetMerchant(ctx, sys, int64(1+i*487))
		if err != nil {
			b.Fatal(err)
		}
		m.AccountManagerID, m.TeamID = u.ID, teams[0].ID
		if err := s.UpdateMerchant(ctx, sys, m); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Optimize(ctx); err != nil {
		b.Fatal(err)
	}
	return u.ID
}
