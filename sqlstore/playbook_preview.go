package sqlstore

import (
	"context"
	"sort"

	"poscare"
	"poscare/continuity"
)

// PlaybookPreview is what the emergency playbook would do if declared
// now: the same loads as runPlaybook and the same continuity rules, in a
// read transaction that writes nothing. The console shows it before the
// declaration is confirmed.
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
// writing nothing. It refuses as the declaration would: a person out of
// the actor's reach, an invalid declaration, and nobody at work to take
// the merchants (EConflict).
// Errors: EForbidden, ENotFound, EInvalid, EConflict.
func (s *Store) PreviewPlaybook(ctx context.Context, a poscare.Actor, userID int64, d poscare.Declaration) (*PlaybookPreview, error) {
	if !a.Can(poscare.EntityIncident, poscare.ActCreate) {
		return nil, poscare.Forbidden()
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return readOne(ctx, s, func(t *Tx) (*PlaybookPreview, error) {
		person, err := t.declarable(ctx, a, userID)
		if err != nil {
			return nil, err
		}
		return t.previewPlaybook(ctx, a, person, d)
	})
}

// previewPlaybook loads what runPlaybook loads and asks continuity what
// it would decide, kind by kind in the holdings' order: merchants, backup
// roles, stages, colleagues backed up, tasks.
func (t *Tx) previewPlaybook(ctx context.Context, a poscare.Actor, person *poscare.User, d poscare.Declaration) (*PlaybookPreview, error) {
	h := &Handover{Actor: a, Run: &continuity.Run{Person: person, Strategy: d.Strategy, Load: map[int64]int{}}}
	held := map[int64]int{}
	if person.TeamID != nil {
		var err error
		h.Run.Candidates, err = queryAllTx(ctx, t, "SELECT "+userCols+" FROM users WHERE team_id = ? AND id <> ? AND role IN ('agent', 'lead') AND status = 'active' AND archived_at IS NULL ORDER BY id",
			[]any{*person.TeamID, person.ID}, scanUser)
		if err != nil {
			return nil, err
		}
		for _, k := range holdings {
			part, err := k.Load(ctx, t, *person.TeamID)
			if err != nil {
				return nil, err
			}
			if k.Kind() == poscare.HoldingMerchant {
				held = part
			}
			continuity.AddLoad(h.Run.Load, part)
		}
	}
	if person.BackupID != nil {
		if b, err := t.getUser(ctx, *person.BackupID); err == nil && b.Available() {
			h.Run.Backup = b
		}
	}
	loadBefore := make(map[int64]int, len(h.Run.Load))
	for id, n := range h.Run.Load {
		loadBefore[id] = n
	}
	p := &PlaybookPreview{Person: person, Declaration: d, ByChannel: map[string]int{}}

	// Merchants, archived ones too, as handMerchants plans them.
	type merchant struct {
		id, backup int64
		archived   bool
	}
	ms, err := queryAllTx(ctx, t, "SELECT id, COALESCE(backup_manager_id, 0), archived_at IS NOT NULL FROM merchants WHERE account_manager_id = ? ORDER BY id", []any{person.ID},
		func(r scanner) (*merchant, error) { var m merchant; return &m, r.Scan(&m.id, &m.backup, &m.archived) })
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ms))
	archived := map[int64]bool{}
	backedByPerson := 0
	for i, m := range ms {
		ids[i], archived[m.id] = m.id, m.archived
		if m.archived {
			p.Archived++
		}
		if m.backup == person.ID {
			backedByPerson++
		}
	}
	plan, err := h.Run.PlanMerchants(ids, archived)
	if err != nil {
		return nil, err
	}
	p.Strategy, p.FellBack, p.ToLead = h.Run.Strategy, h.Run.FellBack, h.Run.ToLead
	p.Sum.Add(poscare.HoldingMerchant, len(ids))
	people := map[int64]*poscare.User{}
	for _, c := range h.Run.Candidates {
		people[c.ID] = c
	}
	if h.Run.Backup != nil {
		people[h.Run.Backup.ID] = h.Run.Backup
	}
	byTo := map[int64]*PreviewReceiver{}
	for _, m := range ids {
		to := plan.To[m]
		r := byTo[to]
		if r == nil {
			r = &PreviewReceiver{User: people[to], Held: held[to], Load: loadBefore[to]}
			if r.User == nil {
				if r.User, err = t.getUser(ctx, to); err != nil {
					return nil, err
				}
			}
			byTo[to] = r
		}
		if archived[m] {
			r.Archived++
		} else {
			r.Merchants++
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

	// Backup roles: the merchants the person backs up, and those they
	// manage and back up both (handBackupRoles).
	var roles int
	if err := t.queryRow(ctx, "SELECT COUNT(*) FROM merchants WHERE backup_manager_id = ?", person.ID).Scan(&roles); err != nil {
		return nil, t.s.translate(err)
	}
	p.Sum.Add(poscare.HoldingBackup, roles+backedByPerson)

	// Open stages, to whoever takes their merchant (handStages).
	type stage struct{ merchant int64 }
	stages, err := queryAllTx(ctx, t, `SELECT x.merchant_id FROM application_stages s JOIN applications x ON x.id = s.application_id
		WHERE s.responsible_id = ? AND s.completed_at IS NULL ORDER BY s.application_id, s.position`, []any{person.ID},
		func(r scanner) (*stage, error) { var s stage; return &s, r.Scan(&s.merchant) })
	if err != nil {
		return nil, err
	}
	stageMerchants := make([]int64, len(stages))
	for i, st := range stages {
		stageMerchants[i] = st.merchant
	}
	n, err := t.previewTakers(ctx, h, stageMerchants)
	if err != nil {
		return nil, err
	}
	p.Sum.Add(poscare.HoldingStage, n)

	// Colleagues the person backs up (handStaffBackups).
	var covered int
	if err := t.queryRow(ctx, "SELECT COUNT(*) FROM users WHERE backup_id = ?", person.ID).Scan(&covered); err != nil {
		return nil, t.s.translate(err)
	}
	p.Sum.Add(poscare.HoldingStaffBackup, covered)

	// Open tasks but the person's own reminders (handTasks).
	type task struct{ merchant int64 }
	tasks, err := queryAllTx(ctx, t, "SELECT COALESCE(merchant_id, 0) FROM tasks WHERE user_id = ? AND done_at IS NULL AND kind <> 'verify_self' ORDER BY id", []any{person.ID},
		func(r scanner) (*task, error) { var k task; return &k, r.Scan(&k.merchant) })
	if err != nil {
		return nil, err
	}
	taskMerchants := make([]int64, len(tasks))
	for i, k := range tasks {
		taskMerchants[i] = k.merchant
	}
	if n, err = t.previewTakers(ctx, h, taskMerchants); err != nil {
		return nil, err
	}
	p.Sum.Add(poscare.HoldingTask, n)
	p.Left = h.Run.Left

	// The notices, by the route continuity.PlanNotices picks (queueNotices).
	live := make([]int64, 0, len(h.Run.Plan))
	for m := range h.Run.Plan {
		live = append(live, m)
	}
	sort.Slice(live, func(i, j int) bool { return live[i] < live[j] })
	err = inChunks(live, func(in string, args []any) error {
		routes, err := t.noticeRoutes(ctx, in, args)
		if err != nil {
			return err
		}
		chunk := make([]int64, len(args))
		for i, v := range args {
			chunk[i] = v.(int64)
		}
		notices, unreachable := continuity.PlanNotices(chunk, routes, h.Run.Plan, people)
		for _, n := range notices {
			p.ByChannel[n.Channel]++
		}
		p.Sum.Notifications += len(notices)
		p.Sum.Unreachable += len(unreachable)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// previewTakers counts the items tied to merchants (0: none) that someone
// would take, by Handover.TakerFor; those nobody could take are Left.
func (t *Tx) previewTakers(ctx context.Context, h *Handover, merchants []int64) (int, error) {
	if err := h.readManagers(ctx, t, merchants); err != nil {
		return 0, err
	}
	n := 0
	for _, m := range merchants {
		to, err := h.TakerFor(ctx, t, m)
		if err != nil {
			return 0, err
		}
		if to == 0 {
			h.Left()
			continue
		}
		n++
	}
	return n, nil
}

// noticeRoutes reads the live contact channels of the merchants in an IN
// list, in the order continuity.PlanNotices expects.
func (t *Tx) noticeRoutes(ctx context.Context, in string, args []any) ([]continuity.NoticeRoute, error) {
	r, err := t.query(ctx, `SELECT m.id, m.legal_name, c.id, c.preferred_channel, c.lang, ch.kind, ch.value FROM merchants m
		JOIN contacts c ON c.merchant_id = m.id AND c.archived_at IS NULL
		JOIN contact_channels ch ON ch.contact_id = c.id AND ch.removed_at IS NULL
		WHERE m.id IN `+in+` ORDER BY m.id, c.id, ch.id`, args...)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var routes []continuity.NoticeRoute
	for r.Next() {
		var x continuity.NoticeRoute
		if err := r.Scan(&x.Merchant, &x.Name, &x.Contact, &x.Preferred, &x.Lang, &x.Kind, &x.Value); err != nil {
			return nil, t.s.translate(err)
		}
		routes = append(routes, x)
	}
	return routes, t.s.translate(r.Err())
}
