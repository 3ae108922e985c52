package console

import "poscare"

// The words of the staff pages: the actions on the staff list, the
// backup and failed-call forms, chosen and confirmed restores of
// removals, and the handover's labelled counts.
var _ = poscare.Register(map[string]poscare.Text{
	"sf.actions":      {Zh: "操作", En: "Actions"},
	"sf.backup.link":  {Zh: "设置备岗", En: "Set backup"},
	"sf.status.link":  {Zh: "在岗状态", En: "Status"},
	"sf.attempt.link": {Zh: "联系未果", En: "Failed call"},
	"sf.declare.link": {Zh: "应急预案", En: "Playbook"},

	"sf.backup.title":   {Zh: "设置备岗人员", En: "Set the backup"},
	"sf.backup.hint":    {Zh: "备岗人员在其请假、失联时接手其商户；须为在岗同事。", En: "The backup takes over the merchants while the person is away or cannot be reached; it must be a colleague at work."},
	"sf.backup.missing": {Zh: "未设置备岗", En: "no backup"},
	"sf.backup.away":    {Zh: "备岗不在岗：", En: "backup away:"},
	"sf.done.backup":    {Zh: "备岗人员已更新。", En: "The backup was changed."},

	"sf.attempt.title":          {Zh: "记录联系未果", En: "Log a failed call"},
	"sf.attempt.hint":           {Zh: "例如：拨打两次无人接听。多位同事联系未果会触发失联预警。", En: "For example: called twice, no answer. Several colleagues failing to reach someone raises the unreachable alert."},
	"sf.outcome.no_answer":      {Zh: "无人接听", En: "No answer"},
	"sf.outcome.disconnected":   {Zh: "停机或空号", En: "Disconnected"},
	"sf.outcome.blocked":        {Zh: "被拉黑", En: "Blocked"},
	"sf.done.logged":            {Zh: "已记录联系未果。", En: "The failed call was logged."},
	"sf.removals.pick":          {Zh: "选择", En: "Pick"},
	"sf.removals.chosen":        {Zh: "恢复所选记录", En: "Restore the ticked rows"},
	"sf.removals.all":           {Zh: "全部恢复…", En: "Restore all…"},
	"sf.removals.all_hint":      {Zh: "全部恢复会先请您确认。", En: "Restoring all asks you to confirm first."},
	"sf.removals.none":          {Zh: "请至少勾选一条要恢复的记录；全部恢复请用“全部恢复”。", En: "Tick at least one row to restore; to restore everything, use \"Restore all\"."},
	"sf.removals.bad_since":     {Zh: "起始时间无效，请刷新页面后重试", En: "the start time is not valid: reload the page and try again"},
	"sf.removals.confirm.title": {Zh: "确认全部恢复", En: "Restore everything?"},
	"sf.removals.confirm.text":  {Zh: "将恢复 {person} 删除或归档的全部 {n} 条记录，商户会重新分配给在岗人员并收到通知。", En: "All {n} {n|row|rows} {person} removed or archived will be restored; the merchants go back to someone at work and are told."},
	"sf.removals.confirm.yes":   {Zh: "确认全部恢复", En: "Yes, restore all"},
	"field.call_list_rows":      {Zh: "通话清单行数", En: "call-list rows"},
	"action.set_backup":         {Zh: "设置备岗人员", En: "set the backup"},
})
