package servicedesk

import "poscare"

// The service desk's kinds of record.
const (
	EntityTicket      = "ticket"       // 工单
	EntitySLAPolicy   = "sla_policy"   // 服务时限策略
	EntityCalendarDay = "calendar_day" // 工作日历的一天
)

// The service desk's own actions on tickets, beyond read, create, update.
const (
	ActReply poscare.Action = "reply" // a message the merchant sees
	ActNote  poscare.Action = "note"  // an internal note the merchant never sees
	// ActApprove approves a compensation to the merchant: leads and ops.
	ActApprove poscare.Action = "approve"
)

// The service desk in the role table. Staff who serve merchants work
// tickets (which ones, row scope decides: the merchants they see, the
// tickets assigned to them and their team's queue); a merchant's users
// file tickets for their own merchant and answer on them; ops set the
// policies (which may name a merchant of any team, so only they, admins
// and the auditor read them) and the calendar; the auditor reads.
var (
	_ = poscare.Grant(EntityTicket, map[poscare.Role][]poscare.Action{
		poscare.RoleOps:      {poscare.ActRead, poscare.ActCreate, poscare.ActUpdate, ActReply, ActNote, ActApprove},
		poscare.RoleLead:     {poscare.ActRead, poscare.ActCreate, poscare.ActUpdate, ActReply, ActNote, ActApprove},
		poscare.RoleAgent:    {poscare.ActRead, poscare.ActCreate, poscare.ActUpdate, ActReply, ActNote},
		poscare.RoleTech:     {poscare.ActRead, poscare.ActCreate, poscare.ActUpdate, ActReply, ActNote},
		poscare.RoleAuditor:  {poscare.ActRead},
		poscare.RoleMerchant: {poscare.ActRead, poscare.ActCreate, ActReply},
	})
	_ = poscare.Grant(EntitySLAPolicy, map[poscare.Role][]poscare.Action{
		poscare.RoleOps:     {poscare.ActRead, poscare.ActCreate, poscare.ActUpdate, poscare.ActArchive},
		poscare.RoleAdmin:   {poscare.ActRead},
		poscare.RoleAuditor: {poscare.ActRead},
	})
	_ = poscare.Grant(EntityCalendarDay, map[poscare.Role][]poscare.Action{
		poscare.RoleOps:     {poscare.ActRead, poscare.ActUpdate},
		poscare.RoleAdmin:   {poscare.ActRead, poscare.ActUpdate},
		poscare.RoleLead:    {poscare.ActRead},
		poscare.RoleAgent:   {poscare.ActRead},
		poscare.RoleTech:    {poscare.ActRead},
		poscare.RoleAuditor: {poscare.ActRead},
	})
)
