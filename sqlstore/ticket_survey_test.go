package sqlstore_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"poscare"
	fx "poscare/internal/fixture"
	"poscare/internal/testenv"
	"poscare/servicedesk"
)

func TestRatingsFollowResolution(t *testing.T) {
	t.Parallel()
	for name, dsn := range testenv.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testenv.Open(t, dsn)
			w := fx.Build(t, s)
			sys := poscare.SystemActor("t")
			var mu sync.Mutex
			now := time.Now().UTC()
			s.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			lead, agent, shop := w.Users[poscare.RoleLead], fx.Actor(w.Users[poscare.RoleAgent]), fx.Actor(w.Users[poscare.RoleMerchant])
			w.Team1.LeadID = &lead.ID
			must(t, s.UpdateTeam(ctx, sys, w.Team1))
			v, err := s.OpenTicket(ctx, shop, &servicedesk.Ticket{Kind: servicedesk.KindRepair, Subject: "打印机不出纸"})
			must(t, err)
			if x, err := s.OpenSurvey(ctx, shop, v.ID); err != nil || x != nil {
				t.Fatalf("a survey before any resolution: %+v %v", x, err)
			}
			if err := s.AnswerSurvey(ctx, shop, v.ID, servicedesk.Survey{Resolution: 5, Speed: 5, Attitude: 5}, "", ""); poscare.ErrorCode(err) != poscare.EConflict {
				t.Errorf("rating before resolution: %v", err)
			}
			_, err = s.MoveTicket(ctx, agent, v.ID, servicedesk.StatusResolved, "")
			must(t, err)
			x, err := s.OpenSurvey(ctx, shop, v.ID)
			if err != nil || x == nil || x.Round != 1 {
				t.Fatalf("survey after resolution: %+v %v", x, err)
			}
			if err := s.AnswerSurvey(ctx, agent, v.ID, servicedesk.Survey{Resolution: 5, Speed: 5, Attitude: 5}, "", ""); poscare.ErrorCode(err) != poscare.EForbidden {
				t.Errorf("staff rating for the merchant: %v", err)
			}
			if err := s.AnswerSurvey(ctx, shop, v.ID, servicedesk.Survey{Resolution: 0, Speed: 6, Attitude: 3}, "", ""); poscare.ErrorCode(err) != poscare.EInvalid {
				t.Errorf("scores out of range: %v", err)
			}
			// A low rating by link reopens the ticket for the lead.
			link := s.SurveyLink(v.ID, 1, now.Add(time.Hour))
			q, _ := url.ParseQuery(link)
			must(t, s.AnswerSurvey(ctx, poscare.Actor{}, 0, servicedesk.Survey{Resolution: 1, Speed: 4, Attitude: 4, Comment: "还是不出纸"}, q.Get("r"), q.Get("s")))
			got, err := s.GetTicket(ctx, agent, v.ID)
			must(t, err)
			if got.Status != servicedesk.StatusReopened || got.AssigneeID == nil || *got.AssigneeID != lead.ID {
				t.Errorf("after a low rating: %s %v", got.Status, got.AssigneeID)
			}
			if err := s.AnswerSurvey(ctx, poscare.Actor{}, 0, servicedesk.Survey{Resolution: 5, Speed: 5, Attitude: 5}, q.Get("r"), q.Get("s")); poscare.ErrorCode(err) != poscare.EInvalid {
				t.Errorf("a used link: %v", err)
			}
			if err := s.AnswerSurvey(ctx, poscare.Actor{}, 0, servicedesk.Survey{Resolution: 5, Speed: 5, Attitude: 5}, q.Get("r"), q.Get("s")+"x"); poscare.ErrorCode(err) != poscare.EInvalid {
				t.Errorf("a forged link: %v", err)
			}
			// Resolved again: a second rating, which a good score leaves closed.
			_, err = s.MoveTicket(ctx, fx.Actor(lead), v.ID, servicedesk.StatusResolved, "")
			must(t, err)
			must(t, s.AnswerSurvey(ctx, shop, v.ID, servicedesk.Survey{Resolution: 5, Speed: 4, Attitude: 5}, "", ""))
			if got, _ := s.GetTicket(ctx, agent, v.ID); got.Status != servicedesk.StatusResolved {
				t.Errorf("after a good rating: %s", got.Status)
			}
			late := s.SurveyLink(v.ID, 2, now.Add(-time.Minute))
			q, _ = url.ParseQuery(late)
			if _, _, err := s.SurveyByLink(ctx, q.Get("r"), q.Get("s")); poscare.ErrorCode(err) != poscare.EInvalid {
				t.Errorf("an expired link: %v", err)
			}
		})
	}
}
