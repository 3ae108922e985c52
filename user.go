package poscare

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user may do. Staff roles come from the provider's
// organisation; RoleMerchant is a merchant's own user in the portal.
type Role string

// The roles of PRODUCT.md, "Who uses it".
const (
	RoleAdmin    Role = "admin"    // the provider's IT: users, roles, settings, keys
	RoleOps      Role = "ops"      // service centre, emergency team, management: everything
	RoleLead     Role = "lead"     // sales team lead (团队主管): the team's staff and merchants
	RoleAgent    Role = "agent"    // salesperson (业务员): own portfolio and the ones they back up
	RoleTech     Role = "tech"     // technician and repair desk: terminals
	RoleAuditor  Role = "auditor"  // compliance: reads everything, writes nothing
	RoleMerchant Role = "merchant" // a merchant's own user: only that merchant
)

// Roles lists every role, staff roles first.
var Roles = []Role{RoleAdmin, RoleOps, RoleLead, RoleAgent, RoleTech, RoleAuditor, RoleMerchant}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// IsStaff reports whether r is one of the provider's own staff roles.
func (r Role) IsStaff() bool { return r.Valid() && r != RoleMerchant }

// UserStatus is whether a user is at work and can be reached. Only an
// active user holds a portfolio in practice: for anyone else the merchants'
// service contact falls through to the next in the chain.
type UserStatus string

// User statuses.
const (
	UserActive      UserStatus = "active"
	UserDisabled    UserStatus = "disabled"    // an account switched off by IT
	UserOnLeave     UserStatus = "on_leave"    // 休假: away until a date, with a named cover
	UserUnreachable UserStatus = "unreachable" // 联系不上 (suspected): signals say nobody answers
	UserMissing     UserStatus = "missing"     // 失踪: declared missing
	UserDeparted    UserStatus = "departed"    // 离职: left the company
)

// UserStatuses lists every status.
var UserStatuses = []UserStatus{UserActive, UserDisabled, UserOnLeave, UserUnreachable, UserMissing, UserDeparted}

// Valid reports whether s is a known status.
func (s UserStatus) Valid() bool {
	for _, x := range UserStatuses {
		if s == x {
			return true
		}
	}
	return false
}

// LocksOut reports whether a user in this status may not log in: someone
// missing or gone must lose access at once.
func (s UserStatus) LocksOut() bool {
	return s == UserDisabled || s == UserMissing || s == UserDeparted
}

// Team is a sales team (销售团队) led by a lead.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	LeadID    *int64    `json:"lead_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Archived  *Archival `json:"archived,omitempty"`
}

// Validate checks a team before it is stored.
func (t *Team) Validate() error {
	p := Problems{}
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || utf8.RuneCountInString(t.Name) > MaxTeamName {
		p.Add("name", fmt.Sprintf("必填，最多%d个字", MaxTeamName), fmt.Sprintf("required, at most %d characters", MaxTeamName))
	}
	return p.Err()
}

// User is anyone who logs in: staff (业务员, leads, ops …) and merchant
// users. Staff carry a team, a manager, a backup who covers their portfolio,
// and the channels they can be reached on.
type User struct {
	ID         int64      `json:"id"`
	Login      string     `json:"login"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	Status     UserStatus `json:"status"`
	TeamID     *int64     `json:"team_id,omitempty"`
	ManagerID  *int64     `json:"manager_id,omitempty"`
	BackupID   *int64     `json:"backup_id,omitempty"`
	MerchantID *int64     `json:"merchant_id,omitempty"` // only for RoleMerchant
	// While on leave: who covers, until when, and why the status is what it is.
	CoverID      *int64 `json:"cover_id,omitempty"`
	AwayUntil    *Date  `json:"away_until,omitempty"`
	StatusReason string `json:"status_reason,omitempty"`
	// StatusReasonMsg is the reason when the system wrote it (silence
	// detection, a return through an incident), for readers of either
	// language; StatusReason then holds its Chinese.
	StatusReasonMsg *Msg `json:"-"`
	// StatusReasonCode is StatusReasonMsg as the catalog encodes it (key
	// and parameters, JSON), so that the audit trail and API clients can
	// put the system's reason into any language.
	StatusReasonCode string     `json:"status_reason_msg,omitempty"`
	Mobile           string     `json:"mobile,omitempty"`
	Email            string     `json:"email,omitempty"`
	WeChat           string     `json:"wechat,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	LastSeenAt       *time.Time `json:"last_seen_at,omitempty"`
	// ContactCheckedAt is when the person last confirmed their own
	// mobile, email and WeChat.
	ContactCheckedAt *time.Time `json:"contact_checked_at,omitempty"`
	Archived         *Archival  `json:"archived,omitempty"`
}

// Validate checks a user's own fields. Whether the referenced team, manager,
// backup and merchant exist is checked by the store inside its transaction.
func (u *User) Validate() error {
	p := Problems{}
	u.Login = strings.TrimSpace(strings.ToLower(u.Login))
	u.Name = strings.TrimSpace(u.Name)
	if !validLogin(u.Login) {
		p.Add("login", "3-32位小写字母、数字、点、下划线或连字符", "3-32 lower-case letters, digits, '.', '_' or '-'")
	}
	if u.Name == "" || utf8.RuneCountInString(u.Name) > MaxPersonName {
		p.Add("name", fmt.Sprintf("必填，最多%d个字", MaxPersonName), fmt.Sprintf("required, at most %d characters", MaxPersonName))
	}
	CheckLength(p, "status_reason", u.StatusReason, MaxReason)
	if !u.Role.Valid() {
		p.Add("role", "未知角色", "unknown role")
	}
	if u.Status == "" {
		u.Status = UserActive
	}
	if !u.Status.Valid() {
		p.Add("status", "未知状态", "unknown status")
	}
	if u.Mobile != "" && !ValidMobile(u.Mobile) {
		p.Add("mobile", "应为以1开头的11位数字", "must be 11 digits starting with 1")
	}
	if u.Email != "" && !ValidEmail(u.Email) {
		p.Add("email", "格式不正确", "is not a valid address")
	}
	if u.WeChat != "" && !ValidWeChatID(u.WeChat) {
		p.Add("wechat", "应为6-20位，字母开头", "must be 6-20 characters starting with a letter")
	}
	switch {
	case u.Role == RoleMerchant:
		if u.MerchantID == nil {
			p.Add("merchant_id", "商户用户必须关联商户", "a merchant user needs a merchant")
		}
		if u.TeamID != nil || u.BackupID != nil || u.ManagerID != nil {
			p.Add("team_id", "商户用户不属于团队", "a merchant user has no team, manager or backup")
		}
	case u.Role.IsStaff():
		if u.MerchantID != nil {
			p.Add("merchant_id", "员工不能关联商户", "staff are not tied to a merchant")
		}
		if (u.Role == RoleAgent || u.Role == RoleLead) && u.TeamID == nil {
			p.Add("team_id", "业务员和主管必须属于团队", "agents and leads belong to a team")
		}
		if u.BackupID != nil && *u.BackupID == u.ID && u.ID != 0 {
			p.Add("backup_id", "不能由本人备岗", "cannot back up themselves")
		}
		if u.Role == RoleAgent && u.Mobile == "" {
			p.Add("mobile", "业务员必须留有手机号", "an agent must have a mobile number")
		}
	}
	return p.Err()
}

// Available reports whether the user can serve merchants right now.
func (u *User) Available() bool {
	return u != nil && u.Status == UserActive && u.Archived == nil
}

// SetSystemReason sets the reason for a status the system decided: its
// Chinese words, the message, and the message encoded.
func (u *User) SetSystemReason(m Msg) {
	u.StatusReason, u.StatusReasonMsg, u.StatusReasonCode = m.In("zh"), &m, m.Encode()
}

// StatusChange is a change of a staff member's status, with the reason the
// audit trail keeps and, for leave, the cover and the return date.
type StatusChange struct {
	Status    UserStatus `json:"status"`
	Reason    string     `json:"reason"`
	CoverID   *int64     `json:"cover_id,omitempty"`
	AwayUntil *Date      `json:"away_until,omitempty"`
}

// Validate checks a status change for user u.
func (c *StatusChange) Validate(u *User) error {
	p := Problems{}
	if !c.Status.Valid() {
		p.Add("status", "未知状态", "unknown status")
	}
	if err := ValidateReason(c.Reason); err != nil {
		p.Add("reason", reasonRule.Zh, reasonRule.En)
	}
	if c.Status == UserMissing || c.Status == UserDeparted {
		p.Add("status", "失踪或离职须通过应急预案申报，由它交接全部工作并通知商户", "missing or departed is declared through the emergency playbook, which hands over everything and tells the merchants")
	}
	if c.Status == UserOnLeave {
		if c.CoverID == nil || *c.CoverID == u.ID {
			p.Add("cover_id", "休假必须指定另一位同事代岗", "leave needs another colleague as cover")
		}
		if c.AwayUntil == nil {
			p.Add("away_until", "必须填写返岗日期", "a return date is required")
		} else if _, ok := ParseDate(string(*c.AwayUntil)); !ok {
			p.Add("away_until", "应为 YYYY-MM-DD 日期", "must be a YYYY-MM-DD date")
		}
	} else if c.CoverID != nil || c.AwayUntil != nil {
		p.Add("cover_id", "只有休假需要代岗人和返岗日期", "only leave has a cover and a return date")
	}
	if !u.Role.IsStaff() {
		p.Add("status", "商户用户没有在岗状态", "merchant users have no work status")
	}
	return p.Err()
}

func validLogin(s string) bool {
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ValidatePassword checks a password on its own, with no login to compare
// it against, under the field "password".
func ValidatePassword(pw string) error { return ValidateUserPassword("password", "", pw) }

// ValidateUserPassword enforces what a provider's auditors accept for the
// password of the user with the given login: 10 to 128 characters, not
// only spaces, not the login (nor containing it), not a run of one or two
// characters repeated or a keyboard or alphabet sequence, and not one of
// the passwords leaked most often (commonPasswords). The field is named
// field so a change form can point at its "new password" box.
func ValidateUserPassword(field, login, pw string) error {
	p := Problems{}
	folded := strings.ToLower(pw)
	login = strings.ToLower(strings.TrimSpace(login))
	switch {
	case utf8.RuneCountInString(pw) < 10 || len(pw) > 128:
		p.Add(field, "长度应为10-128位", "must be 10 to 128 characters")
	case strings.TrimSpace(pw) == "":
		p.Add(field, "不能只由空格组成", "must not be only spaces")
	case login != "" && (folded == login || utf8.RuneCountInString(login) >= 3 && strings.Contains(folded, login)):
		p.Add(field, "不能与登录名相同或包含登录名", "must not be or contain the login")
	case trivialPassword(folded) || commonPasswords[folded]:
		p.Add(field, "过于常见或简单，容易被猜中，请另选", "is too common or simple to resist guessing; choose another")
	}
	return p.Err()
}

// trivialPassword reports a password made of at most two distinct
// characters ("aaaaaaaaaa", "1212121212"), a short unit repeated
// ("abcabcabca") or a run along a keyboard row or the alphabet ("1234567890",
// "qwertyuiop", "9876543210"), whatever its length.
func trivialPassword(pw string) bool {
	rs := []rune(pw)
	distinct := map[rune]bool{}
	for _, r := range rs {
		distinct[r] = true
	}
	if len(distinct) <= 2 {
		return true
	}
	for unit := 1; unit <= 4 && unit < len(rs); unit++ {
		repeated := true
		for i := unit; i < len(rs); i++ {
			if rs[i] != rs[i-unit] {
				repeated = false
				break
			}
		}
		if repeated {
			return true
		}
	}
	for _, row := range []string{"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p"} {
		for _, run := range []string{row + row, reverse(row + row)} {
			if strings.Contains(run, pw) {
				return true
			}
		}
	}
	return false
}

func reverse(s string) string {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return string(rs)
}

// Archival records who took a record out of use, when and why. Records are
// never hard-deleted; an archived record can be restored.
type Archival struct {
	At     time.Time `json:"at"`
	ByID   int64     `json:"by_id"`
	Reason string    `json:"reason"`
}

// ValidateReason checks the reason an archive or restore must give.
func ValidateReason(reason string) error {
	p := Problems{}
	n := utf8.RuneCountInString(strings.TrimSpace(reason))
	if n < 2 || n > MaxReason {
		p.Add("reason", reasonRule.Zh, reasonRule.En)
	}
	return p.Err()
}

// reasonRule is what ValidateReason asks for.
var reasonRule = Text{Zh: fmt.Sprintf("必须说明原因（2-%d字）", MaxReason), En: fmt.Sprintf("a reason of 2 to %d characters is required", MaxReason)}

// OwnContact is how a staff member can be reached, as they keep it current
// themselves: a mobile is required, since merchants and colleagues must
// always be able to call.
type OwnContact struct {
	Mobile string `json:"mobile"`
	Email  string `json:"email"`
	WeChat string `json:"wechat"`
}

// Validate checks each channel with its real rule.
func (c *OwnContact) Validate() error {
	p := Problems{}
	c.Mobile, c.Email, c.WeChat = strings.TrimSpace(c.Mobile), strings.TrimSpace(c.Email), strings.TrimSpace(c.WeChat)
	if !ValidMobile(c.Mobile) {
		p.Add("mobile", "必填，应为以1开头的11位数字", "is required: 11 digits starting with 1")
	}
	if c.Email != "" && !ValidEmail(c.Email) {
		p.Add("email", "格式不正确", "is not a valid address")
	}
	if c.WeChat != "" && !ValidWeChatID(c.WeChat) {
		p.Add("wechat", "应为6-20位，字母开头", "must be 6-20 characters starting with a letter")
	}
	return p.Err()
}
