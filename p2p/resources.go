package p2p

import (
	"fmt"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"

	"github.com/sbftnet/sbft/wire"
)

// resourceManager is libp2p's resource manager with its scaled defaults, plus inbound stream limits per peer
// for each of sbft's protocols: a peer past them is refused by libp2p when the protocol is negotiated, before
// any handler of ours runs.
func resourceManager(chainID string) (network.ResourceManager, error) {
	perPeer := func(n int) rcmgr.ResourceLimits { return rcmgr.ResourceLimits{StreamsInbound: rcmgr.LimitVal(n)} }
	cfg := rcmgr.PartialLimitConfig{ProtocolPeer: map[protocol.ID]rcmgr.ResourceLimits{
		ProtocolID(chainID, wire.MeshProtocol):       perPeer(MeshStreamsPerPeerMax),
		ProtocolID(chainID, wire.TxSession):          perPeer(SessionsPerPeerMax + 2), // a closing one may linger
		ProtocolID(chainID, wire.BlocksProtocol):     perPeer(RequestStreamsPerPeerMax),
		ProtocolID(chainID, wire.CheckpointProtocol): perPeer(RequestStreamsPerPeerMax),
		ProtocolID(chainID, wire.ReadProtocol):       perPeer(RequestStreamsPerPeerMax),
		ProtocolID(chainID, wire.HeadProtocol):       perPeer(RequestStreamsPerPeerMax),
		ProtocolID(chainID, wire.SubscribeProtocol):  perPeer(SessionsPerPeerMax + 2),
		ProtocolID(chainID, wire.InstancesProtocol):  perPeer(RequestStreamsPerPeerMax),
		protocol.ID(wire.InfoProtocol):               perPeer(RequestStreamsPerPeerMax),
	}}
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(cfg.Build(rcmgr.DefaultLimits.AutoScale())))
	if err != nil {
		return nil, fmt.Errorf("resource manager: %w", err)
	}
	return rm, nil
}
