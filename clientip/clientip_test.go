package clientip

import (
	"net/http"
	"testing"
)

func TestOf(t *testing.T) {
	trusted, err := ParseTrusted("10.0.0.0/8, 192.168.1.10")
	if err != nil {
		t.Fatal(err)
	}
	proxied := Resolver{Trusted: trusted}
	for _, c := range []struct {
		name string
		r    Resolver
		peer string
		xff  []string
		want string
	}{
		{"NoProxyConfiguredIgnoresTheHeader", Resolver{}, "203.0.113.5:4000", []string{"1.2.3.4"}, "203.0.113.5"},
		{"UntrustedPeerIgnoresTheHeader", proxied, "203.0.113.5:4000", []string{"1.2.3.4"}, "203.0.113.5"},
		{"TrustedProxyGivesTheClient", proxied, "10.0.0.2:4000", []string{"198.51.100.9"}, "198.51.100.9"},
		{"ForgedLeftEntriesAreIgnored", proxied, "10.0.0.2:4000", []string{"6.6.6.6, 198.51.100.9"}, "198.51.100.9"},
		{"ChainOfTrustedProxies", proxied, "10.0.0.2:4000", []string{"198.51.100.9, 192.168.1.10", "10.9.9.9"}, "198.51.100.9"},
		{"TrustedProxyWithoutHeaderIsTheClient", proxied, "10.0.0.2:4000", nil, "10.0.0.2"},
		{"GarbageStopsAtTheProxy", proxied, "10.0.0.2:4000", []string{"not-an-ip"}, "10.0.0.2"},
		{"IPv6Peer", Resolver{}, "[2001:db8::1]:443", nil, "2001:db8::1"},
		{"MappedIPv4IsPlain", proxied, "[::ffff:10.0.0.2]:80", []string{"198.51.100.9"}, "198.51.100.9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: c.peer, Header: http.Header{}}
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := c.r.Of(r); got != c.want {
				t.Fatalf("Of = %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseTrustedRefusesBadEntries(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "10.0.0.1/8", "proxy.example", "10.0.0.0/8,,nonsense"} {
		if _, err := ParseTrusted(bad); err == nil {
			t.Errorf("ParseTrusted(%q) accepted", bad)
		}
	}
	if p, err := ParseTrusted(""); err != nil || len(p) != 0 {
		t.Fatalf("empty list: %v %v", p, err)
	}
}
