package node

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

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
		{"default batch requests within the hard cap", def.Consensus.BatchRequestsMax, consensus.BatchRequestsCap},
		{"default batch bytes within the hard cap", def.Consensus.BatchBytesMax, consensus.BatchBytesCap},
		{"largest request fits the default batch", consensus.RequestBytesMax, def.Consensus.BatchBytesMax},
		{"default in-flight sequences within the hard cap", def.Consensus.InFlightSeqsMax, consensus.InFlightSeqsCap},
		{"batch verification within the unverified queue", VerifyBatchMax, UnverifiedQueueMax},
		{"default tick within its bounds", def.TickMs, TickMsMax},
		{"tick bounds ordered", TickMsMin, def.TickMs},
	} {
		if c.inner > c.outer {
			t.Errorf("%s: %d > %d", c.name, c.inner, c.outer)
		}
	}
}

func TestFailureBudgetPerPeerAndWindow(t *testing.T) {
	b := newFailureBudget()
	now := time.Unix(0, 0)
	b.now = func() time.Time { return now }
	over := func(p peer.ID, n int) (first int) {
		for i := 1; i <= n; i++ {
			if b.fail(p) && first == 0 {
				first = i
			}
		}
		return first
	}
	if got := over("a", BadSignaturesPerPeerMax+5); got != BadSignaturesPerPeerMax+1 {
		t.Fatalf("peer a over budget at failure %d, want %d", got, BadSignaturesPerPeerMax+1)
	}
	if got := over("b", BadSignaturesPerPeerMax); got != 0 {
		t.Fatalf("peer b over budget at %d within its budget: peers share a budget", got)
	}
	now = now.Add(BadSignatureWindow)
	if got := over("a", BadSignaturesPerPeerMax); got != 0 {
		t.Fatalf("peer a still over budget in a new window (at %d)", got)
	}
}

func TestRateBudgetPerPeer(t *testing.T) {
	b := newRateBudget()
	now := time.Unix(0, 0)
	b.now = func() time.Time { return now }
	takes := func(p peer.ID, n int) (ok int) {
		for i := 0; i < n; i++ {
			if b.take(p) {
				ok++
			}
		}
		return ok
	}
	if got := takes("a", 2*ClientTxPerPeerBurst); got != ClientTxPerPeerBurst {
		t.Fatalf("a burst took %d, want %d", got, ClientTxPerPeerBurst)
	}
	if got := takes("b", 10); got != 10 {
		t.Fatalf("peer b held back by a's burst: %d of 10", got)
	}
	now = now.Add(100 * time.Millisecond)
	if got := takes("a", ClientTxPerPeerBurst); got != ClientTxPerPeerRate/10 {
		t.Fatalf("after 100 ms a took %d, want %d", got, ClientTxPerPeerRate/10)
	}
}
