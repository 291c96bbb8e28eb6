package replica

import (
	"maps"
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// Answering clients: a client waiting at this replica for transactions of an executed block gets one
// BlockReply per block (its results with their Merkle paths and the block's execution certificate) as soon as
// this replica holds the certificate. Without one within ExecProofWait it gets a plain reply per transaction,
// which counts as one of the f+1 matching replies a client also accepts (it asks the other replicas after its
// own timeout).

// answerCertified answers the clients waiting for block c.Height with its certificate, when c certifies the
// block this replica executed there (c was verified, or combined here).
func (rp *replies) answerCertified(c *wire.ExecCert) {
	eb := rp.exec.blocks[c.Height]
	if eb == nil || eb.hash != c.BlockHash {
		return
	}
	if eb.tree == nil {
		eb.tree = chain.NewMerkleTree(eb.leaves)
	}
	pb := &provenBlock{header: eb.header, leaves: eb.leaves, tree: eb.tree, signers: c.Signers, sig: c.Sig}
	rp.exec.proven[c.Height] = pb
	delete(rp.exec.blocks, c.Height)
	rp.answerBlock(pb, eb.waiting)
}

// answerBlock sends each waiting client session one BlockReply with its results, in the order they first wait.
func (rp *replies) answerBlock(pb *provenBlock, waiting []execWaiter) {
	byWaiter := map[Waiter]*wire.BlockReply{}
	var order []Waiter
	for _, w := range waiting {
		br := byWaiter[w.w]
		if br == nil {
			br = &wire.BlockReply{Replica: rp.cfg.ID, Primary: rp.primary(), Header: pb.header, Signers: pb.signers,
				Sig: pb.sig, Count: uint32(len(pb.leaves))}
			byWaiter[w.w] = br
			order = append(order, w.w)
		}
		br.Entries = append(br.Entries, wire.BlockReplyEntry{Index: uint32(w.index), Result: w.result,
			Siblings: pb.tree.Proof(w.index)})
	}
	for _, w := range order {
		w.DeliverBlock(byWaiter[w])
	}
	rp.cfg.Metrics.blockReplies(len(order), len(waiting))
}

// answerPlain gives the clients waiting for eb a plain reply each: its certificate did not come in time.
func (rp *replies) answerPlain(eb *execBlock) {
	for _, w := range eb.waiting {
		w.w.Deliver(&wire.Reply{TxHash: w.txHash, Replica: rp.cfg.ID, Status: wire.StatusCommitted, Result: w.result})
	}
	rp.cfg.Metrics.plainReplies(len(eb.waiting))
	eb.waiting = nil
}

// expireProofWaits answers with plain replies the clients that waited ExecProofWait for a block's certificate
// (in height order: the simulator replays runs exactly), and forgets such blocks unless it collects them.
func (rp *replies) expireProofWaits(now uint64) {
	var late []uint64
	for h, eb := range rp.exec.blocks {
		if len(eb.waiting) > 0 && now-eb.since >= rp.proofWait {
			late = append(late, h)
		}
	}
	slices.Sort(late)
	for _, h := range late {
		eb := rp.exec.blocks[h]
		rp.answerPlain(eb)
		if !eb.collector {
			delete(rp.exec.blocks, h)
		}
	}
}

func (rp *replies) provenReply(pb *provenBlock, index int, txHash [32]byte, result []byte) *wire.Reply {
	p := wire.ExecProof{Header: pb.header, Signers: pb.signers, Sig: pb.sig, Index: uint32(index),
		Count: uint32(len(pb.leaves)), Siblings: pb.tree.Proof(index)}
	return &wire.Reply{TxHash: txHash, Replica: rp.cfg.ID, Status: wire.StatusProven, Result: result, Proof: p.Encode()}
}

// proveLate answers a late copy of an executed transaction with its proof too, when this replica holds (or
// waits for) its block's certificate.
func (rp *replies) proveLate(w Waiter, r *wire.Reply) {
	res, err := chain.UnmarshalResult(r.Result)
	if err != nil {
		return
	}
	leaf := chain.ResultLeaf(res)
	if eb := rp.exec.blocks[res.Height]; eb != nil {
		if i := slices.Index(eb.leaves, leaf); i >= 0 {
			eb.waiting = append(eb.waiting, execWaiter{w: w, index: i, result: r.Result, txHash: r.TxHash})
		}
		return
	}
	if pb := rp.exec.proven[res.Height]; pb != nil {
		if i := slices.Index(pb.leaves, leaf); i >= 0 {
			w.Deliver(rp.provenReply(pb, i, r.TxHash, r.Result))
		}
	}
}

// sortedHeights is the heights of m in order, for deterministic iteration.
func sortedHeights[V any](m map[uint64]V) []uint64 { return slices.Sorted(maps.Keys(m)) }
