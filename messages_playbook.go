package poscare

// The playbook's kernel messages: what a declaration and a merchant's
// people are checked against, and the checklist's labels, which the
// console shows too.
var _ = Register(map[string]Text{
	"playbook.field.kind":              {Zh: "应为 missing（失踪）或 departed（离职）", En: "must be missing or departed"},
	"playbook.field.strategy":          {Zh: "应为 backup（全部交给备岗）或 spread（按负荷分给团队）", En: "must be backup or spread"},
	"handover.field.not_at_work":       {Zh: "应为该团队在岗的业务员或主管", En: "must be an agent or lead at work in the merchant's team"},
	"handover.field.backup_is_manager": {Zh: "备岗客户经理不能是客户经理本人", En: "the backup manager must be someone other than the account manager"},
})

// The checklist's labels, one key each (playbook.check.<item>), in the
// words of CheckLabels.
var _ = Register(checkLabelEntries())

func checkLabelEntries() map[string]Text {
	out := make(map[string]Text, len(CheckLabels))
	for item, t := range CheckLabels {
		out["playbook.check."+item] = t
	}
	return out
}
