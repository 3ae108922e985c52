// Package workcal is the working calendar that service targets are
// counted in: a time zone, the working hours of a day (several windows),
// the weekly rest days, public holidays and 调休 make-up working days from
// a maintained source, and an administrator's override for any one day.
//
// A target of "8 working hours" asked at 17:00 on the Friday before the
// Spring Festival ends on the first working morning after the holiday; the
// same request on a Saturday that the State Council made a working day is
// counted from that Saturday's first window. Add and Between are the two
// questions an SLA asks; a calendar built by New answers them from a table
// of days built once per year, so a million deadlines cost a million table
// walks, not a million holiday lookups.
package workcal

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"poscare"
)

// Date is a day on the calendar's wall, with no time and no zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day t falls on in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("workcal: date %q is not YYYY-MM-DD", s)
	}
	return DateOf(t, time.UTC), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Next is the day after d.
func (d Date) Next() Date { return DateOf(d.at(time.UTC, 0).AddDate(0, 0, 1), time.UTC) }

// Weekday is d's day of the week.
func (d Date) Weekday() time.Weekday { return d.at(time.UTC, 0).Weekday() }

// at is the instant minute minutes after d's midnight in loc, computed
// from the wall clock so that a day with a daylight-saving change still
// opens at its printed hour.
func (d Date) at(loc *time.Location, minute int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, minute/60, minute%60, 0, 0, loc)
}

func (d Date) yearDay() int { return d.at(time.UTC, 0).YearDay() - 1 }

// Window is a stretch of working time within a day, in minutes after
// midnight: [From, To).
type Window struct{ From, To int }

func (w Window) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.From/60, w.From%60, w.To/60, w.To%60)
}

// ParseWindows reads "09:00-12:00,13:30-18:00"; "24:00" ends a day.
// The windows must be in order and must not overlap.
func ParseWindows(s string) ([]Window, error) {
	var out []Window
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Errorf("workcal: hours %q are not HH:MM-HH:MM", part)
		}
		f, err1 := clock(from)
		t, err2 := clock(to)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("workcal: hours %q are not HH:MM-HH:MM", part)
		}
		out = append(out, Window{f, t})
	}
	return out, checkWindows(out)
}

func clock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(m) != 2 {
		return 0, fmt.Errorf("not HH:MM")
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("not HH:MM")
	}
	return hh*60 + mm, nil
}

func checkWindows(ws []Window) error {
	last := 0
	for i, w := range ws {
		if w.From < 0 || w.To > 24*60 || w.From >= w.To {
			return fmt.Errorf("workcal: window %s is empty or outside the day", w)
		}
		if i > 0 && w.From < last {
			return fmt.Errorf("workcal: window %s overlaps or precedes the one before", w)
		}
		last = w.To
	}
	return nil
}

// DayRule is what a holiday source or an override says about one day.
type DayRule struct {
	Working bool
	// Name is the holiday's name as the source gives it (春节) or an
	// administrator's note.
	Name string
	// Windows are the day's working hours when they differ from the
	// calendar's usual ones (a half day before a holiday); nil keeps them.
	Windows []Window
}

// Source is a maintained list of public holidays and make-up working
// days; Rule reports false for a day it says nothing about.
type Source interface {
	Rule(d Date) (DayRule, bool)
	// Years are the first and last year the source has data for, so a
	// calendar can say when next year's holidays are not yet known.
	Years() (first, last int)
}

// Config is a calendar as an administrator sets it up.
type Config struct {
	Zone *time.Location
	// Hours are the working windows of an ordinary working day.
	Hours []Window
	// RestDays are the weekly rest days (Saturday and Sunday when nil).
	RestDays []time.Weekday
	// Holidays are the public holidays and make-up days; nil for none.
	Holidays Source
	// Overrides decide single days, over the source and the week.
	Overrides map[Date]DayRule
}

// Calendar answers when working time runs. It is safe for concurrent use.
type Calendar struct {
	zone      *time.Location
	hours     []Window
	rest      [7]bool
	holidays  Source
	overrides map[Date]DayRule

	mu    sync.RWMutex
	years map[int]*yearTable
}

// yearTable holds each day of one year as the calendar decides it: the
// working windows as instants (Unix nanoseconds), none on a day off.
type yearTable struct {
	year  int
	count int // days in the year
	days  [366][]span
	ends  [366]int64 // the instant each day ends (the next one's midnight)
}

type span struct{ from, to int64 }

// maxScan bounds how far Add and NextOpen look ahead for working time.
const maxScan = 3 * 366

// New checks a configuration and builds its calendar.
func New(c Config) (*Calendar, error) {
	if c.Zone == nil {
		return nil, fmt.Errorf("workcal: a calendar needs a time zone")
	}
	if len(c.Hours) == 0 {
		return nil, fmt.Errorf("workcal: a calendar needs working hours")
	}
	if err := checkWindows(c.Hours); err != nil {
		return nil, err
	}
	cal := &Calendar{zone: c.Zone, hours: c.Hours, holidays: c.Holidays, overrides: map[Date]DayRule{}, years: map[int]*yearTable{}}
	rest := c.RestDays
	if rest == nil {
		rest = []time.Weekday{time.Saturday, time.Sunday}
	}
	for _, d := range rest {
		cal.rest[d] = true
	}
	if len(rest) >= 7 {
		return nil, fmt.Errorf("workcal: a week with no working day")
	}
	for d, r := range c.Overrides {
		if err := checkWindows(r.Windows); err != nil {
			return nil, fmt.Errorf("workcal: override %s: %w", d, err)
		}
		cal.overrides[d] = r
	}
	return cal, nil
}

// Zone is the calendar's time zone.
func (c *Calendar) Zone() *time.Location { return c.zone }

// Where a day's decision came from.
const (
	FromWeek     = "week"     // an ordinary working or rest day
	FromHoliday  = "holiday"  // a public holiday in the source
	FromMakeUp   = "makeup"   // a rest day made a working day (调休)
	FromOverride = "override" // an administrator decided the day
)

// Day is one day as the calendar decides it, for a page that shows why.
type Day struct {
	Date    Date
	Working bool
	Windows []Window
	From    string // FromWeek, FromHoliday, FromMakeUp or FromOverride
	// Name is the holiday's or the override's name, as a message.
	Name poscare.Msg
}

// Day explains one day.
func (c *Calendar) Day(d Date) Day {
	if r, ok := c.overrides[d]; ok {
		return Day{Date: d, Working: r.Working, Windows: c.windows(r), From: FromOverride, Name: overrideName(r.Name)}
	}
	if c.holidays != nil {
		if r, ok := c.holidays.Rule(d); ok {
			from := FromHoliday
			if r.Working {
				from = FromMakeUp
			}
			return Day{Date: d, Working: r.Working, Windows: c.windows(r), From: from, Name: HolidayName(r.Name)}
		}
	}
	working := !c.rest[d.Weekday()]
	day := Day{Date: d, Working: working, From: FromWeek}
	if working {
		day.Windows = c.hours
	}
	return day
}

func (c *Calendar) windows(r DayRule) []Window {
	if !r.Working {
		return nil
	}
	if r.Windows != nil {
		return r.Windows
	}
	return c.hours
}

func overrideName(note string) poscare.Msg {
	if note == "" {
		return poscare.Msg{}
	}
	return poscare.Recorded(poscare.Text{Zh: note, En: note})
}

// year is the table of one year, built on first use.
func (c *Calendar) year(y int) *yearTable {
	c.mu.RLock()
	t := c.years[y]
	c.mu.RUnlock()
	if t != nil {
		return t
	}
	t = &yearTable{year: y}
	for day := (Date{y, time.January, 1}); day.Year == y; day = day.Next() {
		for _, w := range c.Day(day).Windows {
			t.days[t.count] = append(t.days[t.count], span{day.at(c.zone, w.From).UnixNano(), day.at(c.zone, w.To).UnixNano()})
		}
		t.ends[t.count] = day.Next().at(c.zone, 0).UnixNano()
		t.count++
	}
	c.mu.Lock()
	c.years[y] = t
	c.mu.Unlock()
	return t
}

// cursor walks the calendar's days from one day on.
type cursor struct {
	c *Calendar
	t *yearTable
	i int
}

func (c *Calendar) from(t time.Time) cursor {
	d := DateOf(t, c.zone)
	return cursor{c, c.year(d.Year), d.yearDay()}
}

func (k *cursor) spans() []span { return k.t.days[k.i] }

func (k *cursor) next() {
	if k.i++; k.i == k.t.count {
		k.t, k.i = k.c.year(k.t.year+1), 0
	}
}

// Open reports whether t is within working time.
func (c *Calendar) Open(t time.Time) bool {
	k, n := c.from(t), t.UnixNano()
	for _, s := range k.spans() {
		if n >= s.from && n < s.to {
			return true
		}
	}
	return false
}

// NextOpen is t when t is within working time, else the start of the
// next working window; the zero time when none comes within three years.
func (c *Calendar) NextOpen(t time.Time) time.Time { return c.Add(t, 0) }

// Add is the instant at which d of working time has passed since start:
// the deadline of a target of d working hours asked at start. Time
// outside the working windows does not count; a request made out of hours
// starts counting at the next window. Add(start, 0) is the next working
// instant (start itself when open). It is the zero time when the calendar
// has no working time within three years.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	left := max(int64(d), 0)
	k, now := c.from(start), start.UnixNano()
	for range maxScan {
		for _, s := range k.spans() {
			if s.to <= now {
				continue
			}
			from := max(s.from, now)
			n := s.to - from
			if left < n || (left == n && left > 0) {
				return time.Unix(0, from+left).In(c.zone)
			}
			left -= n
		}
		k.next()
	}
	return time.Time{}
}

// Between is the working time from a to b (zero when b is not after a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	var sum int64
	k, x, y := c.from(a), a.UnixNano(), b.UnixNano()
	for {
		for _, s := range k.spans() {
			if from, to := max(s.from, x), min(s.to, y); to > from {
				sum += to - from
			}
		}
		if k.t.ends[k.i] >= y {
			return time.Duration(sum)
		}
		k.next()
	}
}

// Days lists the days from first to last (inclusive) that differ from an
// ordinary week: holidays, make-up days and overrides, in date order, for
// the page where an administrator checks the year.
func (c *Calendar) Days(first, last Date) []Day {
	var out []Day
	for d := first; !last.at(time.UTC, 0).Before(d.at(time.UTC, 0)); d = d.Next() {
		if day := c.Day(d); day.From != FromWeek {
			out = append(out, day)
		}
	}
	return out
}

// Covers reports whether the holiday source has data for year; a calendar
// without a source covers nothing.
func (c *Calendar) Covers(year int) bool {
	if c.holidays == nil {
		return false
	}
	first, last := c.holidays.Years()
	return year >= first && year <= last
}
