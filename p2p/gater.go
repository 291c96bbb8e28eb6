package p2p

import (
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
)

// gater admits replicas always, clients up to ClientConnsMax inbound, and dials only replicas: a host never
// connects out to an arbitrary peer. The host is set after libp2p.New, which needs the gater first.
type gater struct {
	hs *Host
}

func (g *gater) InterceptPeerDial(p peer.ID) bool                    { return g.hs.IsReplica(p) }
func (g *gater) InterceptAddrDial(peer.ID, multiaddr.Multiaddr) bool { return true }
func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool         { return true }

func (g *gater) InterceptSecured(dir network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	if dir == network.DirOutbound || g.hs.IsReplica(p) {
		return true
	}
	if g.hs.isBanned(p) {
		g.hs.metrics.rejected("banned")
		return false
	}
	if g.hs.h == nil {
		return false
	}
	clients := 0
	for _, q := range g.hs.h.Network().Peers() {
		if !g.hs.IsReplica(q) {
			clients++
		}
	}
	if clients >= ClientConnsMax {
		g.hs.peerLog.Warn("client_limit", "refused a client connection: too many clients", "peer", p, "clients", clients)
		g.hs.metrics.rejected("client_limit")
		return false
	}
	return true
}

func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
