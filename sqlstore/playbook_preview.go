package sqlstore

import (
	"context"
	"errors"
	"sort"

	"poscare"
	"poscare/continuity"
)

// PlaybookPreview is what the emergency playbook would do if declared
// now. It is the playbook itself, run in a write transaction that is then
// rolled back: every registered kind of holding, the notices and the
// rules are the very ones a declaration runs, so the preview cannot drift
// from the run, and a kind added later shows in it with no edit here. The
// console shows it before the declaration is confirmed. (On PostgreSQL
// the rolled-back incident consumes an id: incident numbers may skip.)
type PlaybookPreview struct {
	Person      *poscare.User
	Declaration poscare.Declaration
	// Strategy is the strategy that would be in force: spread when all to
	// the backup was asked but the backup cannot take them (FellBack).
	Strategy poscare.Strategy
	FellBack bool
	ToLead   bool // no agent of the team at work: the lead takes them
	// Receivers are who would take the person's merchants, most first.
	Receivers []PreviewReceiver
	// Sum counts what would be handed over, kind by kind, and the notices.
	Sum poscare.HandoverSum
	// Archived merchants change hands too but are not told.
	Archived int
	// Left is how many items nobody at work could take: they stay with
	// the person for the lead to hand over.
	Left int
	// ByChannel counts the notices by outbox channel (sms, email, wechat).
	ByChannel map[string]int
}

// PreviewReceiver is one colleague who would take merchants.
type PreviewReceiver struct {
	User *poscare.User
	// Held is how many live merchants they manage now; Load, their whole
	// load by which merchants are spread (merchants, open stages, tasks).
	Held, Load int
	// Merchants is how many of the person's merchants they would take
	// (live ones; Archived those archived).
	Merchants, Archived int
}

// PreviewPlaybook answers what DeclareIncident(userID, d) would do now,
// leaving nothing behind. It refuses as the declaration would: a person
// out of the actor's reach, an invalid declaration, and nobody at work to
// take the merchants (EConflict). It holds the write lock while the
// playbook runs, as a declaration would.
// Errors: EForbidden, ENotFound, EInvalid, EConflict.
func (s *Store) PreviewPlaybook(ctx context.Context, a poscare.Actor, userID int64, d poscare.Declaration) (*PlaybookPreview, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActCreate) {
		return nil, poscare.Forbidden()
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	var p *PlaybookPreview
	err := s.inWrite(ctx, func(t *Tx) error {
		person, err := t.declarable(ctx, a, userID)
		if err != nil {
			return err
		}
		if p, err = t.previewPlaybook(ctx, a, person, d); err != nil {
			return err
		}
		return errPreviewOnly
	})
	if errors.Is(err, errPreviewOnly) {
		return p, nil
	}
	return nil, err
}

// errPreviewOnly rolls a preview's playbook run back.
var errPreviewOnly = errors.New("sqlstore: a preview, rolled back")

// previewPlaybook runs the playbook in t (which the caller rolls back) and
// reads what it did: who took how many merchants, with what they held
// before, the summary and the notices by channel.
func (t *Tx) previewPlaybook(ctx context.Context, a poscare.Actor, person *poscare.User, d poscare.Declaration) (*PlaybookPreview, error) {
	// What the team holds before, kind by kind, as the run weighs it.
	held, load := map[int64]int{}, map[int64]int{}
	if person.TeamID != nil {
		for _, k := range holdings {
			part, err := k.Load(ctx, t, *person.TeamID)
			if err != nil {
				return nil, err
			}
			if k.Kind() == poscare.HoldingMerchant {
				held = part
			}
			continuity.AddLoad(load, part)
		}
	}
	var id int64
	h, err := t.runPlaybook(ctx, a, person, d, t.now, false, &id)
	if err != nil {
		return nil, err
	}
	x, err := t.incident(ctx, a, id)
	if err != nil {
		return nil, err
	}
	p := &PlaybookPreview{Person: person, Declaration: d, ByChannel: map[string]int{}, Sum: x.Handed,
		Strategy: h.Run.Strategy, FellBack: h.Run.FellBack, ToLead: h.Run.ToLead, Left: h.Run.Left}
	type taken struct {
		to       int64
		archived bool
		n        int
	}
	rows, err := queryAllTx(ctx, t, `SELECT h.to_user, m.archived_at IS NOT NULL, COUNT(*) FROM handovers h JOIN merchants m ON m.id = h.record_id
		WHERE h.incident_id = ? AND h.kind = ? GROUP BY h.to_user, m.archived_at IS NOT NULL`, []any{id, poscare.HoldingMerchant},
		func(r scanner) (*taken, error) { var k taken; return &k, r.Scan(&k.to, &k.archived, &k.n) })
	if err != nil {
		return nil, err
	}
	byTo := map[int64]*PreviewReceiver{}
	for _, k := range rows {
		r := byTo[k.to]
		if r == nil {
			u, err := t.getUser(ctx, k.to)
			if err != nil {
				return nil, err
			}
			r = &PreviewReceiver{User: u, Held: held[k.to], Load: load[k.to]}
			byTo[k.to] = r
		}
		if k.archived {
			r.Archived += k.n
			p.Archived += k.n
		} else {
			r.Merchants += k.n
		}
	}
	for _, r := range byTo {
		p.Receivers = append(p.Receivers, *r)
	}
	sort.Slice(p.Receivers, func(i, j int) bool {
		a, b := p.Receivers[i], p.Receivers[j]
		if a.Merchants != b.Merchants {
			return a.Merchants > b.Merchants
		}
		return a.User.ID < b.User.ID
	})
	type channel struct {
		name string
		n    int
	}
	chans, err := queryAllTx(ctx, t, "SELECT channel, COUNT(*) FROM outbox WHERE incident_id = ? GROUP BY channel", []any{id},
		func(r scanner) (*channel, error) { var c channel; return &c, r.Scan(&c.name, &c.n) })
	if err != nil {
		return nil, err
	}
	for _, c := range chans {
		p.ByChannel[c.name] = c.n
	}
	return p, nil
}
