package continuity_test

import (
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/continuity"
)

// says renders m in both languages and fails on a key the catalog lacks
// or a placeholder left unfilled.
func says(t *testing.T, m poscare.Msg) poscare.Text {
	t.Helper()
	x := m.Text()
	for _, s := range []string{x.Zh, x.En} {
		if s == m.Key || strings.ContainsAny(s, "{}") {
			t.Fatalf("message %s renders as %q", m.Key, s)
		}
	}
	return x
}

func TestDetectNamesWhatCrossed(t *testing.T) {
	p := poscare.DefaultContinuityPolicy
	cases := []struct {
		name     string
		readings continuity.Readings
		crossed  []string
		zh, en   string
	}{
		{"Quiet", continuity.Readings{continuity.SignalDaysSilent: 1, continuity.SignalColleaguesFailed: 2, continuity.SignalOverdueTasks: 4}, nil, "", ""},
		{"Inactive", continuity.Readings{continuity.SignalDaysSilent: 4}, []string{continuity.SignalDaysSilent},
			"系统检测：4 天无活动", "detected: no activity for 4 days"},
		{"ColleaguesFailed", continuity.Readings{continuity.SignalColleaguesFailed: 3}, []string{continuity.SignalColleaguesFailed},
			"系统检测：近 2 天有 3 位同事联系未果", "detected: 3 colleagues failed to reach them in 2 days"},
		{"AllThree", continuity.Readings{continuity.SignalDaysSilent: 3, continuity.SignalColleaguesFailed: 5, continuity.SignalOverdueTasks: 5},
			[]string{continuity.SignalDaysSilent, continuity.SignalColleaguesFailed, continuity.SignalOverdueTasks},
			"系统检测：3 天无活动，近 2 天有 5 位同事联系未果，5 项任务逾期未处理",
			"detected: no activity for 3 days, 5 colleagues failed to reach them in 2 days, 5 tasks overdue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := continuity.Detect(c.readings, p)
			if s.Suspected() != (len(c.crossed) > 0) || strings.Join(s.Crossed, ",") != strings.Join(c.crossed, ",") {
				t.Fatalf("crossed %v, want %v", s.Crossed, c.crossed)
			}
			if !s.Suspected() {
				return
			}
			if got := says(t, s.Reason); got.Zh != c.zh || got.En != c.en {
				t.Errorf("reason %+v, want %q / %q", got, c.zh, c.en)
			}
		})
	}
}

func TestDetectFollowsThePolicy(t *testing.T) {
	p := poscare.DefaultContinuityPolicy
	r := continuity.Readings{continuity.SignalDaysSilent: 4}
	if !continuity.Detect(r, p).Suspected() {
		t.Fatal("four quiet days under a 3-day policy were not suspected")
	}
	p.SilentDays = 10
	if continuity.Detect(r, p).Suspected() {
		t.Fatal("four quiet days under a 10-day policy were suspected")
	}
	p.AttemptWindow = 90 * time.Minute
	p.FailedAttempts = 2
	s := continuity.Detect(continuity.Readings{continuity.SignalColleaguesFailed: 2}, p)
	if got := says(t, s.Reason); got.Zh != "系统检测：近 90 分钟有 2 位同事联系未果" {
		t.Errorf("reason %+v: the window is the policy's", got)
	}
	if th := continuity.Thresholds(p); th[continuity.SignalDaysSilent] != 10 || th[continuity.SignalColleaguesFailed] != 2 || th[continuity.SignalOverdueTasks] != p.OverdueTasks {
		t.Errorf("thresholds %v", th)
	}
}

// A capability brings a signal of its own (here, overdue service-desk
// tickets with its own threshold): registered, it is weighed and worded
// beside the others without any change to detection.
const tickets = "test_overdue_tickets"

var _ = poscare.Register(map[string]poscare.Text{"silence.signal.test_tickets": {Zh: "{n} 张工单逾期", En: "{n} tickets overdue"}})

var _ = continuity.RegisterSignal(continuity.Signal{Name: tickets,
	Threshold: func(poscare.ContinuityPolicy) int { return 2 },
	Says: func(n int, _ poscare.ContinuityPolicy) poscare.Msg {
		return poscare.M("silence.signal.test_tickets", "n", n)
	}})

func TestASignalCanBeAdded(t *testing.T) {
	p := poscare.DefaultContinuityPolicy
	if continuity.Detect(continuity.Readings{tickets: 1}, p).Suspected() {
		t.Fatal("one ticket, under the signal's own threshold of 2, was suspected")
	}
	s := continuity.Detect(continuity.Readings{tickets: 2, continuity.SignalDaysSilent: 5}, p)
	if strings.Join(s.Crossed, ",") != continuity.SignalDaysSilent+","+tickets {
		t.Fatalf("crossed %v", s.Crossed)
	}
	if got := says(t, s.Reason); got.Zh != "系统检测：5 天无活动，2 张工单逾期" || got.En != "detected: no activity for 5 days, 2 tickets overdue" {
		t.Errorf("reason %+v", got)
	}
	if th := continuity.Thresholds(p); th[tickets] != 2 {
		t.Errorf("thresholds %v", th)
	}
	defer func() {
		if recover() == nil {
			t.Error("a signal registered twice was accepted")
		}
	}()
	continuity.RegisterSignal(continuity.Signal{Name: tickets, Threshold: func(poscare.ContinuityPolicy) int { return 1 },
		Says: func(int, poscare.ContinuityPolicy) poscare.Msg { return poscare.M("recorded") }})
}

func TestDaysSilent(t *testing.T) {
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	seen := now.Add(-73 * time.Hour)
	u := &poscare.User{CreatedAt: now.AddDate(0, 0, -30)}
	if d := continuity.DaysSilent(u, now); d != 30 {
		t.Errorf("never seen, created 30 days ago: %d days", d)
	}
	u.LastSeenAt = &seen
	if d := continuity.DaysSilent(u, now); d != 3 {
		t.Errorf("seen 73 hours ago: %d days", d)
	}
}

func TestUnreachableAlert(t *testing.T) {
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	u := &poscare.User{ID: 7, Name: "张伟"}
	s := continuity.Detect(continuity.Readings{continuity.SignalDaysSilent: 4}, poscare.DefaultContinuityPolicy)
	a := continuity.UnreachableAlert(u, s, now)
	later := continuity.UnreachableAlert(u, s, now.Add(time.Hour))
	if a.To != continuity.ToLeadAndOps || a.About != 7 || a.Key != later.Key {
		t.Fatalf("alert %+v: to the lead and ops, once a day (%s, then %s)", a, a.Key, later.Key)
	}
	if sub := says(t, a.Subject); sub.Zh != "【预警】员工疑似失联：张伟" {
		t.Errorf("subject %+v", sub)
	}
	if body := says(t, a.Body); !strings.HasPrefix(body.Zh, "系统检测：4 天无活动。") || !strings.HasPrefix(body.En, "Poscare detected: no activity for 4 days.") {
		t.Errorf("body %+v", body)
	}
}

func TestCheckAttempt(t *testing.T) {
	for _, c := range []struct {
		name        string
		by, about   int64
		outcome     string
		notes       string
		wrongFields []string
	}{
		{"Fine", 1, 2, "no_answer", "打了两次", nil},
		{"UnknownOutcome", 1, 2, "gone", "", []string{"outcome"}},
		{"Self", 2, 2, "blocked", "", []string{"user_id"}},
		{"LongNote", 1, 2, "disconnected", strings.Repeat("长", poscare.MaxNote+1), []string{"notes"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := continuity.CheckAttempt(c.by, c.about, c.outcome, c.notes)
			if len(c.wrongFields) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := err.(*poscare.Error)
			if !ok || e.Code != poscare.EInvalid {
				t.Fatalf("%v, want invalid", err)
			}
			for _, f := range c.wrongFields {
				if e.Fields[f].Zh == "" || e.Fields[f].En == "" {
					t.Errorf("field %s: %+v", f, e.Fields)
				}
			}
		})
	}
}
