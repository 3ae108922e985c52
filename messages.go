package poscare

// The kernel's messages: what every capability's notices share.
var _ = Register(map[string]Text{
	"notice.handover.subject": {Zh: "您的服务联系人已变更", En: "Your service contact has changed"},
	"notice.handover.body": {
		Zh: "尊敬的{merchant}：为保证服务不中断，您的客户经理已变更为{manager}，电话{phone}。如有任何问题请直接联系，或拨打24小时服务热线。",
		En: "Dear {merchant}: so that your service is never interrupted, your account manager is now {manager}, phone {phone}. Contact them directly with any question, or call our 24-hour service line.",
	},
	"notice.short_alert": {Zh: "{subject}。详情请查看邮件或控制台。", En: "{subject}. Details in your email and the console."},
})

// ShortAlert is a staff alert cut to what an SMS or a WeChat message
// carries: its subject, and where to read the rest.
func ShortAlert(subject Msg) Msg { return M("notice.short_alert", "subject", subject) }
