package node

import (
	"encoding/binary"
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/p2p"
	bsync "github.com/sbftnet/sbft/sync"
)

// TestLimitsAgree checks the limits a replica's own protocols cross (state transfer, checkpoints, gossip, config)
// against each other; client/limits_test.go checks the path of a client's transaction.
func TestLimitsAgree(t *testing.T) {
	largestCert := len(consensus.MarshalCertificate(consensus.Certificate{Kind: consensus.CertCommit,
		Signers: ^uint64(0), Sig: make([]byte, consensus.SigBytesMax)}))
	largestProof := len((&StableCheckpointProof{Signers: ^uint64(0), Sig: make([]byte, consensus.SigBytesMax)}).Marshal())
	largestAnnouncement := len((&CheckpointAnnouncement{Share: make([]byte, consensus.SigBytesMax),
		Sig: make([]byte, consensus.SigBytesMax)}).Marshal())
	blocksReq := len(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, 1), 2))
	def := DefaultConfig()
	for _, c := range []struct {
		name         string
		inner, outer int
	}{
		// One block with its certificate must fit a blocks answer (count, len, block, len, cert), or state
		// transfer could never move past it.
		{"largest block and certificate fit a blocks answer", 4 + 4 + chain.BlockBytesMax + 4 + largestCert,
			bsync.ResponseBytesMax},
		{"a blocks answer fits what the fetcher reads", bsync.ResponseBytesMax, BlocksResponseBytesMax},
		{"a blocks request fits its cap", blocksReq, BlocksRequestBytesMax},
		{"a certificate fits a consensus message", largestCert, consensus.MessageBytesMax},
		{"a stable checkpoint proof fits its cap", largestProof, CheckpointProofBytesMax},
		{"a checkpoint announcement fits a gossip message", largestAnnouncement, p2p.GossipMessageBytesMax},
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
