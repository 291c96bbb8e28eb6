package p2p

import (
	"fmt"

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
// DialFallbackDelay later, so a peer whose preferred address is unreachable is still reached.
func dialRanker(prefer string) network.DialRanker {
	code := multiaddr.P_TCP
	if prefer == TransportQUIC {
		code = multiaddr.P_QUIC_V1
	}
	return func(addrs []multiaddr.Multiaddr) []network.AddrDelay {
		out := make([]network.AddrDelay, 0, len(addrs))
		for _, a := range addrs {
			d := DialFallbackDelay
			if _, err := a.ValueForProtocol(code); err == nil {
				d = 0
			}
			out = append(out, network.AddrDelay{Addr: a, Delay: d})
		}
		return out
	}
}
