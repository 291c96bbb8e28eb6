package genesis

import (
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
)

// P2PReplicas is the genesis replica set as the p2p allowlist (p2p.Config.Replicas): each replica's peer ID
// (from its Ed25519 key) and multiaddrs, replica i at position i (a valid genesis lists them in index order).
// Replicas and clients build their hosts from it. libp2p's own type, so that genesis needs no p2p package.
func (g *Genesis) P2PReplicas() ([]peer.AddrInfo, error) {
	out := make([]peer.AddrInfo, 0, g.N())
	for i := range g.Replicas {
		pid, err := PeerIDOf(g.PublicKeys()[i])
		if err != nil {
			return nil, err
		}
		addrs, err := g.Replicas[i].Addrs()
		if err != nil {
			return nil, fmt.Errorf("replica %d: %w", i, err)
		}
		out = append(out, peer.AddrInfo{ID: pid, Addrs: addrs})
	}
	return out, nil
}
