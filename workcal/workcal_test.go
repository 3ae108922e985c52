package workcal_test

import (
	"math/rand/v2"
	"testing"
	"time"

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

func date(s string) workcal.Date {
	d, err := workcal.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// office is a service desk's ordinary calendar: 09:00–12:00 and
// 13:30–18:00, Monday to Friday, China's holidays and make-up days.
func office(t *testing.T, overrides map[workcal.Date]workcal.DayRule) *workcal.Calendar {
	t.Helper()
	hours, err := workcal.ParseWindows("09:00-12:00, 13:30-18:00")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := workcal.New(workcal.Config{Zone: shanghai, Hours: hours, Holidays: workcal.China(), Overrides: overrides})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func TestDeadlinesFollowChinasCalendar(t *testing.T) {
	cal := office(t, nil)
	for _, c := range []struct {
		name  string
		start string
		d     time.Duration
		want  string
	}{
		{"a 调休 Saturday is a working day", "2026-02-14 10:00", 2 * time.Hour, "2026-02-14 12:00"},
		{"late on the 调休 Saturday: counted after the Spring Festival", "2026-02-14 23:00", 2 * time.Hour, "2026-02-24 11:00"},
		{"Friday evening into the 调休 Saturday", "2026-02-13 17:00", 8 * time.Hour, "2026-02-14 17:30"},
		{"an ordinary Saturday waits for Monday", "2026-03-07 10:00", time.Hour, "2026-03-09 10:00"},
		{"lunch does not count", "2026-03-09 11:30", time.Hour, "2026-03-09 14:00"},
		{"a target that ends a window ends there", "2026-03-09 09:00", 3 * time.Hour, "2026-03-09 12:00"},
		{"National Day week, then the 调休 Saturday", "2026-09-30 17:00", 2 * time.Hour, "2026-10-08 10:00"},
		{"zero is the next working instant", "2026-03-09 12:30", 0, "2026-03-09 13:30"},
		{"zero while open is now", "2026-03-09 10:15", 0, "2026-03-09 10:15"},
	} {
		if got := cal.Add(at(c.start), c.d); !got.Equal(at(c.want)) {
			t.Errorf("%s: Add(%s, %s) = %s, want %s", c.name, c.start, c.d, got.In(shanghai).Format("2006-01-02 15:04 Mon"), c.want)
		}
	}
}

func TestWorkingTimeBetween(t *testing.T) {
	cal := office(t, nil)
	for _, c := range []struct {
		from, to string
		want     time.Duration
	}{
		// Friday 17–18, the 调休 Saturday's 7.5 hours, nine days of
		// Spring Festival, then 09–10 on Tuesday.
		{"2026-02-13 17:00", "2026-02-24 10:00", 9*time.Hour + 30*time.Minute},
		{"2026-03-09 11:00", "2026-03-09 14:00", time.Hour + 30*time.Minute},
		{"2026-03-07 08:00", "2026-03-08 20:00", 0}, // a weekend
		{"2026-03-09 14:00", "2026-03-09 11:00", 0}, // backwards
	} {
		if got := cal.Between(at(c.from), at(c.to)); got != c.want {
			t.Errorf("Between(%s, %s) = %s, want %s", c.from, c.to, got, c.want)
		}
	}
}

func TestAddAndBetweenAgree(t *testing.T) {
	cal := office(t, nil)
	r := rand.New(rand.NewPCG(1, 2))
	base := at("2025-01-01 00:00")
	for range 5000 {
		start := base.Add(time.Duration(r.Int64N(int64(3 * 365 * 24 * time.Hour))))
		d := time.Duration(r.Int64N(int64(60*time.Hour))) / time.Minute * time.Minute
		end := cal.Add(start, d)
		if got := cal.Between(start, end); got != d {
			t.Fatalf("Between(%s, Add(%s, %s) = %s) = %s", start, start, d, end, got)
		}
		if d > 0 && !cal.Open(end.Add(-time.Second)) {
			t.Fatalf("a deadline %s ends outside working time", end)
		}
	}
}

func TestOverridesDecideADay(t *testing.T) {
	morning, _ := workcal.ParseWindows("09:00-12:00")
	cal := office(t, map[workcal.Date]workcal.DayRule{
		date("2026-02-23"): {Working: true, Windows: morning, Name: "节后值班"},
		date("2026-03-09"): {Working: false, Name: "系统迁移停工"},
	})
	if got, want := cal.Add(at("2026-02-14 23:00"), 2*time.Hour), at("2026-02-23 11:00"); !got.Equal(want) {
		t.Errorf("a holiday made a half working day: %s, want %s", got.In(shanghai), want)
	}
	if got, want := cal.Add(at("2026-03-07 10:00"), time.Hour), at("2026-03-10 10:00"); !got.Equal(want) {
		t.Errorf("a Monday closed by override: %s, want %s", got.In(shanghai), want)
	}
	if d := cal.Day(date("2026-02-23")); d.From != workcal.FromOverride || !d.Working || d.Name.In("zh") != "节后值班" {
		t.Errorf("override day = %+v", d)
	}
}

func TestDaysExplainThemselves(t *testing.T) {
	cal := office(t, nil)
	makeUp := cal.Day(date("2026-02-14"))
	if !makeUp.Working || makeUp.From != workcal.FromMakeUp || makeUp.Name.In("zh") != "春节" || makeUp.Name.In("en") != "Spring Festival" {
		t.Errorf("2026-02-14 = %+v (%s)", makeUp, makeUp.Name.In("en"))
	}
	eve := cal.Day(date("2026-02-17"))
	if eve.Working || eve.From != workcal.FromHoliday {
		t.Errorf("2026-02-17 = %+v", eve)
	}
	if d := cal.Day(date("2026-03-07")); d.Working || d.From != workcal.FromWeek {
		t.Errorf("an ordinary Saturday = %+v", d)
	}
	days := cal.Days(date("2026-01-01"), date("2026-12-31"))
	working := 0
	for _, d := range days {
		if d.Working {
			working++
		}
	}
	// 2026: New Year (3 days, 1 make-up), Spring Festival (9, 2),
	// Qingming, Labour Day (1 make-up), Dragon Boat, Mid-Autumn,
	// National Day (7, 2) as the State Council published them.
	if len(days) < 30 || working != 6 {
		t.Errorf("2026 has %d special days, %d of them make-up working days; want >= 30 and 6", len(days), working)
	}
	if !cal.Covers(2026) || cal.Covers(2100) {
		t.Errorf("Covers(2026) = %v, Covers(2100) = %v", cal.Covers(2026), cal.Covers(2100))
	}
}

func TestABadCalendarIsRefused(t *testing.T) {
	for _, s := range []string{"9-12", "09:00-08:00", "09:00-12:00,11:00-13:00", "13:00-14:00,09:00-10:00", "09:00-25:00", "09:60-10:00"} {
		if _, err := workcal.ParseWindows(s); err == nil {
			t.Errorf("ParseWindows(%q) accepted", s)
		}
	}
	hours, _ := workcal.ParseWindows("09:00-18:00")
	if _, err := workcal.New(workcal.Config{Hours: hours}); err == nil {
		t.Error("a calendar without a zone was accepted")
	}
	if _, err := workcal.New(workcal.Config{Zone: shanghai}); err == nil {
		t.Error("a calendar without hours was accepted")
	}
	all := []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	if _, err := workcal.New(workcal.Config{Zone: shanghai, Hours: hours, RestDays: all}); err == nil {
		t.Error("a week without a working day was accepted")
	}
}

func TestAroundTheClock(t *testing.T) {
	day, _ := workcal.ParseWindows("00:00-24:00")
	cal, err := workcal.New(workcal.Config{Zone: shanghai, Hours: day, RestDays: []time.Weekday{}})
	if err != nil {
		t.Fatal(err)
	}
	start := at("2026-02-14 23:00")
	if got := cal.Add(start, 2*time.Hour); !got.Equal(start.Add(2 * time.Hour)) {
		t.Errorf("24-hour Add = %s", got)
	}
	if got := cal.Between(start, start.Add(50*time.Hour)); got != 50*time.Hour {
		t.Errorf("24-hour Between = %s", got)
	}
}
