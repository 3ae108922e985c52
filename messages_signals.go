package poscare

// The kernel's words for continuity (continuity.go): the policy's checks,
// why the service-contact chain names whom it names, and the rule on
// missing or departed people. The rules that use the rest of the signals'
// words live in package continuity, with those words.
var _ = Register(map[string]Text{
	"silence.policy.count": {Zh: "应为 1 到 1000 之间的整数，而不是 {n}", En: "must be a whole number from 1 to 1000, not {n}"},
	"silence.policy.span":  {Zh: "应在 {lo}到 {hi}之间，而不是 {value}", En: "must be from {lo} to {hi}, not {value}"},
	"silence.policy.years": {Zh: "{n} 年", En: "{n} years"},

	"callback.via.account_manager": {Zh: "您的客户经理", En: "your account manager"},
	"callback.via.cover":           {Zh: "客户经理休假期间由其代岗同事负责", En: "covering while your account manager is on leave"},
	"callback.via.backup":          {Zh: "客户经理暂时无法服务，由备岗客户经理负责", En: "your backup manager, while your account manager is unavailable"},
	"callback.via.team_lead":       {Zh: "由团队主管直接负责", En: "the team lead, while neither manager is available"},
	"callback.via.service_centre":  {Zh: "24小时商户服务中心", En: "the 24-hour merchant service centre"},

	"silence.status.return_through_incident": {Zh: "失踪或离职人员只能在其应急事件中办理返岗，不能直接变更状态",
		En: "a missing or departed person comes back only through the return on their incident, not by a status change"},
})
