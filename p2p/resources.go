package p2p

import (
	"fmt"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"

	"github.com/sbftnet/sbft/wire/proto"
)

// resourceManager is libp2p's resource manager with its scaled defaults, plus inbound stream limits per peer
// for each of sbft's protocols: a peer past them is refused by libp2p when the protocol is negotiated, before
// any handler of ours runs.
func resourceManager(chainID string) (network.ResourceManager, error) {
	perPeer := func(n int) rcmgr.ResourceLimits { return rcmgr.ResourceLimits{StreamsInbound: rcmgr.LimitVal(n)} }
	cfg := rcmgr.PartialLimitConfig{ProtocolPeer: map[protocol.ID]rcmgr.ResourceLimits{
		ProtocolID(chainID, proto.MeshProtocol):       perPeer(MeshStreamsPerPeerMax),
		ProtocolID(chainID, proto.TxSession):          perPeer(SessionsPerPeerMax + 2), // a closing one may linger
		ProtocolID(chainID, proto.BlocksProtocol):     perPeer(RequestStreamsPerPeerMax),
		ProtocolID(chainID, proto.CheckpointProtocol): perPeer(RequestStreamsPerPeerMax),
		ProtocolID(chainID, proto.ReadProtocol):       perPeer(RequestStreamsPerPeerMax),
		ProtocolID(chainID, proto.HeadProtocol):       perPeer(RequestStreamsPerPeerMax),
		ProtocolID(chainID, proto.SubscribeProtocol):  perPeer(SessionsPerPeerMax + 2),
		ProtocolID(chainID, proto.InstancesProtocol):  perPeer(RequestStreamsPerPeerMax),
		protocol.ID(proto.InfoProtocol):               perPeer(RequestStreamsPerPeerMax),
	}}
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(cfg.Build(rcmgr.DefaultLimits.AutoScale())))
	if err != nil {
		return nil, fmt.Errorf("resource manager: %w", err)
	}
	return rm, nil
}
