package p2p

import (
	"fmt"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/multiformats/go-multiaddr"
)

// Transports a host may prefer when it dials a peer that listens on several (Config.PreferTransport).
const (
	TransportQUIC = "quic"
	TransportTCP  = "tcp" // Noise over TCP, multiplexed by yamux
)

// CheckTransport refuses a preference that names no transport; "" is the default, TransportTCP.
func CheckTransport(t string) error {
	switch t {
	case "", TransportQUIC, TransportTCP:
		return nil
	}
	return fmt.Errorf("%w: prefer_transport %q: one of %q, %q", ErrConfig, t, TransportTCP, TransportQUIC)
}

// dialRanker dials a peer's addresses of the preferred transport at once and the others only
// DialFallbackDelay later, so a peer whose preferred address is unreachable is still reached; a peer with no
// address of the preferred transport is dialled at once on what it has.
func dialRanker(prefer string) network.DialRanker {
	code := multiaddr.P_TCP
	if prefer == TransportQUIC {
		code = multiaddr.P_QUIC_V1
	}
	preferred := func(a multiaddr.Multiaddr) bool { _, err := a.ValueForProtocol(code); return err == nil }
	return func(addrs []multiaddr.Multiaddr) []network.AddrDelay {
		fallback := time.Duration(0)
		if slices.ContainsFunc(addrs, preferred) {
			fallback = DialFallbackDelay
		}
		out := make([]network.AddrDelay, 0, len(addrs))
		for _, a := range addrs {
			d := fallback
			if preferred(a) {
				d = 0
			}
			out = append(out, network.AddrDelay{Addr: a, Delay: d})
		}
		return out
	}
}
