package sqlstore

import (
	"context"

	"poscare"
	"poscare/continuity"
)

// taskHoldings are the open tasks a person owns.
type taskHoldings struct{}

var _ = RegisterHolding(40, taskHoldings{})

func (taskHoldings) Kind() string { return poscare.HoldingTask }

// Load counts each one's open tasks owed to merchants.
func (taskHoldings) Load(ctx context.Context, t *Tx, team int64) (map[int64]int, error) {
	return t.countsBy(ctx, "SELECT k.user_id, COUNT(*) FROM tasks k JOIN users u ON u.id = k.user_id WHERE u.team_id = ? AND k.done_at IS NULL AND k.kind IN "+merchantTaskKinds+" GROUP BY k.user_id", team)
}

func (taskHoldings) Line(n int, _ *Handover) poscare.Msg { return continuity.TasksLine(n) }

func (taskHoldings) Hand(ctx context.Context, t *Tx, h *Handover) (int, error) {
	return handTasks(ctx, t, h)
}

// handTasks gives open tasks and follow-ups to whoever takes the task's
// merchant, else the backup. A reminder to check one's own contact details
// (verify_self) concerns the person alone and stays with them.
func handTasks(ctx context.Context, t *Tx, h *Handover) (int, error) {
	tasks, err := queryAllTx(ctx, t, "SELECT "+taskCols+" FROM tasks WHERE user_id = ? AND done_at IS NULL AND kind <> 'verify_self'", []any{h.Run.Person.ID}, scanTask)
	if err != nil {
		return 0, err
	}
	merchants := make([]int64, 0, len(tasks))
	for _, task := range tasks {
		if task.MerchantID != nil {
			merchants = append(merchants, *task.MerchantID)
		}
	}
	if err := h.readManagers(ctx, t, merchants); err != nil {
		return 0, err
	}
	byTo := map[int64][]int64{}
	var order []int64
	n := 0
	for _, task := range tasks {
		var merchant int64
		if task.MerchantID != nil {
			merchant = *task.MerchantID
		}
		to, err := h.TakerFor(ctx, t, merchant)
		if err != nil {
			return 0, err
		}
		if to == 0 {
			h.Left()
			continue
		}
		if _, ok := byTo[to]; !ok {
			order = append(order, to)
		}
		byTo[to] = append(byTo[to], task.ID)
		h.Handed(t, poscare.HoldingTask, task.ID, "", &to)
		n++
	}
	for _, to := range order {
		err := inChunks(byTo[to], func(in string, args []any) error {
			_, err := t.exec(ctx, "UPDATE tasks SET user_id = ? WHERE id IN "+in, append([]any{to}, args...)...)
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}
