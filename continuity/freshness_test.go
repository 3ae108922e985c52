package continuity_test

import (
	"testing"
	"time"

	"poscare"
	"poscare/continuity"
)

func TestVerifierOf(t *testing.T) {
	at := func(id int64) continuity.Worker { return continuity.Worker{ID: id, Active: true} }
	away := func(id int64) continuity.Worker { return continuity.Worker{ID: id} }
	none := continuity.Worker{}
	for _, c := range []struct {
		name                   string
		manager, cover, backup continuity.Worker
		want                   int64
	}{
		{"Manager", at(1), at(2), at(3), 1},
		{"CoverWhileAway", away(1), at(2), at(3), 2},
		{"Backup", away(1), away(2), at(3), 3},
		{"BackupWithoutCover", away(1), none, at(3), 3},
		{"ManagerStillWithNobody", away(1), away(2), none, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := continuity.VerifierOf(c.manager, c.cover, c.backup); got != c.want {
				t.Errorf("verifier %d, want %d", got, c.want)
			}
		})
	}
}

func TestFreshnessTasks(t *testing.T) {
	p := poscare.DefaultContinuityPolicy
	p.StaleAfter = 30 * 24 * time.Hour
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	if continuity.Stale(now.AddDate(0, 0, -29), now, p) || !continuity.Stale(now.AddDate(0, 0, -31), now, p) {
		t.Error("29 days is fresh, 31 days stale under a 30-day policy")
	}
	c := continuity.StaleContact{ContactID: 5, MerchantID: 2, Contact: "王芳", Merchant: "好运来超市", Verifier: 8}
	x := continuity.VerifyContactTask(c, now, p)
	if x.Kind != continuity.TaskVerifyContact || x.UserID != 8 || x.MerchantID != 2 || x.ContactID != 5 || !x.Due.Equal(now.Add(7*24*time.Hour)) {
		t.Fatalf("task %+v", x)
	}
	if got := says(t, x.Title); got.Zh != "核实联系人信息：好运来超市 · 王芳" || got.En != "Verify contact details: 好运来超市 · 王芳" {
		t.Errorf("title %+v", got)
	}
	// Once per period: the same key all period long, a new one after.
	if again := continuity.VerifyContactTask(c, now.Add(time.Hour), p); again.Key != x.Key {
		t.Errorf("keys %s, %s within one period", x.Key, again.Key)
	}
	if next := continuity.VerifyContactTask(c, now.Add(p.StaleAfter), p); next.Key == x.Key {
		t.Error("the next period has the same key")
	}
	self := continuity.SelfCheckTask(3, now, p)
	if self.Kind != continuity.TaskVerifySelf || self.UserID != 3 || self.MerchantID != 0 {
		t.Fatalf("self-check %+v", self)
	}
	says(t, self.Title)
	n := continuity.SelfCheckNotice(self)
	if n.To != continuity.ToStaff || n.About != 3 || n.Key != self.Key {
		t.Fatalf("notice %+v", n)
	}
	says(t, n.Subject)
	says(t, n.Body)
	for _, err := range []error{continuity.ErrLinkInvalid(), continuity.ErrLinkArchived(), continuity.ErrLinkUsed()} {
		if e, ok := err.(*poscare.Error); !ok || e.Message.Zh == "" || e.Message.En == "" {
			t.Errorf("link error %v", err)
		}
	}
}
