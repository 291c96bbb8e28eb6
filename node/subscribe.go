package node

import (
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// registerSubscriptions takes block subscriptions (the server is a seam: a test build may decorate it).
func (n *Node) registerSubscriptions() {
	n.host.HandleSession(wire.SubscribeProtocol, wire.SubscribeRequestBytes, SubscribeQueueFrames, false, n.seams.subscribe)
}

// serveSubscribe pushes committed blocks with their commit certificates to a subscriber (a client node), from
// the height it asks, as they become durable here: no polling. After the blocks it pushes the execution
// certificate of the highest of them it knows certified, so the subscriber can serve proven reads.
// Back-pressure: the replica waits up to SubscriberStallTimeout for room in the subscriber's queue, then drops
// it; it subscribes again from its height.
func (n *Node) serveSubscribe(s p2p.Session) {
	if n.subscribers.Add(1) > SubscribersMax {
		n.subscribers.Add(-1)
		return
	}
	defer n.subscribers.Add(-1)
	frame, err := s.Recv()
	if err != nil {
		return
	}
	next, err := wire.DecodeSubscribe(frame)
	if err != nil || next == 0 || next > n.driver.Status().Height+1 {
		return // a subscription from beyond the next block would hold its slot with nothing to send
	}
	var certSent uint64
	for {
		changed := n.driver.HeightChanged()
		for top := n.driver.Status().Height; next <= top; next++ {
			if !n.push(s, next, func() ([]byte, error) {
				block, cert, err := blockWithCert(n.store, next)
				return wire.EncodeSubscribedBlock(top, block, cert), err
			}) {
				return
			}
		}
		if c := n.driver.LatestExecCert(); c != nil && c.Height > certSent && c.Height < next {
			if !n.push(s, c.Height, func() ([]byte, error) { return wire.EncodeSubscribedExecCert(c), nil }) {
				return
			}
			certSent = c.Height
		}
		select {
		case <-changed:
		case <-n.done:
			return
		}
	}
}

// push builds and sends one frame to a subscriber, waiting at most SubscriberStallTimeout for room in the answer
// budget (before the block is read) and in the subscriber's queue.
func (n *Node) push(s p2p.Session, height uint64, build func() ([]byte, error)) bool {
	if err := s.SendBuilt(wire.SubscribedFrameBytesMax, SubscriberStallTimeout, build); err != nil {
		n.log.Debug("subscriber dropped", "peer", s.Remote(), "height", height, "err", err)
		return false
	}
	return true
}

// blockWithCert reads block h and its commit certificate from store.
func blockWithCert(store chain.Store, h uint64) (block, cert []byte, err error) {
	if block, err = store.Get(chain.BlockKey(h)); err != nil {
		return nil, nil, fmt.Errorf("block %d: %w", h, err)
	}
	if cert, err = store.Get(chain.CertKey(h)); err != nil {
		return nil, nil, fmt.Errorf("certificate of block %d: %w", h, err)
	}
	return block, cert, nil
}
