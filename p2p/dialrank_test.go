package p2p

import (
	"errors"
	"testing"

	"github.com/multiformats/go-multiaddr"
)

func TestDialRankerPrefersTheConfiguredTransport(t *testing.T) {
	tcp := multiaddr.StringCast("/ip4/127.0.0.1/tcp/4001")
	quic := multiaddr.StringCast("/ip4/127.0.0.1/udp/4001/quic-v1")
	for _, tc := range []struct{ prefer, first string }{{"", "tcp"}, {TransportTCP, "tcp"}, {TransportQUIC, "quic"}} {
		delays := map[string]int64{}
		for _, ad := range dialRanker(tc.prefer)([]multiaddr.Multiaddr{quic, tcp}) {
			name := "tcp"
			if ad.Addr.Equal(quic) {
				name = "quic"
			}
			delays[name] = int64(ad.Delay)
		}
		other := map[string]string{"tcp": "quic", "quic": "tcp"}[tc.first]
		if len(delays) != 2 || delays[tc.first] != 0 || delays[other] != int64(DialFallbackDelay) {
			t.Errorf("prefer %q: delays %v, want %s at once and %s after %v", tc.prefer, delays, tc.first, other, DialFallbackDelay)
		}
	}
	if ad := dialRanker(TransportTCP)([]multiaddr.Multiaddr{quic}); len(ad) != 1 || ad[0].Delay != 0 {
		t.Errorf("a peer on QUIC only, TCP preferred: %v, want QUIC at once", ad)
	}
	if err := CheckTransport("udp"); !errors.Is(err, ErrConfig) {
		t.Errorf("an unknown transport: %v", err)
	}
}
