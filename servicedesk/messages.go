package servicedesk

import "poscare"

var _ = poscare.Register(map[string]poscare.Text{
	"sd.invalid.kind":     {Zh: "请选择工单类型", En: "choose the kind of ticket"},
	"sd.invalid.priority": {Zh: "请选择优先级", En: "choose a priority"},
	"sd.invalid.channel":  {Zh: "请选择受理渠道", En: "choose the channel"},
	"sd.invalid.required": {Zh: "必填", En: "required"},
	"sd.invalid.too_long": {Zh: "最多 {max} 个字", En: "at most {max} characters"},
	"sd.invalid.tag":      {Zh: "每个标签最多 {max} 个字", En: "each tag at most {max} characters"},
	"sd.invalid.tags":     {Zh: "最多 {max} 个标签", En: "at most {max} tags"},

	"field.subject":     {Zh: "标题", En: "subject"},
	"field.priority":    {Zh: "优先级", En: "priority"},
	"field.channel":     {Zh: "受理渠道", En: "channel"},
	"field.body":        {Zh: "内容", En: "message"},
	"field.tags":        {Zh: "标签", En: "tags"},
	"field.terminal_id": {Zh: "终端", En: "terminal"},
})
