package continuity

import "poscare"

// The playbook's messages: its timeline, its errors, the alert when a
// declaration could not be carried out, the task it gives, the checklist's
// labels and the names of the strategies. The wording of lines written
// before messages were keyed is kept, so that old and new incidents read
// alike.
var _ = poscare.Register(map[string]poscare.Text{
	"timeline.requested":      {Zh: "提交应急预案申请：{person}", En: "playbook requested for {person}"},
	"timeline.resumed":        {Zh: "上次运行中断，重启后继续完成", En: "the run was interrupted and is finished after a restart"},
	"timeline.started":        {Zh: "启动应急预案：{person}（{reason}）", En: "playbook started for {person} ({reason})"},
	"timeline.access_blocked": {Zh: "已停用其账号并注销全部会话和令牌", En: "access blocked: sessions and tokens revoked"},
	"timeline.left": {Zh: "{n} 项待办或进件阶段无人可接手，仍在其名下，请主管指派",
		En: "{n} {n|task or onboarding stage|tasks or onboarding stages} had nobody to take {n|it|them} and {n|stays|stay} with the person; the lead must assign {n|it|them}"},
	"timeline.no_backup": {Zh: "{n} 家商户没有可担任备岗的在岗同事，暂无备岗，请主管安排人员",
		En: "{n} {n|merchant has|merchants have} no backup: nobody else in the team is at work to be one; the lead must assign someone"},
	"timeline.notified": {Zh: "已向 {n} 家商户发送新联系人通知（排队中，全部送达后自动勾选“已通知商户”）",
		En: "{n} {n|merchant|merchants} notified of their new contact (queued; \"merchants informed\" is ticked once all are delivered)"},
	"timeline.unreachable": {Zh: "{n} 家商户没有可用的联系方式，已给新客户经理派发任务：电话或上门告知",
		En: "{n} {n|merchant has|merchants have} no live contact detail: {n|its new account manager has|their new account managers have} a task to tell them by phone or in person"},
	"timeline.risk": {Zh: "风险报告（近30天）：查看敏感信息 {views} 次，导出 {exports} 次，批量删除被拦截 {blocked} 次，归档或删除联系方式 {archives} 次，修改 {changes} 次",
		En: "risk report (30 days): {views} sensitive {views|view|views}, {exports} {exports|export|exports}, {blocked} bulk {blocked|removal|removals} blocked, {archives} {archives|archive or removed contact detail|archives or removed contact details}, {changes} {changes|change|changes}"},
	"timeline.all_informed": {Zh: "全部 {n} 家商户已收到新联系人通知：已通知商户", En: "{n|the merchant has|all merchants have} received {n|its|their} new contact ({n}): merchants informed"},
	"timeline.check":        {Zh: "完成检查项：{item}{notes}", En: "checklist: {item} done{notes}"},
	"timeline.returned":     {Zh: "已将 {n} 家商户交回 {person}", En: "{n} {n|merchant|merchants} returned to {person}"},
	"timeline.back_at_work": {Zh: "{person} 已返岗，账号恢复（需重新登录）", En: "{person} is back at work; access restored (a new login is needed)"},
	"timeline.closed":       {Zh: "事件关闭", En: "incident closed"},

	"handover.merchants":           {Zh: "已移交 {n} 家商户（{how}{fell_back}{to_lead}）", En: "{n} {n|merchant|merchants} handed over ({how}{fell_back}{to_lead})"},
	"handover.merchants.fell_back": {Zh: "：备岗人员不在岗或不在本团队，未能全部交给备岗", En: ": the backup is away or in another team, so not all to the backup"},
	"handover.merchants.to_lead":   {Zh: "；团队中没有在岗的业务员，由主管接手", En: "; no agent of the team is at work, so the lead took them"},
	"handover.backup_roles":        {Zh: "已转交 {n} 家商户的备岗职责", En: "backup role for {n} {n|merchant|merchants} passed on"},
	"handover.stages":              {Zh: "已移交 {n} 个进件阶段", En: "{n} onboarding {n|stage|stages} handed over"},
	"handover.staff_backups":       {Zh: "已为 {n} 名同事重新指定备岗人员", En: "{n} {n|colleague|colleagues} given another backup"},
	"handover.tasks":               {Zh: "已移交 {n} 项待办任务", En: "{n} open {n|task|tasks} handed over"},

	"playbook.strategy.backup": {Zh: "全部交给备岗人员", En: "all to the backup"},
	"playbook.strategy.spread": {Zh: "按负荷分给团队", En: "spread over the team by load"},

	"playbook.check.unknown": {Zh: "未知检查项", En: "unknown checklist item"},

	"playbook.error.no_access":      {Zh: "申报人已无权限", En: "the person who asked no longer has access"},
	"playbook.error.earlier_failed": {Zh: "此前的应急预案申报未能执行：{why}", En: "an earlier declaration could not be carried out: {why}"},
	"playbook.error.nobody_to_take": {Zh: "团队中没有可接手的在岗人员，请先安排人员", En: "nobody at work in the team can take over; assign someone first"},
	"playbook.error.not_back_yet":   {Zh: "当事人尚未恢复在岗，不能交回", En: "the person is not back at work yet"},
	"playbook.error.not_latest":     {Zh: "请在此人最近一次的应急事件（#{id}）中办理返岗", En: "bring the person back on their latest incident (#{id})"},
	"playbook.error.archived":       {Zh: "此人的账号已归档，请先恢复账号", En: "the person's account is archived: restore it first"},
	"playbook.error.restore_nobody": {Zh: "商户的客户经理已不在岗，且团队中没有可接手的在岗人员，请先安排人员再恢复",
		En: "the merchant's account manager is not at work and nobody at work in the team can take it: assign someone, then restore"},
	"playbook.delivery.status": {Zh: "应为 queued、sending、sent 或 failed", En: "must be queued, sending, sent or failed"},

	"playbook.alert.refused.subject": {Zh: "【预警】应急预案未能执行：{person}", En: "[Alert] the emergency playbook was not carried out: {person}"},
	"playbook.alert.refused.body": {Zh: "对 {person} 的应急预案申报未能执行（{cause}）。其账号和商户仍未交接，请立即在控制台重新申报。",
		En: "The declaration for {person} could not be carried out ({cause}). Their access and merchants have not been handed over: declare again in the console now."},
	"playbook.task.tell_in_person": {Zh: "无可用联系方式，请电话或上门告知新联系人：{merchant}", En: "No live contact detail: tell {merchant} its new contact by phone or in person"},
	"playbook.return_reason":       {Zh: "应急事件 #{id} 返岗", En: "back at work through incident #{id}"},
})
