package console

import "poscare"

// The emergency playbook's console labels: the declaration's preview and
// confirmation, who received what, the call list when no channel
// delivers, and the incident's own actions.
var _ = poscare.Register(map[string]poscare.Text{
	"pb.form.intro":             {Zh: "填写后先预览：预览只展示将发生的变化，不会改动任何数据。", En: "Fill this in to see a preview first: the preview only shows what would happen and changes nothing."},
	"pb.form.preview":           {Zh: "预览应急预案", En: "Preview the playbook"},
	"pb.preview.title":          {Zh: "确认应急预案", En: "Confirm the emergency playbook"},
	"pb.preview.nothing_yet":    {Zh: "尚未执行任何操作。请核对以下内容，确认无误后再点击下方红色按钮。", En: "Nothing has happened yet. Check what follows, then press the red button below."},
	"pb.preview.access_label":   {Zh: "访问权限", En: "Access"},
	"pb.preview.access":         {Zh: "{person} 将被标记为“{status}”，其登录立即失效，所有会话和接口令牌被注销。", En: "{person} will be marked {status}: their login stops working at once and every session and API token is revoked."},
	"pb.preview.to_lead":        {Zh: "团队中没有在岗的业务员，商户将交给组长。", En: "No agent of the team is at work: the lead takes the merchants."},
	"pb.preview.fell_back":      {Zh: "备岗人员不在岗或不在本团队，商户将改为按负荷分给团队。", En: "The backup is away or in another team: the merchants are spread over the team by load instead."},
	"pb.preview.receivers":      {Zh: "接收商户的同事", En: "Who takes the merchants"},
	"pb.preview.held":           {Zh: "现管商户", En: "Merchants now"},
	"pb.preview.load":           {Zh: "当前工作量", En: "Current load"},
	"pb.preview.takes":          {Zh: "将接收", En: "Will take"},
	"pb.preview.no_merchants":   {Zh: "此人名下没有商户", En: "This person manages no merchants"},
	"pb.preview.moves":          {Zh: "将移交的工作", En: "What will be handed over"},
	"pb.preview.left":           {Zh: "{n} 项工作无人可接，将留在原处等待组长处理。", En: "{n} items nobody at work can take stay where they are for the lead."},
	"pb.preview.notify":         {Zh: "商户通知", En: "Merchant notices"},
	"pb.preview.notices":        {Zh: "将通知 {n} 家商户其新的客户经理：", En: "{n} merchants will be told who their new account manager is:"},
	"pb.preview.not_configured": {Zh: "未配置发送渠道，通知将一直排队", En: "no channel configured: these stay queued"},
	"pb.preview.no_contact":     {Zh: "{n} 家商户没有可用的联系方式，新的客户经理将收到电话或上门告知的任务。", En: "{n} merchants have no contact detail: their new account manager gets a task to tell them by phone or in person."},
	"pb.preview.confirm_hint":   {Zh: "确认后将立即执行以上全部操作，并打开应急事件。", En: "Confirming does all of the above at once and opens the incident."},
	"pb.preview.edit":           {Zh: "返回修改", En: "Change the declaration"},
	"pb.confirm":                {Zh: "确认启动应急预案", En: "Start the emergency playbook"},
	"pb.receiver":               {Zh: "接收人", En: "Receiver"},
	"pb.archived":               {Zh: "已归档", En: "archived"},
	"pb.stages":                 {Zh: "进件阶段", En: "Onboarding stages"},
	"pb.tasks":                  {Zh: "任务", En: "Tasks"},
	"pb.backup_roles":           {Zh: "备岗职责", En: "Backup roles"},
	"pb.staff_backups":          {Zh: "由其备岗的同事", En: "Colleagues they back up"},
	"pb.received":               {Zh: "谁接收了什么", En: "Who received what"},
	"pb.received.nobody":        {Zh: "无人接收", En: "Nobody"},
	"pb.received.more":          {Zh: "另有 {n} 家", En: "and {n} more"},
	"pb.done.declared":          {Zh: "应急预案已执行：已移交 {merchants} 家商户，已排队 {notices} 条商户通知。", En: "The playbook ran: {merchants} merchants handed over, {notices} merchant notices queued."},
	"pb.done.changed":           {Zh: "预览时为 {expect} 家商户，实际移交 {merchants} 家：两步之间名下商户有变动。", En: "The preview showed {expect} merchants; {merchants} were handed over: the portfolio changed in between."},
	"pb.error.gone":             {Zh: "{person} 已是“{status}”状态，应急预案已为其执行：请在应急事件中处理，归还商户即可让其回到岗位。", En: "{person} is already {status} and the playbook ran for them: work on their incident, where giving the merchants back brings them back to work."},
})
