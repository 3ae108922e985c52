package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"time"

	"poscare"
	"poscare/servicedesk"
	"poscare/workcal"
)

// Desk holds the service desk's settings: its working hours and the
// escalation step; the holidays come from workcal.China and the days an
// administrator decided from calendar_days.
type Desk struct {
	// DeskHours are the working windows of a working day
	// (DefaultDeskHours when nil).
	DeskHours []workcal.Window
	// EscalationStep is the time between the rungs after a breach
	// (servicedesk.DefaultStep when zero).
	EscalationStep time.Duration
	// PublicURL is where merchants reach the server (the portal and the
	// rating links in mail), without a trailing slash.
	PublicURL string

	calMu  sync.Mutex
	cal    *workcal.Calendar
	calKey string // the calendar_days it was built from (count and last change)
}

// DefaultDeskHours are 09:00–12:00 and 13:30–18:00.
var DefaultDeskHours = []workcal.Window{{From: 9 * 60, To: 12 * 60}, {From: 13*60 + 30, To: 18 * 60}}

// calendar is the desk's working calendar as it stands in the database:
// rebuilt when an administrator's days changed (here or on another
// instance), else the one built before.
func (t *Tx) calendar(ctx context.Context) (*workcal.Calendar, error) {
	var n int
	var last sql.NullInt64
	if err := t.queryRow(ctx, "SELECT COUNT(*), MAX(updated_at) FROM calendar_days").Scan(&n, &last); err != nil {
		return nil, err
	}
	key := strconv.Itoa(n) + "/" + strconv.FormatInt(last.Int64, 10)
	d := &t.s.Desk
	d.calMu.Lock()
	defer d.calMu.Unlock()
	if d.cal != nil && d.calKey == key {
		return d.cal, nil
	}
	days, err := t.calendarDays(ctx)
	if err != nil {
		return nil, err
	}
	overrides := map[workcal.Date]workcal.DayRule{}
	for _, day := range days {
		overrides[day.Date] = workcal.DayRule{Working: day.Working, Windows: day.Hours, Name: day.Note}
	}
	hours := d.DeskHours
	if hours == nil {
		hours = DefaultDeskHours
	}
	cal, err := workcal.New(workcal.Config{Zone: deskZone, Hours: hours, Holidays: workcal.China(), Overrides: overrides})
	if err != nil {
		return nil, poscare.Internal(err)
	}
	d.cal, d.calKey = cal, key
	return cal, nil
}

// deskZone is where the desk's hours are kept.
var deskZone = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// CalendarDay is a day an administrator decided.
type CalendarDay struct {
	Date      workcal.Date     `json:"-"`
	Day       string           `json:"day"` // YYYY-MM-DD
	Working   bool             `json:"working"`
	Hours     []workcal.Window `json:"-"`
	HoursText string           `json:"hours,omitempty"` // "09:00-12:00"; empty: the usual hours
	Note      string           `json:"note,omitempty"`
	UpdatedBy *int64           `json:"updated_by,omitempty"`
	UpdatedAt time.Time        `json:"updated_at"`
}

func (t *Tx) calendarDays(ctx context.Context) ([]*CalendarDay, error) {
	return queryAllTx(ctx, t, "SELECT day, working, hours, note, updated_by, updated_at FROM calendar_days ORDER BY day", nil, func(r scanner) (*CalendarDay, error) {
		var d CalendarDay
		var by sql.NullInt64
		var at int64
		if err := r.Scan(&d.Day, &d.Working, &d.HoursText, &d.Note, &by, &at); err != nil {
			return nil, err
		}
		d.UpdatedBy, d.UpdatedAt = int64Ptr(by), fromMicros(at)
		var err error
		if d.Date, err = workcal.ParseDate(d.Day); err != nil {
			return nil, err
		}
		if d.HoursText != "" {
			if d.Hours, err = workcal.ParseWindows(d.HoursText); err != nil {
				return nil, err
			}
		}
		return &d, nil
	})
}

// CalendarDays lists the days an administrator decided.
// Errors: EForbidden.
func (s *Store) CalendarDays(ctx context.Context, a poscare.Actor) ([]*CalendarDay, error) {
	if !a.Can(servicedesk.EntityCalendarDay, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	var out []*CalendarDay
	err := s.inRead(ctx, func(t *Tx) error {
		var err error
		out, err = t.calendarDays(ctx)
		return err
	})
	return out, err
}

// SetCalendarDay decides one day over the holiday table (a holiday
// worked, a working day closed, shorter hours), or with remove forgets the
// decision; open tickets' deadlines are counted again.
// Errors: EForbidden, EInvalid.
func (s *Store) SetCalendarDay(ctx context.Context, a poscare.Actor, d CalendarDay, remove bool) error {
	if !a.Can(servicedesk.EntityCalendarDay, poscare.ActUpdate) {
		return poscare.Forbidden()
	}
	p := poscare.Problems{}
	date, err := workcal.ParseDate(d.Day)
	if err != nil {
		p.Say("day", "sd.invalid.day")
	}
	if d.HoursText = strings.TrimSpace(d.HoursText); d.HoursText != "" && !remove {
		if !d.Working {
			p.Say("hours", "sd.invalid.hours_closed")
		} else if _, err := workcal.ParseWindows(d.HoursText); err != nil {
			p.Say("hours", "sd.invalid.hours")
		}
	}
	if d.Note = strings.TrimSpace(d.Note); len([]rune(d.Note)) > 100 {
		p.Say("note", "sd.invalid.too_long", "max", 100)
	}
	if err := p.Err(); err != nil {
		return err
	}
	d.Day = date.String()
	return s.inWrite(ctx, func(t *Tx) error {
		if _, err := t.exec(ctx, "DELETE FROM calendar_days WHERE day = ?", d.Day); err != nil {
			return err
		}
		if !remove {
			if _, err := t.exec(ctx, "INSERT INTO calendar_days (day, working, hours, note, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
				d.Day, d.Working, d.HoursText, d.Note, nullInt(&a.UserID), micros(t.now)); err != nil {
				return err
			}
		}
		// The fingerprint of the days changes with the row count or the
		// last change, so every instance rebuilds its calendar.
		t.s.Desk.calMu.Lock()
		t.s.Desk.cal = nil
		t.s.Desk.calMu.Unlock()
		if err := t.resettleOpenTickets(ctx); err != nil {
			return err
		}
		action := "calendar_day_set"
		if remove {
			action = "calendar_day_remove"
		}
		return t.record(ctx, a, action, servicedesk.EntityCalendarDay, int64(date.Year*10000+int(date.Month)*100+date.Day), nil, d)
	})
}

// policies are the policies in force.
func (t *Tx) policies(ctx context.Context) ([]*servicedesk.Policy, error) {
	return queryAllTx(ctx, t, "SELECT "+policyCols+" FROM sla_policies WHERE archived_at IS NULL ORDER BY id", nil, scanPolicy)
}

const policyCols = "id, name, kind, priority, team_id, merchant_id, first_response_s, update_s, resolution_s, business_hours, warn_at_pct"

func scanPolicy(r scanner) (*servicedesk.Policy, error) {
	var p servicedesk.Policy
	var team, merchant sql.NullInt64
	var first, update, resolution int64
	var warn int
	if err := r.Scan(&p.ID, &p.Name, &p.Kind, &p.Priority, &team, &merchant, &first, &update, &resolution, &p.BusinessHours, &warn); err != nil {
		return nil, err
	}
	p.TeamID, p.MerchantID = int64Ptr(team), int64Ptr(merchant)
	p.FirstResponse, p.Update, p.Resolution = time.Duration(first)*time.Second, time.Duration(update)*time.Second, time.Duration(resolution)*time.Second
	p.WarnAt = float64(warn) / 100
	return &p, nil
}

// SLAPolicies lists the policies in force. Errors: EForbidden.
func (s *Store) SLAPolicies(ctx context.Context, a poscare.Actor) ([]*servicedesk.Policy, error) {
	if !a.Can(servicedesk.EntitySLAPolicy, poscare.ActRead) {
		return nil, poscare.Forbidden()
	}
	var out []*servicedesk.Policy
	err := s.inRead(ctx, func(t *Tx) error {
		var err error
		out, err = t.policies(ctx)
		return err
	})
	return out, err
}

// SavePolicy creates a policy (ID 0) or changes one; open tickets are
// held again to the policy that now matches them and their deadlines
// counted again. Errors: EForbidden, ENotFound, EInvalid.
func (s *Store) SavePolicy(ctx context.Context, a poscare.Actor, p *servicedesk.Policy) error {
	act := poscare.ActUpdate
	if p.ID == 0 {
		act = poscare.ActCreate
	}
	if !a.Can(servicedesk.EntitySLAPolicy, act) {
		return poscare.Forbidden()
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.inWrite(ctx, func(t *Tx) error {
		var before *servicedesk.Policy
		warn := int(p.WarnAt*100 + 0.5)
		args := []any{p.Name, p.Kind, p.Priority, nullInt(p.TeamID), nullInt(p.MerchantID), int64(p.FirstResponse / time.Second),
			int64(p.Update / time.Second), int64(p.Resolution / time.Second), p.BusinessHours, warn, micros(t.now)}
		if p.ID == 0 {
			id, err := t.insert(ctx, `INSERT INTO sla_policies (name, kind, priority, team_id, merchant_id, first_response_s, update_s, resolution_s,
				business_hours, warn_at_pct, updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, micros(t.now))...)
			if err != nil {
				return t.s.translate(err)
			}
			p.ID = id
		} else {
			var err error
			if before, err = scanPolicy(t.queryRow(ctx, "SELECT "+policyCols+" FROM sla_policies WHERE id = ? AND archived_at IS NULL", p.ID)); err != nil {
				return t.s.translate(err)
			}
			if _, err := t.exec(ctx, `UPDATE sla_policies SET name = ?, kind = ?, priority = ?, team_id = ?, merchant_id = ?, first_response_s = ?,
				update_s = ?, resolution_s = ?, business_hours = ?, warn_at_pct = ?, updated_at = ? WHERE id = ?`, append(args, p.ID)...); err != nil {
				return t.s.translate(err)
			}
		}
		if err := t.rematchOpenTickets(ctx); err != nil {
			return err
		}
		return t.record(ctx, a, "sla_policy_save", servicedesk.EntitySLAPolicy, p.ID, before, p)
	})
}
