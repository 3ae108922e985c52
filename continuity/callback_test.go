package continuity_test

import (
	"strings"
	"testing"
	"time"

	"poscare"
	"poscare/continuity"
)

func TestCallbackGoesThroughTheChain(t *testing.T) {
	p := poscare.DefaultContinuityPolicy
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	m := &poscare.Merchant{ID: 4, LegalName: "好运来超市", AccountManagerID: 1}
	person := func(via string, id int64) poscare.ServiceContact {
		return poscare.ServiceContact{Via: via, UserID: &id}
	}
	for _, c := range []struct {
		name    string
		contact poscare.ServiceContact
		taker   int64
		centre  bool
	}{
		{"Manager", person(poscare.ViaAccountManager, 1), 1, false},
		{"Cover", person(poscare.ViaCover, 2), 2, false},
		{"Backup", person(poscare.ViaBackup, 3), 3, false},
		{"Lead", person(poscare.ViaTeamLead, 5), 5, false},
		{"CentreLeavesItWithTheManager", poscare.ServiceContact{Via: poscare.ViaServiceCentre}, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := continuity.CallbackTask(m, c.contact, "POS机无法打印小票", now, p)
			if x.Kind != continuity.TaskCallback || x.UserID != c.taker || x.MerchantID != 4 || !x.Due.Equal(now.Add(4*time.Hour)) || x.Notes != "POS机无法打印小票" {
				t.Fatalf("task %+v", x)
			}
			if got := says(t, x.Title); got.Zh != "商户请求回电：好运来超市" {
				t.Errorf("title %+v", got)
			}
			alerts := continuity.CallbackAlerts(77, m, c.contact, x, p)
			if alerts[0].To != continuity.ToStaff || alerts[0].About != c.taker || alerts[0].Key != "task:77" {
				t.Errorf("the taker's message %+v", alerts[0])
			}
			if c.centre != (len(alerts) == 2) {
				t.Fatalf("%d alerts, centre %v", len(alerts), c.centre)
			}
			if c.centre && (alerts[1].To != continuity.ToLeadAndOps || alerts[1].About != 1 || alerts[1].Key != "task:77:centre") {
				t.Errorf("the centre's alert %+v", alerts[1])
			}
			body := says(t, alerts[0].Body)
			if !strings.Contains(body.Zh, "请在 4 小时内联系。留言：POS机无法打印小票") || !strings.Contains(body.En, "please call within 4 hours") {
				t.Errorf("body %+v", body)
			}
		})
	}
	x := continuity.CallbackTask(m, person(poscare.ViaAccountManager, 1), "", now, p)
	if body := says(t, continuity.CallbackAlerts(1, m, poscare.ServiceContact{}, x, p)[0].Body); !strings.HasSuffix(body.Zh, "留言：无") || !strings.HasSuffix(body.En, "Message: none") {
		t.Errorf("no message: %+v", body)
	}
}
