package node

import (
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// infoWriteTimeout bounds serving the genesis.
const infoWriteTimeout = 5 * time.Second

// registerInfo serves the genesis on wire.InfoProtocol.
func (n *Node) registerInfo() {
	doc := n.opts.Genesis.Marshal()
	n.host.LibP2P().SetStreamHandler(wire.InfoProtocol, func(s network.Stream) {
		defer s.Close()
		s.SetDeadline(time.Now().Add(infoWriteTimeout))
		if err := p2p.WriteFrame(s, doc); err != nil {
			n.log.Debug("serve genesis", "peer", s.Conn().RemotePeer(), "err", err)
			s.Reset()
		}
	})
}
