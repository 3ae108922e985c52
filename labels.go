package poscare

// Every validated field has a label in the catalog, under "field." and
// its JSON name, so that an error message always says which field is
// wrong in the reader's language.
var _ = Register(map[string]Text{
	"field.login":               {Zh: "登录名", En: "login"},
	"field.password":            {Zh: "密码", En: "password"},
	"field.current_password":    {Zh: "当前密码", En: "current password"},
	"field.new_password":        {Zh: "新密码", En: "new password"},
	"field.repeat_password":     {Zh: "再次输入的新密码", En: "repeated new password"},
	"field.trusted_proxies":     {Zh: "可信反向代理", En: "trusted proxies"},
	"field.name":                {Zh: "姓名", En: "name"},
	"field.role":                {Zh: "角色", En: "role"},
	"field.team_id":             {Zh: "团队", En: "team"},
	"field.manager_id":          {Zh: "上级", En: "manager"},
	"field.backup_id":           {Zh: "备岗人员", En: "backup"},
	"field.merchant_id":         {Zh: "商户", En: "merchant"},
	"field.status":              {Zh: "状态", En: "status"},
	"field.mobile":              {Zh: "手机号", En: "mobile number"},
	"field.email":               {Zh: "电子邮箱", En: "email"},
	"field.wechat":              {Zh: "微信号", En: "WeChat ID"},
	"field.type":                {Zh: "商户类型", En: "merchant type"},
	"field.legal_name":          {Zh: "商户名称", En: "legal name"},
	"field.uscc":                {Zh: "统一社会信用代码", En: "unified social credit code"},
	"field.principal_id_number": {Zh: "负责人身份证号", En: "principal's ID number"},
	"field.principal_name":      {Zh: "负责人姓名", En: "principal's name"},
	"field.settlement_account":  {Zh: "结算账号", En: "settlement account"},
	// Fields the history and the portal's 变更记录 name as the records
	// store them.
	"field.settlement_kind":           {Zh: "结算账户类型", En: "settlement account type"},
	"field.settlement_account_masked": {Zh: "结算账号", En: "settlement account"},
	"field.principal_id_masked":       {Zh: "负责人身份证号", En: "principal's ID number"},
	"field.last_verified_at":          {Zh: "最近核实时间", En: "last verified"},
	"field.removed_channels":          {Zh: "已删除的联系方式", En: "removed contact details"},
	"field.completed_at":              {Zh: "完成时间", En: "completed"},
	"field.mid":                       {Zh: "商户编号", En: "merchant number (MID)"},
	"field.mcc":                       {Zh: "商户类别码", En: "merchant category code (MCC)"},
	"field.fee_category":              {Zh: "费率类别", En: "fee category"},
	"field.address":                   {Zh: "地址", En: "address"},
	"field.latitude":                  {Zh: "纬度", En: "latitude"},
	"field.longitude":                 {Zh: "经度", En: "longitude"},
	"field.account_manager_id":        {Zh: "客户经理", En: "account manager"},
	"field.backup_manager_id":         {Zh: "备岗客户经理", En: "backup manager"},
	"field.contact_role":              {Zh: "联系人角色", En: "contact role"},
	"field.channels":                  {Zh: "联系方式", En: "contact channels"},
	"field.preferred_channel":         {Zh: "首选联系方式", En: "preferred channel"},
	"field.lang":                      {Zh: "通知语言", En: "language"},
	"field.serial":                    {Zh: "序列号", En: "serial number"},
	"field.model":                     {Zh: "型号", En: "model"},
	"field.vendor":                    {Zh: "厂商", En: "vendor"},
	"field.tid":                       {Zh: "终端号", En: "terminal ID (TID)"},
	"field.install_address":           {Zh: "装机地址", En: "installation address"},
	"field.warranty_end":              {Zh: "保修截止日", En: "warranty end"},
	"field.stage":                     {Zh: "阶段", En: "stage"},
	"field.stages":                    {Zh: "阶段", En: "stages"},
	"field.due_at":                    {Zh: "截止时间", En: "due date"},
	"field.responsible_id":            {Zh: "负责人", En: "responsible person"},
	"field.documents":                 {Zh: "材料清单", En: "document checklist"},
	"field.starts_on":                 {Zh: "起始日", En: "start date"},
	"field.ends_on":                   {Zh: "到期日", En: "end date"},
	"field.deposit_fen":               {Zh: "押金", En: "deposit"},
	"field.monthly_comm_fee_fen":      {Zh: "月通讯费", En: "monthly communication fee"},
	"field.monthly_maint_fee_fen":     {Zh: "月维护费", En: "monthly maintenance fee"},
	"field.fees":                      {Zh: "费率表", En: "fee schedule"},
	"field.reason":                    {Zh: "原因", En: "reason"},
	"field.kind":                      {Zh: "类型", En: "kind"},
	"field.strategy":                  {Zh: "移交方式", En: "handover strategy"},
	"field.q":                         {Zh: "搜索词", En: "search text"},
	"field.limit":                     {Zh: "每页条数", En: "page size"},
	"field.offset":                    {Zh: "偏移", En: "offset"},
	"field.since":                     {Zh: "起始时间", En: "since"},
	"field.silent_days":               {Zh: "无活动天数", En: "days without activity"},
	"field.failed_attempts":           {Zh: "联系未果的同事人数", En: "colleagues who failed to reach them"},
	"field.attempt_window":            {Zh: "联系失败统计时段", En: "window for failed contact attempts"},
	"field.overdue_tasks":             {Zh: "逾期任务数", En: "overdue tasks"},
	"field.bulk_limit":                {Zh: "批量删除上限", En: "bulk removal limit"},
	"field.bulk_window":               {Zh: "批量删除统计时段", En: "window for bulk removals"},
	"field.stale_after":               {Zh: "联系人核实周期", En: "contact verification period"},
	// Fields of continuity requests and their notes.
	"field.user_id":         {Zh: "员工", En: "staff member"},
	"field.outcome":         {Zh: "联系结果", En: "outcome"},
	"field.notes":           {Zh: "备注", En: "notes"},
	"field.note":            {Zh: "留言", En: "note"},
	"field.item":            {Zh: "检查项", En: "checklist item"},
	"field.cover_id":        {Zh: "代岗人", En: "cover"},
	"field.away_until":      {Zh: "预计返岗日", En: "away until"},
	"field.lead_id":         {Zh: "主管", En: "team lead"},
	"field.callback_within": {Zh: "回电时限", En: "callback deadline"},
	"field.status_reason":   {Zh: "状态原因", En: "status reason"},
})

// FieldLabel returns the bilingual label of a field (the catalog's
// "field.<name>"), or the field name itself.
func FieldLabel(field string) Text {
	if t, ok := Template("field." + field); ok {
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

// Every entity kind has a name in the catalog, under "entity." and its
// kind.
var _ = Register(map[string]Text{
	"entity.user":        {Zh: "用户", En: "user"},
	"entity.team":        {Zh: "团队", En: "team"},
	"entity.merchant":    {Zh: "商户", En: "merchant"},
	"entity.contact":     {Zh: "联系人", En: "contact"},
	"entity.terminal":    {Zh: "终端", En: "terminal"},
	"entity.application": {Zh: "进件申请", En: "application"},
	"entity.contract":    {Zh: "合同", En: "contract"},
	"entity.audit":       {Zh: "审计记录", En: "audit entry"},
	"entity.incident":    {Zh: "应急事件", En: "incident"},
	"entity.callback":    {Zh: "回电请求", En: "callback request"},

	// Kinds that appear in permissions and messages.
	"entity.contact_attempt": {Zh: "联系失败记录", En: "failed contact attempt"},
	"entity.task":            {Zh: "任务", En: "task"},
	"entity.record":          {Zh: "记录", En: "record"},
	"entity.metrics":         {Zh: "运行指标", En: "operational metrics"},
})

// EntityName returns the bilingual name of an entity kind (the catalog's
// "entity.<kind>"), or the kind itself.
func EntityName(entity string) Text {
	if t, ok := Template("entity." + entity); ok {
		return t
	}
	return Text{Zh: entity, En: entity}
}
