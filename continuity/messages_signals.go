package continuity

import "poscare"

// The words of the signals capability: silence detection, the removal
// guard, contact freshness, callbacks and the outbox's notices to staff.
// Task titles are under "todo.", alerts to staff under "alert.".
var _ = poscare.Register(map[string]poscare.Text{
	// Silence.
	"silence.outcome.invalid": {
		Zh: "应为无人接听、停机或空号、被拉黑三者之一",
		En: "must be one of no answer (no_answer), disconnected or blocked",
	},
	"silence.attempt.self":             {Zh: "不能记录联系不上自己", En: "you cannot record failing to reach yourself"},
	"silence.signal.days_silent":       {Zh: "{n} 天无活动", En: "no activity for {n} {n|day|days}"},
	"silence.signal.colleagues_failed": {Zh: "近 {window}有 {n} 位同事联系未果", En: "{n} {n|colleague|colleagues} failed to reach them in {window}"},
	"silence.signal.overdue_tasks":     {Zh: "{n} 项任务逾期未处理", En: "{n} {n|task|tasks} overdue"},
	"silence.reason":                   {Zh: "系统检测：{signals}", En: "detected: {signals}"},
	"silence.list":                     {Zh: "{first}，{rest}", En: "{first}, {rest}"},
	"alert.unreachable.subject":        {Zh: "【预警】员工疑似失联：{name}", En: "[Alert] staff member may be unreachable: {name}"},
	"alert.unreachable.body": {
		Zh: "{reason}。其商户的服务联系人已自动转给备岗人员，请尽快核实。",
		En: "Poscare {reason}. Their merchants' service contact has passed to the backup; please check on them soon.",
	},

	// The removal guard.
	"removal.blocked": {
		Zh: "短时间内删除/归档客户过多，操作已被拦截，主管和运营中心已收到通知",
		En: "too many removals in a short time: blocked, and your lead and operations have been alerted",
	},
	"removal.line.archive.merchant": {Zh: "- 归档商户 #{id} {name}{of}\n", En: "- archived merchant #{id} {name}{of}\n"},
	"removal.line.archive.contact":  {Zh: "- 归档联系人 #{id} {name}{of}\n", En: "- archived contact #{id} {name}{of}\n"},
	"removal.line.channel.merchant": {Zh: "- 删除了联系方式：商户 #{id} {name}{of}\n", En: "- removed contact details of merchant #{id} {name}{of}\n"},
	"removal.line.channel.contact":  {Zh: "- 删除了联系方式：联系人 #{id} {name}{of}\n", En: "- removed contact details of contact #{id} {name}{of}\n"},
	"removal.of":                    {Zh: "（{merchant}）", En: " ({merchant})"},
	"removal.lines":                 {Zh: "{first}{rest}", En: "{first}{rest}"},
	"alert.bulk.subject":            {Zh: "【预警】批量删除客户已被拦截：{name}", En: "[Alert] bulk removal of customers blocked: {name}"},
	"alert.bulk.body": {
		Zh: "{name}（{login}）在 {window}内删除或归档客户已达 {limit} 次，后续操作已被拦截。最近的操作：\n{lines}\n主管可在控制台一键恢复。",
		En: "{name} ({login}) removed or archived customers {limit} {limit|time|times} within {window}; further removals are refused. Latest:\n{lines}\nA lead can restore them all in one action from the console.",
	},
	"removal.person.still_manages": {Zh: "此人仍是 {n} 家商户的客户经理，请先交接", En: "this person still manages {n} {n|merchant|merchants}: hand {n|it|them} over first"},

	// Who stands in for whom (the service-contact chain).
	"callback.chain.cover_at_work": {Zh: "代岗人应为在岗员工", En: "the cover must be staff at work"},
	"callback.chain.covers_for": {Zh: "此人正在为休假的{name}代岗，请先安排新的代岗人",
		En: "this person covers for {name}, who is on leave: name a new cover first"},
	"callback.chain.last_backup": {Zh: "{name}不在岗，此人是其商户仅剩的备岗，请先为这些商户安排新的备岗",
		En: "{name} is away and this person is the last backup of their merchants: name a new backup for them first"},

	// Callbacks.
	"callback.note.none":     {Zh: "无", En: "none"},
	"alert.callback.subject": {Zh: "【回电】{merchant} 请求回电", En: "[Callback] {merchant} asks to be called back"},
	"alert.callback.body": {
		Zh: "商户 {merchant} 请求回电，请在 {within}内联系。留言：{note}",
		En: "Merchant {merchant} asks to be called back; please call within {within}. Message: {note}",
	},

	// Contact freshness.
	"freshness.self.subject": {Zh: "请核对您本人的联系方式", En: "Please check your own contact details"},
	"freshness.self.body": {
		Zh: "商户和同事需要随时联系到您。请登录控制台，在「我的任务」中核对手机、邮箱和微信：有变化请更新，无误请确认。",
		En: "Merchants and colleagues must always be able to reach you. Please open My tasks in the console and check your mobile, email and WeChat: update what changed, confirm what did not.",
	},
	"freshness.link.invalid":  {Zh: "链接无效或已过期，请联系您的服务联系人", En: "This link is invalid or has expired; please contact your service contact."},
	"freshness.link.archived": {Zh: "该联系人已停用，此确认链接已失效", En: "This contact is no longer in use, so the confirmation link no longer works."},
	"freshness.link.used": {Zh: "此确认链接已使用过（或联系方式已在此后确认），无需再次确认",
		En: "This confirmation link has already been used (or the details were confirmed since); nothing more to do."},

	// Task titles.
	"todo.verify_self":    {Zh: "请核对并更新您本人的联系方式（手机、邮箱、微信）", En: "Check and update your own contact details (mobile, email, WeChat)"},
	"todo.verify_contact": {Zh: "核实联系人信息：{merchant} · {contact}", En: "Verify contact details: {merchant} · {contact}"},
	"todo.callback":       {Zh: "商户请求回电：{merchant}", En: "Callback requested: {merchant}"},
})
