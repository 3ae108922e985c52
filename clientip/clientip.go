// Package clientip finds the address of the client behind a request. Login
// throttling and the audit trail key on it, so it must not be something a
// client can choose: forwarding headers are believed only when the peer is
// one of the reverse proxies the deployment names as trusted.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver resolves a request to its client's address.
type Resolver struct {
	// Trusted are the networks of the reverse proxies in front of poscare.
	// Empty (the default) trusts none: the peer address is the client.
	Trusted []netip.Prefix
}

// EntryError names an entry of a trusted-proxy list that is not a CIDR
// (with no host bits set) nor an IP address.
type EntryError struct{ Entry string }

func (e *EntryError) Error() string {
	return fmt.Sprintf("%q is neither a CIDR such as 10.0.0.0/8 (with no host bits set) nor an IP address", e.Entry)
}

// ParseTrusted reads a comma-separated list of CIDRs ("10.0.0.0/8,
// 192.168.1.10/32"); a bare address stands for itself alone. It refuses
// anything else, naming the bad entry.
func ParseTrusted(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			if p.Masked() != p {
				return nil, &EntryError{Entry: item}
			}
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, &EntryError{Entry: item}
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func (r Resolver) trusted(a netip.Addr) bool {
	for _, p := range r.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Of returns the client's address. When the peer is a trusted proxy, it
// walks X-Forwarded-For from the right, past trusted proxies, to the first
// address none of them is: the one the nearest untrusted party connected
// from. Entries to the left of that one were written by the client and are
// ignored. A malformed entry stops the walk at the proxy that passed it on.
func (r Resolver) Of(req *http.Request) string {
	peer := peerAddr(req.RemoteAddr)
	if !peer.IsValid() {
		return req.RemoteAddr
	}
	if !r.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(req.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if hop == "" && i == 0 && len(hops) == 1 {
			break // no header
		}
		a := peerAddr(hop)
		if !a.IsValid() {
			break
		}
		client = a
		if !r.trusted(a) {
			break
		}
	}
	return client.String()
}

// peerAddr parses "host:port", "[v6]:port" or a bare address.
func peerAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}
