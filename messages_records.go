package poscare

// The records' messages: what the store answers when a change breaks a
// rule of the records themselves (an archived record, a missing
// reference), when the database refuses a write, and when a login or a
// session fails. The store (sqlstore) holds no words of its own: it names
// these keys, and the reader's language is chosen when the error is
// shown.

// DefaultServiceCentre is the provider's 24-hour merchant service centre
// until configuration names the real one.
var DefaultServiceCentre = ServiceCentre{Name: "24小时商户服务中心", Phone: "400-800-9000", Email: "service@poscare.example"}

// The one error model's own words (error.go).
var _ = Register(map[string]Text{
	"err.not_found": {Zh: "未找到{entity}", En: "{entity} not found"},
	"err.forbidden": {Zh: "您的角色无权执行此操作", En: "your role may not do this"},
	"err.internal":  {Zh: "系统内部错误", En: "internal error"},
	"err.invalid":   {Zh: "输入有误，请检查标出的字段", En: "some fields are invalid"},
})

// Rules of the records.
var _ = Register(map[string]Text{
	"record.already_archived":     {Zh: "记录已归档", En: "the record is already archived"},
	"record.not_archived":         {Zh: "记录未归档", En: "the record is not archived"},
	"record.no_merchant":          {Zh: "商户不存在", En: "no such merchant"},
	"record.no_team":              {Zh: "团队不存在", En: "no such team"},
	"record.no_team_or_archived":  {Zh: "团队不存在或已归档", En: "no such team, or archived"},
	"record.merchant.archived":    {Zh: "商户已归档", En: "the merchant is archived"},
	"record.merchant.restore":     {Zh: "商户已归档，请先恢复", En: "the merchant is archived; restore it first"},
	"record.contact.restore":      {Zh: "联系人已归档，请先恢复", En: "the contact is archived; restore it first"},
	"record.contract.restore":     {Zh: "合同已归档，请先恢复", En: "the contract is archived; restore it first"},
	"record.terminal.restore":     {Zh: "终端已归档，请先恢复", En: "the terminal is archived; restore it first"},
	"record.application.archived": {Zh: "申请已归档", En: "the application is archived"},
	"record.application.restore":  {Zh: "申请已归档，请先恢复", En: "the application is archived; restore it first"},
	"record.application.complete": {Zh: "所有阶段均已完成", En: "every stage is already complete"},
	"record.application.responsible": {
		Zh: "负责人应为在职员工", En: "the responsible person must be active staff",
	},
	"record.contact.removal_reason": {
		Zh: "删除联系方式（{value}）必须说明原因（2-500字）",
		En: "removing a contact detail ({value}) needs a reason of 2 to 500 characters",
	},
	"record.contact.no_removed_channel": {Zh: "没有这个已删除的联系方式", En: "no such removed channel"},
	"record.terminal.merchant_not_live": {Zh: "商户未开通或已解约，不能装机", En: "the merchant is not live (prospect or terminated)"},
	"record.terminal.mid_differs": {
		Zh: "与所绑定商户的商户编号不一致（一机多码）",
		En: "differs from the bound merchant's MID (one device, several merchant numbers)",
	},
	"record.team.lead_role": {Zh: "应为主管角色的员工", En: "must be a staff member with the lead role"},
})

// What the database answers (sqlstore's translation of driver errors),
// and its backups.
var _ = Register(map[string]Text{
	"db.not_found":         {Zh: "未找到记录", En: "record not found"},
	"db.cancelled":         {Zh: "请求已取消或超时", En: "request cancelled or timed out"},
	"db.busy":              {Zh: "数据库繁忙，请稍后重试", En: "the database is busy; try again shortly"},
	"db.unique":            {Zh: "记录已存在（唯一字段重复）", En: "a record with the same unique value already exists"},
	"db.unique.field":      {Zh: "已被使用", En: "already in use"},
	"db.foreign":           {Zh: "引用的记录不存在", En: "a referenced record does not exist"},
	"db.concurrent":        {Zh: "记录正被同时修改，请重试", En: "the record was changed at the same time; try again"},
	"db.backup.exists":     {Zh: "备份文件已存在：{path}", En: "the backup file already exists: {path}"},
	"db.backup.no_folder":  {Zh: "未配置备份目录", En: "no backup folder is configured (--backup-dir)"},
	"db.password.busy":     {Zh: "服务器正忙，请稍后再试", En: "the server is busy; try again in a moment"},
	"db.throttle.too_many": {Zh: "尝试过于频繁，请稍后再试", En: "too many attempts; try again later"},
})

// Staff, their logins and sessions.
var _ = Register(map[string]Text{
	"user.login_required":     {Zh: "请先登录", En: "authentication required"},
	"user.login_failed":       {Zh: "登录名或密码错误", En: "wrong login or password"},
	"user.session_ended":      {Zh: "登录已超时，请重新登录", En: "your session has ended; please log in again"},
	"user.token_invalid":      {Zh: "登录已失效，请重新登录", En: "invalid or expired token"},
	"user.lang":               {Zh: "应为 zh 或 en", En: "must be zh or en"},
	"user.must_be_active":     {Zh: "应为在职员工", En: "must be an active staff member"},
	"user.status_via_change":  {Zh: "在岗状态请通过状态变更办理（需说明原因）", En: "change the work status through a status change, with a reason"},
	"user.agent_needs_backup": {Zh: "在岗业务员必须有备岗人员，请改为指定另一位同事", En: "an agent at work must have a backup: name another colleague instead"},
	"user.password.same":      {Zh: "应与当前密码不同", En: "must differ from the current password"},
	"user.password.wrong":     {Zh: "当前密码不正确", En: "is not your current password"},
})
