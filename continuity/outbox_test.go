package continuity_test

import (
	"slices"
	"testing"
	"time"

	"poscare/continuity"
)

func TestAfterFailure(t *testing.T) {
	for _, c := range []struct {
		attempts, allowed int
		wait              time.Duration
		failed            bool
	}{
		{1, 3, 30 * time.Second, false},
		{2, 3, time.Minute, false},
		{3, 3, 0, true},
		{3, 5, 2 * time.Minute, false},
		{4, 5, 4 * time.Minute, false},
		{5, 5, 0, true},
		{1, 1, 0, true},
	} {
		wait, failed := continuity.AfterFailure(c.attempts, c.allowed)
		if wait != c.wait || failed != c.failed {
			t.Errorf("after %d of %d: %v, failed %v; want %v, %v", c.attempts, c.allowed, wait, failed, c.wait, c.failed)
		}
	}
}

func TestFallbackOrder(t *testing.T) {
	r := func(ch, addr string) continuity.Route { return continuity.Route{Channel: ch, Address: addr} }
	owner := continuity.Reachable{ID: 1, Preferred: "wechat", Routes: []continuity.Route{r("sms", "138"), r("email", "a@x.cn"), r("wechat", "wx_a")}}
	clerk := continuity.Reachable{ID: 2, Preferred: "email", Routes: []continuity.Route{r("sms", "139"), r("email", "b@x.cn")}}
	contacts := []continuity.Reachable{owner, clerk}
	// Begun with the clerk: the clerk's routes first, preferred kind first.
	got := continuity.FallbackOrder(contacts, r("sms", "139"))
	want := []continuity.Route{r("email", "b@x.cn"), r("sms", "139"), r("wechat", "wx_a"), r("sms", "138"), r("email", "a@x.cn")}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	// Begun on a route no longer live: the contacts in order.
	if got := continuity.FallbackOrder(contacts, r("sms", "gone")); got[0] != r("wechat", "wx_a") {
		t.Errorf("order %v", got)
	}
	tried := map[continuity.Route]bool{r("sms", "139"): true, r("email", "b@x.cn"): true}
	if next, ok := continuity.NextFallback(contacts, r("sms", "139"), tried); !ok || next != r("wechat", "wx_a") {
		t.Errorf("next %v %v", next, ok)
	}
	for _, x := range want {
		tried[x] = true
	}
	if next, ok := continuity.NextFallback(contacts, r("sms", "139"), tried); ok {
		t.Errorf("everything tried, yet next %v", next)
	}
	key := continuity.FallbackKey("incident:3:notice:12", r("email", "b@x.cn"))
	if key != "incident:3:notice:12:via:email:b@x.cn" || continuity.BaseKey(continuity.FallbackKey(key, r("sms", "1"))) != "incident:3:notice:12" {
		t.Errorf("keys %s", key)
	}
}
