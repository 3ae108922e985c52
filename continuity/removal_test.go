package continuity_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/continuity"
)

func TestGuardRemovals(t *testing.T) {
	p := poscare.DefaultContinuityPolicy
	p.BulkLimit = 5
	if err := continuity.GuardRemovals(4, p); err != nil {
		t.Fatalf("the fifth removal was refused: %v", err)
	}
	err := continuity.GuardRemovals(5, p)
	if poscare.ErrorCode(err) != poscare.EForbidden || !errors.Is(err, continuity.ErrRemovalsBlocked) {
		t.Fatalf("the sixth removal: %v, want forbidden for ErrRemovalsBlocked", err)
	}
	if e := err.(*poscare.Error); !strings.Contains(e.Message.Zh, "已被拦截") || !strings.Contains(e.Message.En, "blocked") {
		t.Errorf("refusal %+v", e.Message)
	}
	if continuity.Guarded(poscare.SystemActor("import")) || !continuity.Guarded(poscare.Actor{UserID: 3}) {
		t.Error("the system actor is exempt, a person is not")
	}
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	if got := continuity.RemovalsSince(now, p); !got.Equal(now.Add(-time.Hour)) {
		t.Errorf("window starts %v", got)
	}
}

func TestBlockedAlert(t *testing.T) {
	p := poscare.DefaultContinuityPolicy
	p.BulkLimit = 5
	now := time.Date(2026, 5, 10, 12, 10, 0, 0, time.UTC)
	person := &poscare.User{ID: 9, Name: "张伟", Login: "zhangwei"}
	recent := []continuity.Removed{
		{Entity: poscare.EntityMerchant, Action: "archive", ID: 12, Name: "好运来超市"},
		{Entity: poscare.EntityContact, Action: "archive", ID: 30, Name: "王芳", Merchant: "好运来超市"},
		{Entity: poscare.EntityContact, Action: "remove_channel", ID: 31, Name: "李四", Merchant: "如意餐厅"},
	}
	a := continuity.BlockedAlert(person, recent, p, now)
	if a.To != continuity.ToLeadAndOps || a.About != 9 {
		t.Fatalf("alert %+v", a)
	}
	if again := continuity.BlockedAlert(person, recent[:1], p, now.Add(20*time.Minute)); again.Key != a.Key {
		t.Errorf("a second refusal in the same window raises another alert: %s, %s", a.Key, again.Key)
	}
	if next := continuity.BlockedAlert(person, recent, p, now.Add(time.Hour)); next.Key == a.Key {
		t.Error("the next window's refusal raises no alert")
	}
	if sub := says(t, a.Subject); sub.Zh != "【预警】批量删除客户已被拦截：张伟" || sub.En != "[Alert] bulk removal of customers blocked: 张伟" {
		t.Errorf("subject %+v", sub)
	}
	body := says(t, a.Body)
	for _, want := range []string{"张伟（zhangwei）在 1 小时内删除或归档客户已达 5 次", "- 归档商户 #12 好运来超市\n", "- 归档联系人 #30 王芳（好运来超市）\n",
		"- 删除了联系方式：联系人 #31 李四（如意餐厅）\n", "主管可在控制台一键恢复"} {
		if !strings.Contains(body.Zh, want) {
			t.Errorf("the Chinese lacks %q:\n%s", want, body.Zh)
		}
	}
	for _, want := range []string{"zhangwei) removed or archived customers 5 times within 1 hour", "- archived merchant #12 好运来超市\n",
		"- archived contact #30 王芳 (好运来超市)\n", "- removed contact details of contact #31 李四 (如意餐厅)\n"} {
		if !strings.Contains(body.En, want) {
			t.Errorf("the English lacks %q:\n%s", want, body.En)
		}
	}
	if got := recent[2].Audit(); got != "remove_channel contact 31" {
		t.Errorf("audit line %q", got)
	}
	// Stored and read back, the alert says the same.
	if back := poscare.DecodeMsg(a.Body.Encode()).Text(); back != body {
		t.Errorf("read back:\n%+v\nwritten:\n%+v", back, body)
	}
}
