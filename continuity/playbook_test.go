package continuity

import (
	"testing"
	"time"

	"poscare"
)

// TestRiskReport: the counts come from the whole window, the entries are
// listed riskiest first and, within a kind, newest first.
func TestRiskReport(t *testing.T) {
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	counts := map[string]int{poscare.AuditView: 3, poscare.AuditExport: 2, "bulk_blocked": 1, "archive": 4, "remove_channel": 5, "update": 7, poscare.AuditLogin: 9, poscare.AuditLoginFailed: 2}
	es := []poscare.AuditEntry{
		{Seq: 1, Action: "update"},
		{Seq: 2, Action: poscare.AuditLogin},
		{Seq: 3, Action: "archive"},
		{Seq: 4, Action: poscare.AuditView},
		{Seq: 5, Action: poscare.AuditExport},
		{Seq: 6, Action: "bulk_blocked"},
		{Seq: 7, Action: poscare.AuditView},
		{Seq: 8, Action: "remove_channel"},
	}
	r := BuildRiskReport(since, counts, es)
	if r.SensitiveViews != 3 || r.Exports != 2 || r.BulkBlocked != 1 || r.Archives != 9 || r.Changes != 7 || r.Logins != 11 {
		t.Fatalf("counts %+v", r)
	}
	var got []int64
	for _, e := range r.Entries {
		got = append(got, e.Seq)
	}
	// Views (newest first), exports and blocked bulk removals, archives
	// and removals, changes, then everything else.
	want := []int64{7, 4, 6, 5, 8, 3, 1, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	if es[0].Seq != 1 {
		t.Fatal("the caller's entries were reordered in place")
	}
}
