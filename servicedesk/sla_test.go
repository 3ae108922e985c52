package servicedesk_test

import (
	"errors"
	"testing"
	"time"

	"poscare"
	"poscare/servicedesk"
	"poscare/workcal"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func office(t *testing.T) *workcal.Calendar {
	t.Helper()
	hours, _ := workcal.ParseWindows("09:00-12:00,13:30-18:00")
	cal, err := workcal.New(workcal.Config{Zone: shanghai, Hours: hours, Holidays: workcal.China()})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func opened(s string) servicedesk.Event {
	return servicedesk.Event{At: at(s), Kind: servicedesk.EventOpened}
}
func reply(s string) servicedesk.Event {
	return servicedesk.Event{At: at(s), Kind: servicedesk.EventStaffReply}
}
func wrote(s string) servicedesk.Event {
	return servicedesk.Event{At: at(s), Kind: servicedesk.EventMerchantMsg}
}
func moved(s string, to servicedesk.Status) servicedesk.Event {
	return servicedesk.Event{At: at(s), Kind: servicedesk.EventStatus, Status: to}
}

func clock(t *testing.T, states []servicedesk.ClockState, c servicedesk.Clock) servicedesk.ClockState {
	t.Helper()
	for _, s := range states {
		if s.Clock == c {
			return s
		}
	}
	t.Fatalf("no %s clock in %+v", c, states)
	return servicedesk.ClockState{}
}

func same(t *testing.T, what string, got time.Time, want string) {
	t.Helper()
	if want == "" {
		if !got.IsZero() {
			t.Errorf("%s = %s, want none", what, got.In(shanghai).Format("2006-01-02 15:04"))
		}
		return
	}
	if !got.Equal(at(want)) {
		t.Errorf("%s = %s, want %s", what, got.In(shanghai).Format("2006-01-02 15:04"), want)
	}
}

func TestTheMostSpecificPolicyWins(t *testing.T) {
	team, merchant := int64(3), int64(42)
	all := &servicedesk.Policy{ID: 1, Name: "default"}
	complaints := &servicedesk.Policy{ID: 2, Kind: servicedesk.KindComplaint}
	urgent := &servicedesk.Policy{ID: 3, Priority: servicedesk.PriorityUrgent}
	teamPolicy := &servicedesk.Policy{ID: 4, TeamID: &team}
	contract := &servicedesk.Policy{ID: 5, MerchantID: &merchant}
	older := &servicedesk.Policy{ID: 0, Kind: servicedesk.KindComplaint}
	policies := []*servicedesk.Policy{all, complaints, urgent, teamPolicy, contract}
	for _, c := range []struct {
		ticket servicedesk.Ticket
		want   *servicedesk.Policy
	}{
		{servicedesk.Ticket{Kind: servicedesk.KindInquiry, Priority: servicedesk.PriorityNormal, MerchantID: 1}, all},
		{servicedesk.Ticket{Kind: servicedesk.KindComplaint, Priority: servicedesk.PriorityUrgent, MerchantID: 1}, complaints},
		{servicedesk.Ticket{Kind: servicedesk.KindInquiry, Priority: servicedesk.PriorityUrgent, MerchantID: 1}, urgent},
		{servicedesk.Ticket{Kind: servicedesk.KindComplaint, MerchantID: 1, TeamID: &team}, teamPolicy},
		{servicedesk.Ticket{Kind: servicedesk.KindComplaint, MerchantID: 42, TeamID: &team}, contract},
	} {
		if got := servicedesk.PolicyFor(policies, &c.ticket); got != c.want {
			t.Errorf("ticket %+v held to policy %+v, want %+v", c.ticket, got, c.want)
		}
	}
	if got := servicedesk.PolicyFor(append(policies, older), &servicedesk.Ticket{Kind: servicedesk.KindComplaint, MerchantID: 1}); got != older {
		t.Errorf("among equals the older policy should win, got %+v", got)
	}
	if got := servicedesk.PolicyFor([]*servicedesk.Policy{contract}, &servicedesk.Ticket{MerchantID: 1}); got != nil {
		t.Errorf("no policy matches, got %+v", got)
	}
}

// A complaint mailed at 23:00 on the 调休 Saturday before the Spring
// Festival: the 24-hour centre's first response runs around the clock,
// the resolution in office hours after the holiday.
func TestAComplaintOnAMakeUpSaturdayNight(t *testing.T) {
	cal := office(t)
	centre := &servicedesk.Policy{FirstResponse: 2 * time.Hour}
	states := servicedesk.Clocks(centre, cal, []servicedesk.Event{opened("2026-02-14 23:00")}, at("2026-02-14 23:30"))
	fr := clock(t, states, servicedesk.ClockFirstResponse)
	same(t, "24-hour first response due", fr.Due, "2026-02-15 01:00")
	same(t, "24-hour warning", fr.Warn, "2026-02-15 00:36")

	office := &servicedesk.Policy{FirstResponse: 2 * time.Hour, Resolution: 16 * time.Hour, BusinessHours: true}
	states = servicedesk.Clocks(office, cal, []servicedesk.Event{opened("2026-02-14 23:00")}, at("2026-02-16 10:00"))
	same(t, "office first response due", clock(t, states, servicedesk.ClockFirstResponse).Due, "2026-02-24 11:00")
	// 16 working hours from Tuesday 09:00: Tuesday 7.5, Wednesday 7.5,
	// and one more on Thursday.
	same(t, "office resolution due", clock(t, states, servicedesk.ClockResolution).Due, "2026-02-26 10:00")
	if s := clock(t, states, servicedesk.ClockResolution); s.Used != 0 || s.Breached || !s.Running {
		t.Errorf("during the holiday nothing counts: %+v", s)
	}
}

func TestWaitingOnTheMerchantPausesTheClocks(t *testing.T) {
	cal := office(t)
	p := &servicedesk.Policy{FirstResponse: time.Hour, Resolution: 4 * time.Hour, BusinessHours: true}
	history := []servicedesk.Event{
		opened("2026-03-09 10:00"),
		reply("2026-03-09 10:20"),
		moved("2026-03-09 11:00", servicedesk.StatusWaiting),
	}
	states := servicedesk.Clocks(p, cal, history, at("2026-03-09 15:00"))
	res := clock(t, states, servicedesk.ClockResolution)
	if res.Running || !res.Waiting || res.Used != time.Hour || !res.Due.IsZero() {
		t.Errorf("while waiting: %+v", res)
	}
	if res.Paused != 4*time.Hour {
		t.Errorf("paused %s, want 4h (11:00–15:00 on the wall clock)", res.Paused)
	}
	fr := clock(t, states, servicedesk.ClockFirstResponse)
	same(t, "first response met", fr.Met, "2026-03-09 10:20")

	// The merchant answers at 15:00: the clock runs again from there with
	// three hours left.
	history = append(history, wrote("2026-03-09 15:00"))
	states = servicedesk.Clocks(p, cal, history, at("2026-03-09 16:00"))
	res = clock(t, states, servicedesk.ClockResolution)
	if !res.Running || res.Used != 2*time.Hour || res.Paused != 4*time.Hour {
		t.Errorf("after the merchant answered: %+v", res)
	}
	same(t, "resolution due", res.Due, "2026-03-09 18:00")
}

func TestABreachStaysMarked(t *testing.T) {
	p := &servicedesk.Policy{FirstResponse: time.Hour, Resolution: 8 * time.Hour}
	history := []servicedesk.Event{opened("2026-03-09 10:00")}
	fr := clock(t, servicedesk.Clocks(p, nil, history, at("2026-03-09 10:50")), servicedesk.ClockFirstResponse)
	if fr.Breached || fr.Warned.IsZero() {
		t.Errorf("at 50 minutes: warned but not breached, got %+v", fr)
	}
	same(t, "warned at 80 %", fr.Warned, "2026-03-09 10:48")
	history = append(history, reply("2026-03-09 12:00"), moved("2026-03-09 13:00", servicedesk.StatusResolved))
	fr = clock(t, servicedesk.Clocks(p, nil, history, at("2026-03-10 09:00")), servicedesk.ClockFirstResponse)
	if !fr.Breached || !fr.Met.IsZero() || fr.Running {
		t.Errorf("a late reply: breached and not met, got %+v", fr)
	}
	same(t, "breached at", fr.BreachedAt, "2026-03-09 11:00")
	res := clock(t, servicedesk.Clocks(p, nil, history, at("2026-03-10 09:00")), servicedesk.ClockResolution)
	same(t, "resolution met", res.Met, "2026-03-09 13:00")
}

func TestAnUpdateAnswersEachMerchantMessage(t *testing.T) {
	p := &servicedesk.Policy{FirstResponse: time.Hour, Update: 2 * time.Hour}
	history := []servicedesk.Event{
		opened("2026-03-09 10:00"),
		wrote("2026-03-09 10:10"), // before the first answer: the first response covers it
		reply("2026-03-09 10:30"),
		wrote("2026-03-09 11:00"),
		wrote("2026-03-09 12:00"), // a second message does not restart the wait
	}
	up := clock(t, servicedesk.Clocks(p, nil, history, at("2026-03-09 12:30")), servicedesk.ClockUpdate)
	same(t, "update started", up.Started, "2026-03-09 11:00")
	same(t, "update due", up.Due, "2026-03-09 13:00")
	history = append(history, reply("2026-03-09 14:00"), wrote("2026-03-09 15:00"))
	up = clock(t, servicedesk.Clocks(p, nil, history, at("2026-03-09 15:30")), servicedesk.ClockUpdate)
	if !up.Breached || !up.Running {
		t.Errorf("the missed update stays marked while the next one runs: %+v", up)
	}
	same(t, "first miss", up.BreachedAt, "2026-03-09 13:00")
	same(t, "next update due", up.Due, "2026-03-09 17:00")
}

func TestAReopenedTicketKeepsItsResolutionTime(t *testing.T) {
	p := &servicedesk.Policy{Resolution: 4 * time.Hour}
	history := []servicedesk.Event{
		opened("2026-03-09 10:00"),
		moved("2026-03-09 12:00", servicedesk.StatusResolved),
		moved("2026-03-10 09:00", servicedesk.StatusReopened),
	}
	res := clock(t, servicedesk.Clocks(p, nil, history, at("2026-03-10 10:00")), servicedesk.ClockResolution)
	if res.Used != 3*time.Hour || !res.Running || !res.Met.IsZero() {
		t.Errorf("reopened: 2 h before and 1 h since, running, got %+v", res)
	}
	same(t, "due", res.Due, "2026-03-10 11:00")
}

func TestAChangedPolicyMovesTheDeadline(t *testing.T) {
	history := []servicedesk.Event{opened("2026-03-09 10:00")}
	now := at("2026-03-09 10:30")
	before := clock(t, servicedesk.Clocks(&servicedesk.Policy{Resolution: 8 * time.Hour}, nil, history, now), servicedesk.ClockResolution)
	after := clock(t, servicedesk.Clocks(&servicedesk.Policy{Resolution: 4 * time.Hour}, nil, history, now), servicedesk.ClockResolution)
	same(t, "8 h", before.Due, "2026-03-09 18:00")
	same(t, "4 h", after.Due, "2026-03-09 14:00")
	if servicedesk.Clocks(nil, nil, history, now) != nil {
		t.Error("no policy, no clocks")
	}
}

func TestWorkflow(t *testing.T) {
	for _, c := range []struct {
		from, to servicedesk.Status
		ok       bool
	}{
		{servicedesk.StatusNew, servicedesk.StatusAcknowledged, true},
		{servicedesk.StatusInvestigating, servicedesk.StatusWaiting, true},
		{servicedesk.StatusWaiting, servicedesk.StatusInvestigating, true},
		{servicedesk.StatusResolved, servicedesk.StatusReopened, true},
		{servicedesk.StatusClosed, servicedesk.StatusReopened, true},
		{servicedesk.StatusClosed, servicedesk.StatusInvestigating, false},
		{servicedesk.StatusNew, servicedesk.StatusClosed, false},
		{servicedesk.StatusResolved, servicedesk.StatusNew, false},
	} {
		if got := servicedesk.CanMove(c.from, c.to); got != c.ok {
			t.Errorf("CanMove(%s, %s) = %v", c.from, c.to, got)
		}
	}
	for _, s := range servicedesk.Statuses {
		for _, n := range servicedesk.NextStatuses(s) {
			if n == s {
				t.Errorf("%s moves to itself", s)
			}
		}
	}
}

func TestATicketNamesItsBadFields(t *testing.T) {
	long := make([]rune, servicedesk.MaxSubject+1)
	for i := range long {
		long[i] = '长'
	}
	bad := servicedesk.Ticket{Kind: "gripe", Priority: "asap", Channel: "fax", Subject: string(long), Tags: []string{"a", "a", " "}}
	err := bad.Validate()
	var e *poscare.Error
	if !errors.As(err, &e) || e.Code != poscare.EInvalid {
		t.Fatalf("Validate = %v", err)
	}
	for field, zh := range map[string]string{"kind": "类型", "priority": "优先级", "channel": "受理渠道", "subject": "标题", "merchant_id": "商户"} {
		got, ok := e.Fields[field]
		if !ok || got.Zh[:len(zh)] != zh || got.En == "" {
			t.Errorf("field %s: %+v", field, got)
		}
	}
	good := servicedesk.Ticket{Kind: servicedesk.KindRepair, Channel: servicedesk.ChannelPortal, Subject: " 打印机不出纸 ", MerchantID: 7, Tags: []string{"打印", "打印", ""}}
	if err := good.Validate(); err != nil {
		t.Fatalf("a good ticket: %v", err)
	}
	if good.Priority != servicedesk.PriorityNormal || good.Subject != "打印机不出纸" || len(good.Tags) != 1 {
		t.Errorf("normalised: %+v", good)
	}
}
