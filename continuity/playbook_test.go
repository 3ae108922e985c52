package continuity

import (
	"errors"
	"slices"
	"strings"
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

// TestRunTimeline: a run writes, in order, the request (dated when asked)
// and the restart when resumed, the start, the access ended, a line per
// kind handed over (none for an empty kind), what was left, the notices
// and the risk report, each with its parameters.
func TestRunTimeline(t *testing.T) {
	o := Outcome{Person: "张三", Reason: "失联", Resumed: true, Notified: 4, Unreachable: 1,
		Run: &Run{Strategy: poscare.StrategyBackup, Left: 2, NoBackup: 3},
		Handed: []Handed{{Kind: poscare.HoldingMerchant, N: 5, Line: MerchantsLine(5, &Run{Strategy: poscare.StrategyBackup})},
			{Kind: poscare.HoldingBackup, N: 0, Line: BackupRolesLine(0)}, {Kind: "ticket", N: 2, Line: poscare.M("handover.tasks", "n", 2)}},
		Risk: &poscare.RiskReport{SensitiveViews: 1, Exports: 2, BulkBlocked: 3, Archives: 4, Changes: 5}}
	lines := o.Timeline()
	var keys []string
	for _, l := range lines {
		keys = append(keys, l.Msg.Key)
		if l.Msg.In("zh") == l.Msg.Key || strings.Contains(l.Msg.In("en"), "{") {
			t.Errorf("line %s does not render: %q", l.Msg.Key, l.Msg.In("en"))
		}
	}
	want := []string{"timeline.requested", "timeline.resumed", "timeline.started", "timeline.access_blocked", "handover.merchants", "handover.tasks",
		"timeline.left", "timeline.no_backup", "timeline.notified", "timeline.unreachable", "timeline.risk"}
	if !slices.Equal(keys, want) {
		t.Fatalf("lines %v, want %v", keys, want)
	}
	if !lines[0].AtRequest || lines[1].AtRequest {
		t.Error("only the request is dated when asked")
	}
	if got := lines[2].Msg.Text(); got.Zh != "启动应急预案：张三（失联）" || got.En != "playbook started for 张三 (失联)" {
		t.Errorf("start %+v", got)
	}
	if got := lines[10].Msg.In("en"); got != "risk report (30 days): 1 sensitive view, 2 exports, 3 bulk removals blocked, 4 archives or removed contact details, 5 changes" {
		t.Errorf("risk %q", got)
	}
	if got := (Outcome{Person: "x", Run: &Run{}}).Timeline(); len(got) != 2 {
		t.Errorf("a run that handed nothing over: %v", got)
	}
	sum := o.Sum()
	if sum.Merchants != 5 || sum.BackupRoles != 0 || sum.Other["ticket"] != 2 || sum.Notifications != 4 || sum.Unreachable != 1 {
		t.Errorf("summary %+v", sum)
	}
}

// TestChecklist: every item waits, "merchants informed" aside when nobody
// is to be told; ticking says so in the timeline with the notes; delivery
// ticks it only once every merchant has a notice sent.
func TestChecklist(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cl := NewChecklist(now, 7, 3)
	if len(cl) != len(poscare.ChecklistItems) || AwaitingInformed(cl) != 4 {
		t.Fatalf("checklist %+v", cl)
	}
	for _, c := range cl {
		if c.Done != nil {
			t.Errorf("%s done at the start", c.Item)
		}
	}
	if none := NewChecklist(now, 7, 0); AwaitingInformed(none) != -1 || *none[4].ByID != 7 {
		t.Errorf("nobody to tell: %+v", none[4])
	}
	line := Tick(cl, poscare.CheckPoliceReport, now, 7, "  R-1 ")
	if cl[1].Done == nil || cl[1].Notes != "R-1" || *cl[1].ByID != 7 {
		t.Errorf("ticked %+v", cl[1])
	}
	if got := line.Text(); got.Zh != "完成检查项：报警 R-1" || got.En != "checklist: police report done R-1" {
		t.Errorf("line %+v", got)
	}
	if got := CheckLine(poscare.CheckDataBackup, "").Text(); got.Zh != "完成检查项：已备份数据" || got.En != "checklist: data backup taken done" {
		t.Errorf("line without notes %+v", got)
	}
	for _, item := range poscare.ChecklistItems {
		if CheckLabel(item).Text() != poscare.CheckLabels[item] {
			t.Errorf("label of %s: %+v", item, CheckLabel(item).Text())
		}
	}
	if !KnownCheck(poscare.CheckRiskAssessed) || KnownCheck("coffee") {
		t.Error("known items")
	}
	if Informed(0, 0) || Informed(3, 2) || !Informed(3, 3) {
		t.Error("informed when every merchant has one sent, and only then")
	}
	if got := InformedLine(3).In("zh"); got != "全部 3 家商户已收到新联系人通知：已通知商户" {
		t.Errorf("informed line %q", got)
	}
}

// TestPlanNotices: a merchant is told through its first contact, by that
// contact's preferred channel when live, else its first, in the contact's
// language; one without any live detail is unreachable.
func TestPlanNotices(t *testing.T) {
	team := int64(1)
	to := &poscare.User{ID: 9, Name: "李四", Mobile: "13900000009", TeamID: &team}
	routes := []NoticeRoute{
		{Merchant: 1, Name: "甲店", Contact: 10, Preferred: poscare.ChannelEmail, Lang: "en", Kind: poscare.ChannelPhone, Value: "139"},
		{Merchant: 1, Name: "甲店", Contact: 10, Preferred: poscare.ChannelEmail, Lang: "en", Kind: poscare.ChannelEmail, Value: "a@x"},
		{Merchant: 1, Name: "甲店", Contact: 11, Preferred: poscare.ChannelWeChat, Lang: "zh", Kind: poscare.ChannelWeChat, Value: "wx"},
		{Merchant: 2, Name: "乙店", Contact: 20, Preferred: poscare.ChannelEmail, Lang: "zh", Kind: poscare.ChannelPhone, Value: "138"},
	}
	plan := map[int64]int64{1: 9, 2: 9, 3: 9, 4: 8}
	ns, silent := PlanNotices([]int64{1, 2, 3, 4}, append(routes, NoticeRoute{Merchant: 4, Contact: 40, Kind: poscare.ChannelPhone, Value: "137"}), plan,
		map[int64]*poscare.User{9: to})
	if len(ns) != 2 || !slices.Equal(silent, []int64{3}) {
		t.Fatalf("notices %+v, unreachable %v", ns, silent)
	}
	if n := ns[0]; n.Merchant != 1 || n.Channel != "email" || n.Address != "a@x" || n.Lang != "en" {
		t.Errorf("first merchant %+v", n)
	}
	if n := ns[1]; n.Merchant != 2 || n.Channel != "sms" || n.Address != "138" || n.Lang != "zh" {
		t.Errorf("second merchant %+v", n)
	}
	if got := ns[1].Body.In("zh"); !strings.Contains(got, "尊敬的乙店") || !strings.Contains(got, "李四") {
		t.Errorf("body %q", got)
	}
	if got := TellInPersonTitle("丙店").In("zh"); got != "无可用联系方式，请电话或上门告知新联系人：丙店" {
		t.Errorf("task %q", got)
	}
}

// TestReturnAndClose: the merchants given back are all or those listed;
// a person comes back only on their latest incident and unarchived.
func TestReturnAndClose(t *testing.T) {
	handed := []ReturnMove{{1, 5}, {2, 6}, {3, 5}}
	if got := Returning(handed, nil); len(got) != 3 {
		t.Errorf("all: %v", got)
	}
	if got := Returning(handed, []int64{3, 9}); !slices.Equal(got, []ReturnMove{{3, 5}}) {
		t.Errorf("listed: %v", got)
	}
	if err := CanReturnOn(4, 4, false); err != nil {
		t.Error(err)
	}
	var e *poscare.Error
	if err := CanReturnOn(4, 6, false); !errors.As(err, &e) || e.Code != poscare.EConflict || !strings.Contains(e.Message.En, "(#6)") {
		t.Errorf("not the latest: %v", err)
	}
	if err := CanReturnOn(4, 4, true); poscare.ErrorCode(err) != poscare.EConflict {
		t.Errorf("archived: %v", err)
	}
	if ReturnReason(4).In("zh") != "应急事件 #4 返岗" || ReturnedLine(2, "张三").In("en") != "2 merchants returned to 张三" ||
		BackAtWorkLine("张三").In("zh") != "张三 已返岗，账号恢复（需重新登录）" || ClosedLine().In("en") != "incident closed" {
		t.Error("return and close lines")
	}
	if StatusFor(poscare.IncidentDeparted) != poscare.UserDeparted || StatusFor(poscare.IncidentMissing) != poscare.UserMissing {
		t.Error("status")
	}
	subject, body := RefusedAlert("张三", poscare.Fail(poscare.EForbidden, "playbook.error.no_access"))
	if subject.In("zh") != "【预警】应急预案未能执行：张三" || !strings.Contains(body.In("en"), "(the person who asked no longer has access)") {
		t.Errorf("alert %q / %q", subject.In("zh"), body.In("en"))
	}
}
