package poscare

import (
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// MerchantEvent is one line of the history a merchant sees of its own
// records (变更记录): what changed and when, and which side of the
// provider changed it, by role. It is what the audit trail becomes for a
// merchant user, who must not learn the staff's names, logins or network
// addresses, nor the provider's internal events (logins, reveals of
// sensitive fields, exports, risk reports).
type MerchantEvent struct {
	At       time.Time `json:"at"`
	By       Text      `json:"by"`     // a role, never a person: 客户经理, 服务中心 …
	Action   string    `json:"action"` // create, update, archive, restore, advance, …
	Entity   string    `json:"entity"`
	EntityID int64     `json:"entity_id"`
	// Fields are the names (as in JSON) of the fields that changed; their
	// values are left out, since they may be the staff's.
	Fields []string `json:"fields,omitempty"`
}

// merchantFacing are the audit actions a merchant sees in its history:
// changes to its records, and what it did itself. Every other action is
// internal to the provider.
var merchantFacing = map[string]bool{
	"create": true, "update": true, "archive": true, "restore": true, "advance": true,
	"remove_channel": true, "restore_channel": true, "handover": true,
	"confirm": true, "callback_request": true,
}

// MerchantFacingActions lists the actions of a merchant's history, sorted.
func MerchantFacingActions() []string {
	out := make([]string, 0, len(merchantFacing))
	for a := range merchantFacing {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// roleSeenByMerchant is how a merchant is told who acted: by the part of
// the provider the person works in.
var roleSeenByMerchant = map[Role]Text{
	RoleAgent:    {"客户经理", "account manager"},
	RoleLead:     {"销售主管", "sales lead"},
	RoleOps:      {"服务中心", "service centre"},
	RoleAdmin:    {"服务中心", "service centre"},
	RoleAuditor:  {"服务中心", "service centre"},
	RoleTech:     {"技术服务", "technical service"},
	RoleMerchant: {"本商户", "your business"},
	roleSystem:   {"系统", "the system"},
}

// RoleSeenByMerchant names a role as a merchant is told it. An unknown
// role (a person since deleted) is the service centre.
func RoleSeenByMerchant(r Role) Text {
	if t, ok := roleSeenByMerchant[r]; ok {
		return t
	}
	return roleSeenByMerchant[RoleOps]
}

// internalFields are fields of a record's history that a merchant is not
// shown as changed: bookkeeping, and who did what inside the provider.
var internalFields = map[string]bool{"id": true, "created_at": true, "updated_at": true, "archived": true, "incident_id": true}

// MerchantView turns an audit entry into the merchant's history line,
// given the role of the entry's actor (roleSystem for SystemActor, ""
// when unknown). It reports false for an internal event.
func MerchantView(e AuditEntry, actorRole Role) (MerchantEvent, bool) {
	if !merchantFacing[e.Action] {
		return MerchantEvent{}, false
	}
	by := actorRole
	switch {
	case e.Action == "confirm":
		by = RoleMerchant // confirmed through the link the merchant was sent
	case e.ActorID == 0 && by == "":
		by = roleSystem
	}
	ev := MerchantEvent{At: e.At, By: RoleSeenByMerchant(by), Action: e.Action, Entity: e.Entity, EntityID: e.EntityID}
	if e.Action == "update" || e.Action == "handover" || e.Action == "advance" {
		ev.Fields = changedFields(e.Before, e.After)
	}
	return ev, true
}

// changedFields names the top-level fields whose values differ between
// two JSON objects, leaving out internal ones and anything "…_by".
func changedFields(before, after json.RawMessage) []string {
	var b, a map[string]json.RawMessage
	json.Unmarshal(before, &b)
	json.Unmarshal(after, &a)
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]json.RawMessage{b, a} {
		for k := range m {
			if seen[k] || internalFields[k] || strings.HasSuffix(k, "_by") || strings.HasSuffix(k, "_by_id") {
				continue
			}
			seen[k] = true
			if string(b[k]) != string(a[k]) {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// SeesAuditTrail reports whether the actor may read the audit trail of a
// record they can see. Merchant users may not: they get their merchant's
// history as MerchantEvents instead.
func (a Actor) SeesAuditTrail() bool { return a.Role.IsStaff() || a.Role == roleSystem }
