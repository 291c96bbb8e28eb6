package adversary

import (
	"slices"

	"github.com/sbftnet/sbft/chain"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// What a byzantine replica serves others: blocks to the client node, state-transfer answers to replicas,
// proven reads to clients. Each takes the genuine answer's place.

// ServeBlock is the replica's answer to a client node asking for block h: a colluder's forgery, or the real
// block when the coalition has none (coalition_follower.go); the other roles serve nothing, so the client node
// moves on.
func (a *Adversary) ServeBlock(h uint64) (blk *chain.Block, cert []byte, ok bool) {
	if a.co == nil {
		return nil, nil, false
	}
	return a.co.serveFollower(a, h)
}

// AnswersTransfers reports whether the replica answers state-transfer requests: a silent one never does (the
// request times out).
func (a *Adversary) AnswersTransfers() bool { return a.role != Silent }

// ForgeTransfer rewrites, in place, the genuine blocks of a state-transfer answer towards the transfer's target
// height, and reports whether it did: a bad signer adds a transaction to each block (so it is no longer its
// header's), a colluder forges a self-consistent chain (forgeChain).
func (a *Adversary) ForgeTransfer(blocks []bsync.Block, target uint64) bool {
	switch a.role {
	case BadSigner:
		for _, b := range blocks {
			b.Block.Txs = append(b.Block.Txs, []byte("forged by a byzantine source")) // no longer its header's
		}
		return true
	case Colluder:
		forgeChain(blocks, target)
		return true
	}
	return false
}

// forgeChain rewrites a colluding source's answer into self-consistent forged blocks: below the transfer's
// target, each block's transactions are reversed (clients' transactions on different keys commute, so the
// state root usually stays right) with its transaction root recomputed, and each names the forged block below
// it as its parent. Only the hash chain tells them from the network's blocks.
func forgeChain(blocks []bsync.Block, target uint64) {
	var below [32]byte
	for k, b := range blocks {
		h := &b.Block.Header
		if h.Height == target {
			return
		}
		if k > 0 {
			h.Parent = below
		}
		slices.Reverse(b.Block.Txs)
		h.TxRoot = chain.TxRoot(b.Block.Txs)
		below = h.Hash()
	}
}

// ProvenReads are the replica's answers to a client's proven read of key: a colluder's forgeries
// (coalition_reads.go), or the genuine read.
func (a *Adversary) ProvenReads(key string) []*wire.ProvenRead {
	if a.co != nil {
		return a.co.forgeReads(a, key)
	}
	if p, err := a.node.ProvenRead([]byte(key)); err == nil {
		return []*wire.ProvenRead{p}
	}
	return nil
}
