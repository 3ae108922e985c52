package sqlstore

import (
	"context"
	"fmt"

	"poscare"
	"poscare/continuity"
)

// stageHoldings are the open onboarding stages a person is responsible
// for.
type stageHoldings struct{}

var _ = RegisterHolding(20, stageHoldings{})

func (stageHoldings) Kind() string { return poscare.HoldingStage }

// Load counts each one's open stages.
func (stageHoldings) Load(ctx context.Context, t *Tx, team int64) (map[int64]int, error) {
	return t.countsBy(ctx, `SELECT s.responsible_id, COUNT(*) FROM application_stages s JOIN users u ON u.id = s.responsible_id
		WHERE u.team_id = ? AND s.completed_at IS NULL GROUP BY s.responsible_id`, team)
}

func (stageHoldings) Line(n int, _ *Handover) poscare.Msg { return continuity.StagesLine(n) }

func (stageHoldings) Hand(ctx context.Context, t *Tx, h *Handover) (int, error) {
	return handStages(ctx, t, h)
}

// handStages gives the open onboarding stages the person was responsible
// for to whoever takes the merchant, in one UPDATE per taker and position.
func handStages(ctx context.Context, t *Tx, h *Handover) (int, error) {
	type stage struct {
		app, merchant int64
		pos           int
	}
	stages, err := queryAllTx(ctx, t, `SELECT s.application_id, s.position, x.merchant_id FROM application_stages s JOIN applications x ON x.id = s.application_id
		WHERE s.responsible_id = ? AND s.completed_at IS NULL ORDER BY s.application_id, s.position`, []any{h.Run.Person.ID},
		func(r scanner) (*stage, error) { var s stage; return &s, r.Scan(&s.app, &s.pos, &s.merchant) })
	if err != nil {
		return 0, err
	}
	merchants := make([]int64, len(stages))
	for i, st := range stages {
		merchants[i] = st.merchant
	}
	if err := h.readManagers(ctx, t, merchants); err != nil {
		return 0, err
	}
	type group struct {
		to  int64
		pos int
	}
	groups := map[group][]int64{}
	var order []group
	n := 0
	for _, st := range stages {
		to, err := h.TakerFor(ctx, t, st.merchant)
		if err != nil {
			return 0, err
		}
		if to == 0 {
			h.Left()
			continue
		}
		g := group{to, st.pos}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], st.app)
		h.Handed(t, poscare.HoldingStage, st.app, fmt.Sprint(st.pos), &to)
		n++
	}
	for _, g := range order {
		err := inChunks(groups[g], func(in string, args []any) error {
			_, err := t.exec(ctx, "UPDATE application_stages SET responsible_id = ? WHERE responsible_id = ? AND position = ? AND application_id IN "+in,
				append([]any{g.to, h.Run.Person.ID, g.pos}, args...)...)
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}
