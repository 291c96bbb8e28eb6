package genesis

import (
	"fmt"

	"github.com/sbftnet/sbft/p2p"
)

// P2PReplicas is the genesis replica set as the p2p allowlist: each replica's index, peer ID (from its
// Ed25519 key) and multiaddrs. Replicas and clients build their hosts from it.
func (g *Genesis) P2PReplicas() ([]p2p.ReplicaInfo, error) {
	out := make([]p2p.ReplicaInfo, 0, g.N())
	for i := range g.Replicas {
		r := &g.Replicas[i]
		pid, err := PeerIDOf(g.PublicKeys()[i])
		if err != nil {
			return nil, err
		}
		addrs, err := r.Addrs()
		if err != nil {
			return nil, fmt.Errorf("replica %d: %w", i, err)
		}
		out = append(out, p2p.ReplicaInfo{Index: r.Index, ID: pid, Addrs: addrs})
	}
	return out, nil
}
