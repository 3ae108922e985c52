package poscare

// fieldLabels names every validated field in Chinese and English so that an
// error message always says which field is wrong in the reader's language.
var fieldLabels = map[string]Text{
	"login":               {"登录名", "login"},
	"password":            {"密码", "password"},
	"current_password":    {"当前密码", "current password"},
	"new_password":        {"新密码", "new password"},
	"repeat_password":     {"再次输入的新密码", "repeated new password"},
	"trusted_proxies":     {"可信反向代理", "trusted proxies"},
	"name":                {"姓名", "name"},
	"role":                {"角色", "role"},
	"team_id":             {"团队", "team"},
	"manager_id":          {"上级", "manager"},
	"backup_id":           {"备岗人员", "backup"},
	"merchant_id":         {"商户", "merchant"},
	"status":              {"状态", "status"},
	"mobile":              {"手机号", "mobile number"},
	"email":               {"电子邮箱", "email"},
	"wechat":              {"微信号", "WeChat ID"},
	"type":                {"商户类型", "merchant type"},
	"legal_name":          {"商户名称", "legal name"},
	"uscc":                {"统一社会信用代码", "unified social credit code"},
	"principal_id_number": {"负责人身份证号", "principal's ID number"},
	"principal_name":      {"负责人姓名", "principal's name"},
	"settlement_account":  {"结算账号", "settlement account"},
	// Fields the history and the portal's 变更记录 name as the records
	// store them.
	"settlement_kind":           {"结算账户类型", "settlement account type"},
	"settlement_account_masked": {"结算账号", "settlement account"},
	"principal_id_masked":       {"负责人身份证号", "principal's ID number"},
	"last_verified_at":          {"最近核实时间", "last verified"},
	"removed_channels":          {"已删除的联系方式", "removed contact details"},
	"completed_at":              {"完成时间", "completed"},
	"mid":                       {"商户编号", "merchant number (MID)"},
	"mcc":                       {"商户类别码", "merchant category code (MCC)"},
	"fee_category":              {"费率类别", "fee category"},
	"address":                   {"地址", "address"},
	"latitude":                  {"纬度", "latitude"},
	"longitude":                 {"经度", "longitude"},
	"account_manager_id":        {"客户经理", "account manager"},
	"backup_manager_id":         {"备岗客户经理", "backup manager"},
	"contact_role":              {"联系人角色", "contact role"},
	"channels":                  {"联系方式", "contact channels"},
	"preferred_channel":         {"首选联系方式", "preferred channel"},
	"lang":                      {"通知语言", "language"},
	"serial":                    {"序列号", "serial number"},
	"model":                     {"型号", "model"},
	"vendor":                    {"厂商", "vendor"},
	"tid":                       {"终端号", "terminal ID (TID)"},
	"install_address":           {"装机地址", "installation address"},
	"warranty_end":              {"保修截止日", "warranty end"},
	"stage":                     {"阶段", "stage"},
	"stages":                    {"阶段", "stages"},
	"due_at":                    {"截止时间", "due date"},
	"responsible_id":            {"负责人", "responsible person"},
	"documents":                 {"材料清单", "document checklist"},
	"starts_on":                 {"起始日", "start date"},
	"ends_on":                   {"到期日", "end date"},
	"deposit_fen":               {"押金", "deposit"},
	"monthly_comm_fee_fen":      {"月通讯费", "monthly communication fee"},
	"monthly_maint_fee_fen":     {"月维护费", "monthly maintenance fee"},
	"fees":                      {"费率表", "fee schedule"},
	"reason":                    {"原因", "reason"},
	"kind":                      {"类型", "kind"},
	"strategy":                  {"移交方式", "handover strategy"},
	"q":                         {"搜索词", "search text"},
	"limit":                     {"每页条数", "page size"},
	"offset":                    {"偏移", "offset"},
	"since":                     {"起始时间", "since"},
	"silent_days":               {"无活动天数", "days without activity"},
	"failed_attempts":           {"联系未果的同事人数", "colleagues who failed to reach them"},
	"attempt_window":            {"联系失败统计时段", "window for failed contact attempts"},
	"overdue_tasks":             {"逾期任务数", "overdue tasks"},
	"bulk_limit":                {"批量删除上限", "bulk removal limit"},
	"bulk_window":               {"批量删除统计时段", "window for bulk removals"},
	"stale_after":               {"联系人核实周期", "contact verification period"},
	// Fields of continuity requests and their notes.
	"user_id":         {"员工", "staff member"},
	"outcome":         {"联系结果", "outcome"},
	"notes":           {"备注", "notes"},
	"note":            {"留言", "note"},
	"item":            {"检查项", "checklist item"},
	"cover_id":        {"代岗人", "cover"},
	"away_until":      {"预计返岗日", "away until"},
	"lead_id":         {"主管", "team lead"},
	"callback_within": {"回电时限", "callback deadline"},
	"status_reason":   {"状态原因", "status reason"},
}

// FieldLabel returns the bilingual label of a field, or the field name itself.
func FieldLabel(field string) Text {
	if t, ok := fieldLabels[field]; ok {
		return t
	}
	return Text{Zh: field, En: field}
}

// Entity names used in audit entries, routes and messages.
const (
	EntityUser        = "user"
	EntityTeam        = "team"
	EntityMerchant    = "merchant"
	EntityContact     = "contact"
	EntityTerminal    = "terminal"
	EntityApplication = "application"
	EntityContract    = "contract"
	EntityAudit       = "audit"
	EntityIncident    = "incident"
	// EntityCallback is a merchant's request to be called back (回电请求).
	EntityCallback = "callback"
	// EntityContactAttempt is a colleague's failed attempt to reach a
	// staff member (联系失败记录).
	EntityContactAttempt = "contact_attempt"
	// EntityTask is an item on a staff member's task list (待办任务).
	EntityTask = "task"
	// EntityRecord is any record, where the kind is not known (记录).
	EntityRecord = "record"
	// EntityMetrics is the server's operational metrics (运行指标), at
	// /metrics.
	EntityMetrics = "metrics"
)

var entityNames = map[string]Text{
	EntityUser:        {"用户", "user"},
	EntityTeam:        {"团队", "team"},
	EntityMerchant:    {"商户", "merchant"},
	EntityContact:     {"联系人", "contact"},
	EntityTerminal:    {"终端", "terminal"},
	EntityApplication: {"进件申请", "application"},
	EntityContract:    {"合同", "contract"},
	EntityAudit:       {"审计记录", "audit entry"},
	EntityIncident:    {"应急事件", "incident"},
	EntityCallback:    {"回电请求", "callback request"},

	// Kinds that appear in permissions and messages.
	EntityContactAttempt: {"联系失败记录", "failed contact attempt"},
	EntityTask:           {"任务", "task"},
	EntityRecord:         {"记录", "record"},
	EntityMetrics:        {"运行指标", "operational metrics"},
}

// EntityName returns the bilingual name of an entity kind.
func EntityName(entity string) Text {
	if t, ok := entityNames[entity]; ok {
		return t
	}
	return Text{Zh: entity, En: entity}
}
