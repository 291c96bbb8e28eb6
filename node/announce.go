package node

import (
	"context"

	bsync "github.com/sbftnet/sbft/sync"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// announcer publishes this replica's checkpoint announcements from its own goroutine, so the driver never
// waits on gossip.
type announcer struct {
	topic *p2p.Topic
	queue chan []byte
}

func (a *announcer) run(ctx context.Context, log interface{ Warn(string, ...any) }) {
	for {
		select {
		case <-ctx.Done():
			return
		case data := <-a.queue:
			if err := a.topic.Publish(ctx, data); err != nil {
				log.Warn("checkpoint announcement not published", "err", err)
			}
		}
	}
}

// AnnounceCheckpoint queues an announcement (dropped if the queue is full: the core resends until stable).
func (a *announcer) AnnounceCheckpoint(ann *wire.CheckpointAnnouncement) {
	select {
	case a.queue <- ann.Marshal():
	default:
	}
}

// joinCheckpointGossip joins the checkpoint topic: this replica's announcements go out on it, the others' come
// in through validateCheckpoint.
func (n *Node) joinCheckpointGossip() (err error) {
	n.announcer.topic, err = n.gossip.Join(wire.CheckpointTopic, n.validateCheckpoint, n.onCheckpointGossip)
	return err
}

// registerCheckpoints serves the stable checkpoint proof (state transfer starts from the best one). Every answer
// counts against the host's answer budget, reserved at its protocol's largest answer.
func (n *Node) registerCheckpoints() {
	n.host.HandleRequest(wire.CheckpointProtocol, p2p.RequestBounds{RequestBytesMax: wire.CheckpointRequestBytesMax,
		AnswerBytesMax: wire.CheckpointProofBytesMax}, n.serveCheckpoint)
}

// validateCheckpoint is the topic validator: the publisher must be the replica the announcement names, and
// the announcement well-formed and signed by it; checkpoints at or below this replica's stable one are
// ignored (stale, no penalty).
func (n *Node) validateCheckpoint(from peer.ID, data []byte) pubsub.ValidationResult {
	idx, ok := n.host.ReplicaIndex(from)
	if !ok {
		return pubsub.ValidationReject
	}
	a, err := wire.UnmarshalCheckpointAnnouncement(data)
	if err != nil || a.Replica != idx || a.Seq == 0 || a.Seq%n.opts.Genesis.CheckpointInterval != 0 {
		return pubsub.ValidationReject
	}
	if err := n.verifier.Verify(idx, a.Message(n.opts.Genesis.ChainID)); err != nil {
		return pubsub.ValidationReject
	}
	if a.Seq <= n.driver.Status().LastStableCheckpoint {
		return pubsub.ValidationIgnore
	}
	return pubsub.ValidationAccept
}

// onCheckpointGossip hands a validated announcement to the core (dropped when the inbound queue is full: the
// sender resends until the checkpoint is stable).
func (n *Node) onCheckpointGossip(_ peer.ID, data []byte) {
	a, err := wire.UnmarshalCheckpointAnnouncement(data)
	if err != nil {
		return
	}
	select {
	case n.inbound <- a.Message(n.opts.Genesis.ChainID):
	default:
	}
}

// serveCheckpoint answers the checkpoint protocol from the store (safe beside the driver: pebble reads are).
func (n *Node) serveCheckpoint(_ peer.ID, _ []byte) ([]byte, error) {
	p, err := bsync.ReadStableCheckpoint(n.store)
	if err != nil {
		return nil, err
	}
	return p.Marshal(), nil
}
