package client

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/multiformats/go-multiaddr"

	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// InfoTimeout bounds the whole genesis fetch.
const InfoTimeout = 10 * time.Second

// FetchGenesis asks the replica at addr (which must end in /p2p/<peer-id>) for the network's genesis, and
// checks that the replica is a member of it. The caller trusts that replica for the replica set.
func FetchGenesis(ctx context.Context, addr multiaddr.Multiaddr) (*genesis.Genesis, error) {
	ai, err := peer.AddrInfoFromP2pAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("peer multiaddr %s must end in /p2p/<peer-id>: %w", addr, err)
	}
	h, err := libp2p.New(libp2p.NoListenAddrs, libp2p.Security(noise.ID, noise.New), libp2p.DisableRelay())
	if err != nil {
		return nil, fmt.Errorf("temporary host: %w", err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(ctx, InfoTimeout)
	defer cancel()
	if err := h.Connect(ctx, *ai); err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	s, err := h.NewStream(ctx, ai.ID, wire.InfoProtocol)
	if err != nil {
		return nil, fmt.Errorf("open %s to %s: %w", wire.InfoProtocol, ai.ID, err)
	}
	defer s.Close()
	if dl, ok := ctx.Deadline(); ok {
		s.SetDeadline(dl)
	}
	b, err := p2p.ReadFrame(s, genesis.FileBytesMax)
	if err != nil {
		return nil, fmt.Errorf("read genesis from %s: %w", ai.ID, err)
	}
	g, err := genesis.Parse(b)
	if err != nil {
		return nil, err
	}
	for _, r := range g.Replicas {
		if r.PeerID == ai.ID.String() {
			return g, nil
		}
	}
	return nil, fmt.Errorf("%s is not a replica of the genesis it served", ai.ID)
}
