package poscare

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ChannelKind is a way to reach a person.
type ChannelKind string

// Contact channel kinds.
const (
	ChannelPhone  ChannelKind = "phone"
	ChannelEmail  ChannelKind = "email"
	ChannelWeChat ChannelKind = "wechat"
)

// Channel is one phone number, email address or WeChat ID of a contact.
// A removed channel is not deleted: it keeps RemovedAt and can be put back,
// because a salesperson wiping a merchant's numbers is a known failure.
type Channel struct {
	ID        int64       `json:"id,omitempty"`
	Kind      ChannelKind `json:"kind"`
	Value     string      `json:"value"`
	RemovedAt *time.Time  `json:"removed_at,omitempty"`
	RemovedBy *int64      `json:"removed_by,omitempty"`
	// RemovedReason is why it was removed, given by whoever removed it.
	RemovedReason string `json:"removed_reason,omitempty"`
}

// Contact is a person at a merchant: the owner, a store manager, a cashier.
type Contact struct {
	ID               int64       `json:"id"`
	MerchantID       int64       `json:"merchant_id"`
	Name             string      `json:"name"`
	Role             string      `json:"role"`
	Channels         []Channel   `json:"channels"`
	RemovedChannels  []Channel   `json:"removed_channels,omitempty"`
	PreferredChannel ChannelKind `json:"preferred_channel"`
	// Lang is the language the contact reads notices in: zh or en.
	Lang           string     `json:"lang"`
	LastVerifiedAt *time.Time `json:"last_verified_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Archived       *Archival  `json:"archived,omitempty"`
	// Reason is, on an update, why channels left out of Channels are
	// removed: required (2-500 characters) when any is, so that nobody
	// removes a customer's details without saying why. Not stored on the
	// contact; each removed channel keeps it.
	Reason string `json:"reason,omitempty"`
}

// ContactRoles are the roles a merchant contact can have.
var ContactRoles = []string{"owner", "manager", "finance", "cashier", "other"}

// Validate checks a contact and normalises its channels.
func (c *Contact) Validate() error {
	p := Problems{}
	c.Name = strings.TrimSpace(c.Name)
	if n := utf8.RuneCountInString(c.Name); n < 1 || n > MaxPersonName {
		p.Add("name", fmt.Sprintf("必填，最多%d个字", MaxPersonName), fmt.Sprintf("required, at most %d characters", MaxPersonName))
	}
	CheckLength(p, "reason", strings.TrimSpace(c.Reason), MaxReason)
	if c.Role == "" {
		c.Role = "owner"
	}
	known := false
	for _, r := range ContactRoles {
		known = known || r == c.Role
	}
	if !known {
		p.Add("contact_role", "应为 owner、manager、finance、cashier 或 other", "must be owner, manager, finance, cashier or other")
	}
	if c.Lang == "" {
		c.Lang = "zh"
	}
	if c.Lang != "zh" && c.Lang != "en" {
		p.Add("lang", "应为 zh（中文）或 en（英文）", "must be zh (Chinese) or en (English)")
	}
	if c.MerchantID == 0 {
		p.Add("merchant_id", "必填", "required")
	}
	if len(c.Channels) == 0 {
		p.Add("channels", "至少需要一种联系方式", "at least one channel is required")
	}
	if len(c.Channels) > 20 {
		p.Add("channels", "最多20种联系方式", "at most 20 channels")
	}
	seen := map[string]bool{}
	has := map[ChannelKind]bool{}
	for i := range c.Channels {
		ch := &c.Channels[i]
		ch.Value = strings.TrimSpace(ch.Value)
		switch ch.Kind {
		case ChannelPhone:
			ch.Value = strings.ReplaceAll(ch.Value, " ", "")
			if !ValidMobile(ch.Value) && !validLandline(ch.Value) {
				p.Add("channels", "电话应为11位手机号或带区号的固话："+ch.Value, "phone must be an 11-digit mobile or a landline with area code: "+ch.Value)
			}
		case ChannelEmail:
			ch.Value = strings.ToLower(ch.Value)
			if !ValidEmail(ch.Value) {
				p.Add("channels", "电子邮箱格式不正确："+ch.Value, "invalid email: "+ch.Value)
			}
		case ChannelWeChat:
			if !ValidWeChatID(ch.Value) {
				p.Add("channels", "微信号应为6-20位，字母开头："+ch.Value, "WeChat ID must be 6-20 characters starting with a letter: "+ch.Value)
			}
		default:
			p.Add("channels", "联系方式类型应为 phone、email 或 wechat", "channel kind must be phone, email or wechat")
		}
		key := string(ch.Kind) + ":" + ch.Value
		if seen[key] {
			p.Add("channels", "联系方式重复："+ch.Value, "duplicate channel: "+ch.Value)
		}
		seen[key] = true
		has[ch.Kind] = true
	}
	if c.PreferredChannel == "" && len(c.Channels) > 0 {
		c.PreferredChannel = c.Channels[0].Kind
	}
	if c.PreferredChannel != "" && !has[c.PreferredChannel] {
		p.Add("preferred_channel", "首选方式必须是已填写的联系方式之一", "must be one of the contact's channels")
	}
	return p.Err()
}

// validLandline accepts a Chinese fixed-line number with area code, such as
// 010-12345678 or 0755-1234567.
func validLandline(s string) bool {
	area, num, ok := strings.Cut(s, "-")
	if !ok {
		return false
	}
	return len(area) >= 3 && len(area) <= 4 && area[0] == '0' && allDigits(area) &&
		len(num) >= 7 && len(num) <= 8 && allDigits(num)
}
