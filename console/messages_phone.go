package console

import "poscare"

// The header's menu, the login page, the portal's service line and the
// flash after a redirect (?saved=KEY says flash.KEY; see Page.FlashText).
var _ = poscare.Register(map[string]poscare.Text{
	"ph.menu":        {Zh: "菜单", En: "Menu"},
	"ph.portal.home": {Zh: "我的商户", En: "My business"},

	"ph.login.merchant": {Zh: "商户用户也从这里登录，登录后进入商户自助服务。", En: "Merchant users log in here too and go on to merchant self-service."},

	"ph.service.title":      {Zh: "24小时服务电话", En: "24-hour service line"},
	"ph.service.call":       {Zh: "拨打 {phone}", En: "Call {phone}"},
	"ph.service.none":       {Zh: "服务电话暂未设置，请联系下方的服务联系人。", En: "No service line is set up yet; please contact your service contact below."},
	"ph.callback.overdue":   {Zh: "已超过约定的回电时间（{due}），我们还没有联系到您，非常抱歉。", En: "We promised to call you by {due} and have not yet done so; we are sorry."},
	"ph.callback.escalated": {Zh: "您的请求仍未关闭，已标为逾期，计入负责人的逾期任务。如需马上联系，请拨打24小时服务电话。", En: "Your request is still open and is now marked overdue on the responsible person's task list. To talk to someone now, call the 24-hour service line."},

	"flash.saved":     {Zh: "已保存", En: "Saved"},
	"flash.archived":  {Zh: "已归档", En: "Archived"},
	"flash.restored":  {Zh: "已恢复", En: "Restored"},
	"flash.declared":  {Zh: "应急预案已启动", En: "Emergency playbook started"},
	"flash.closed":    {Zh: "已关闭", En: "Closed"},
	"flash.returned":  {Zh: "商户已交还", En: "Merchants given back"},
	"flash.done":      {Zh: "已完成", En: "Done"},
	"flash.stage":     {Zh: "进件阶段已完成", En: "Onboarding stage completed"},
	"flash.undone":    {Zh: "已撤销", En: "Undone"},
	"flash.requested": {Zh: "已提交请求", En: "Request sent"},
	"flash.logged":    {Zh: "已记录", En: "Logged"},
	"flash.backup":    {Zh: "备份人员已更新", En: "Backup updated"},
	"flash.exported":  {Zh: "已导出", En: "Exported"},
	"flash.revealed":  {Zh: "已显示，本次查看已记入审计日志", En: "Shown; this view is recorded in the audit trail"},
	"flash.sent":      {Zh: "已发送", En: "Sent"},
	"flash.password":  {Zh: "密码已修改", En: "Password changed"},
})
