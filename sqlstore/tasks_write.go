package sqlstore

import (
	"context"
	"time"

	"poscare"
)

// newTask is a task to write, its title a catalog message.
type newTask struct {
	dedupeKey  string
	kind       string
	userID     int64
	merchantID int64 // 0: none
	title      poscare.Msg
	notes      string
	due        time.Time
}

// insertTasks writes tasks in as few statements as the table allows. It
// is the one place a task's title is written: the title is stored as its
// message (title_msg = msg.Encode(), migration 21) and put into words
// when read.
func (t *Tx) insertTasks(ctx context.Context, tasks []newTask) error {
	rows := make([][]any, len(tasks))
	for i, k := range tasks {
		rows[i] = []any{k.dedupeKey, k.kind, k.userID, nullInt64(k.merchantID), k.title.Encode(), k.notes, micros(k.due), micros(t.now)}
	}
	return t.insertRows(ctx, "tasks", []string{"dedupe_key", "kind", "user_id", "merchant_id", "title_msg", "notes", "due_at", "created_at"}, rows)
}
