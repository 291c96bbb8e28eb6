package node

import (
	"testing"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/p2p"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// TestLimitsAgree checks the limits a replica's own protocols cross (state transfer, checkpoints, gossip, config)
// against each other and the transport; wire/limits_test.go checks the frames against the layers inside them.
func TestLimitsAgree(t *testing.T) {
	def := DefaultConfig()
	for _, c := range []struct {
		name         string
		inner, outer int
	}{
		{"a checkpoint announcement fits a gossip message", wire.AnnouncementBytesMax, p2p.GossipMessageBytesMax},
		{"largest consensus message fits a mesh frame", consensus.MessageBytesMax, p2p.MeshFrameBytesMax},
		{"default sync chunk within the blocks protocol cap", bsync.ChunkBlocksDefault, wire.BlocksChunkMax},
		{"genesis replicas within the consensus cap", genesis.ReplicasMax, consensus.ReplicasMax},
		{"default batch requests within the hard cap", def.Consensus.BatchRequestsMax, consensus.BatchRequestsMax},
		{"default batch bytes within the hard cap", def.Consensus.BatchBytesMax, consensus.BatchBytesMax},
		{"largest request fits the default batch", consensus.RequestBytesMax, def.Consensus.BatchBytesMax},
		{"default in-flight sequences within the hard cap", def.Consensus.InFlightSeqsMax, consensus.InFlightSeqsMax},
		{"batch verification within the unverified queue", VerifyBatchMax, UnverifiedQueueMax},
		{"default tick within its bounds", def.TickMs, TickMsMax},
		{"tick bounds ordered", TickMsMin, def.TickMs},
	} {
		if c.inner > c.outer {
			t.Errorf("%s: %d > %d", c.name, c.inner, c.outer)
		}
	}
}
