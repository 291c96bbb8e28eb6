package replica

import (
	"maps"
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// Execution proofs: after executing a block every replica signs (exec, height, block hash) with BLS and sends
// the share to the block's execution collector (height mod n). The collector, once f+1 shares match its own
// block, has them combined into an execution certificate and sends each client waiting there its result with
// the block header, the certificate and the result's Merkle path: one message the client can accept alone.
// The f+1 matching plain replies stay the fallback.

// execBlock is a block this replica collects execution shares for.
type execBlock struct {
	hash      [32]byte
	header    []byte
	leaves    [][32]byte
	waiting   []execWaiter
	shares    map[uint32][]byte
	combining bool // a combine job for it is out
}

type execWaiter struct {
	w      Waiter
	index  int
	result []byte
	txHash [32]byte
}

// execCollector is the replies component's state for execution proofs; bounded by ExecBlocksMax.
type execCollector struct {
	blocks map[uint64]*execBlock
	early  map[uint64]map[uint32]execShare // shares that arrived before this replica executed the block
	proven map[uint64]*provenBlock         // recent certified blocks, for late copies of their transactions
}

type provenBlock struct {
	header  []byte
	leaves  [][32]byte
	tree    *chain.MerkleTree // over leaves, built once so each client's proof costs O(log n)
	signers uint64
	sig     []byte
}

type execShare struct {
	hash  [32]byte
	share []byte
}

func newExecCollector() execCollector {
	return execCollector{blocks: map[uint64]*execBlock{}, early: map[uint64]map[uint32]execShare{},
		proven: map[uint64]*provenBlock{}}
}

func (rp *replies) execCollectorOf(height uint64) uint32 { return uint32(height % uint64(rp.cfg.N)) }

// afterExecute has this replica's execution share for blk signed (by the crypto workers) and sent to the
// collector, or starts collecting when this replica is the collector. results are the block's results in
// transaction order; the waiting clients are taken now, before they get their plain replies.
func (rp *replies) afterExecute(blk *chain.Block, results []chain.Result) {
	h := blk.Header.Height
	hash := blk.Header.Hash()
	col := rp.execCollectorOf(h)
	if col != rp.cfg.ID {
		rp.runCrypto(func() func() {
			share := signShare(rp.cfg, consensus.CertExec, 0, h, hash)
			m := (&wire.ExecShare{From: rp.cfg.ID, Height: h, BlockHash: hash, Share: share}).Message()
			m.Sig = rp.cfg.Signer.SignMessage(m)
			frame := wire.MarshalMessage(m)
			return func() { rp.cfg.Transport.Send(col, frame) }
		})
		return
	}
	eb := &execBlock{hash: hash, header: blk.Header.Marshal(), shares: map[uint32][]byte{}}
	for i := range results {
		eb.leaves = append(eb.leaves, chain.ResultLeaf(&results[i]))
		for _, w := range rp.waiters.byHash[results[i].TxHash] {
			eb.waiting = append(eb.waiting, execWaiter{w: w.w, index: i, result: results[i].Marshal(), txHash: results[i].TxHash})
		}
	}
	for from, s := range rp.exec.early[h] {
		if s.hash == hash {
			eb.shares[from] = s.share
		}
	}
	delete(rp.exec.early, h)
	rp.exec.blocks[h] = eb
	rp.pruneExec(h)
	rp.runCrypto(func() func() {
		share := signShare(rp.cfg, consensus.CertExec, 0, h, hash)
		return func() {
			if rp.exec.blocks[h] == eb {
				eb.shares[rp.cfg.ID] = share
				rp.maybeProve(h, eb)
			}
		}
	})
	rp.maybeProve(h, eb)
}

// onExecShare takes another replica's execution share (its envelope was verified).
func (rp *replies) onExecShare(s *wire.ExecShare) {
	h := s.Height
	if rp.execCollectorOf(h) != rp.cfg.ID || h+ExecBlocksMax < rp.height() || h > rp.height()+ExecBlocksMax {
		return
	}
	if eb := rp.exec.blocks[h]; eb != nil {
		if s.BlockHash == eb.hash {
			eb.shares[s.From] = s.Share
			rp.maybeProve(h, eb)
		}
		return
	}
	if h <= rp.height() {
		return // executed and nobody waits here, or already proven
	}
	if rp.exec.early[h] == nil {
		rp.exec.early[h] = map[uint32]execShare{}
	}
	rp.exec.early[h][s.From] = execShare{hash: s.BlockHash, share: s.Share}
}

// maybeProve has f+1 matching shares combined (by the crypto workers), then answers the waiting clients.
func (rp *replies) maybeProve(h uint64, eb *execBlock) {
	if eb.combining || len(eb.shares) < rp.cfg.F+1 {
		return
	}
	eb.combining = true
	req := consensus.CombineRequest{Kind: consensus.CertExec, Seq: h, Digest: eb.hash}
	for _, from := range slices.Sorted(maps.Keys(eb.shares)) {
		req.Shares = append(req.Shares, consensus.Share{From: from, Sig: eb.shares[from]})
	}
	leaves := eb.leaves
	rp.runCrypto(func() func() {
		res := combineShares(rp.cfg.ChainID, rp.cfg.BLSKeys, req)
		var tree *chain.MerkleTree
		if res.Cert != nil {
			tree = chain.NewMerkleTree(leaves)
		}
		return func() { rp.proven(h, eb, res, tree) }
	})
}

// proven takes the combined execution certificate of block h: the waiting clients get their proofs. If some
// shares did not verify they are dropped and the block waits for others.
func (rp *replies) proven(h uint64, eb *execBlock, res consensus.CombineResult, tree *chain.MerkleTree) {
	eb.combining = false
	if rp.exec.blocks[h] != eb {
		return // pruned meanwhile
	}
	if res.Cert == nil {
		for _, bad := range res.Bad {
			delete(eb.shares, bad)
		}
		rp.maybeProve(h, eb)
		return
	}
	delete(rp.exec.blocks, h)
	pb := &provenBlock{header: eb.header, leaves: eb.leaves, tree: tree, signers: res.Cert.Signers, sig: res.Cert.Sig}
	rp.exec.proven[h] = pb
	rp.certify(&wire.ExecCert{Height: h, BlockHash: eb.hash, Signers: res.Cert.Signers, Sig: res.Cert.Sig})
	for _, w := range eb.waiting {
		w.w.Deliver(rp.provenReply(pb, w.index, w.txHash, w.result))
	}
}

func (rp *replies) provenReply(pb *provenBlock, index int, txHash [32]byte, result []byte) *wire.Reply {
	p := wire.ExecProof{Header: pb.header, Signers: pb.signers, Sig: pb.sig, Index: uint32(index),
		Count: uint32(len(pb.leaves)), Siblings: pb.tree.Proof(index)}
	return &wire.Reply{TxHash: txHash, Replica: rp.cfg.ID, Status: wire.StatusProven, Result: result, Proof: p.Encode()}
}

// proveLate answers a late copy of an executed transaction with its proof too, when this replica collects (or
// collected) its block.
func (rp *replies) proveLate(w Waiter, r *wire.Reply) {
	res, err := chain.UnmarshalResult(r.Result)
	if err != nil || rp.execCollectorOf(res.Height) != rp.cfg.ID {
		return
	}
	leaf := chain.ResultLeaf(res)
	find := func(leaves [][32]byte) int {
		for i, l := range leaves {
			if l == leaf {
				return i
			}
		}
		return -1
	}
	if eb := rp.exec.blocks[res.Height]; eb != nil {
		if i := find(eb.leaves); i >= 0 {
			eb.waiting = append(eb.waiting, execWaiter{w: w, index: i, result: r.Result, txHash: r.TxHash})
		}
		return
	}
	if pb := rp.exec.proven[res.Height]; pb != nil {
		if i := find(pb.leaves); i >= 0 {
			w.Deliver(rp.provenReply(pb, i, r.TxHash, r.Result))
		}
	}
}

// pruneExec forgets blocks and early shares far below height h.
func (rp *replies) pruneExec(h uint64) {
	if h <= ExecBlocksMax {
		return
	}
	for k := range rp.exec.blocks {
		if k+ExecBlocksMax < h {
			delete(rp.exec.blocks, k)
		}
	}
	for k := range rp.exec.early {
		if k+ExecBlocksMax < h {
			delete(rp.exec.early, k)
		}
	}
	for k := range rp.exec.proven {
		if k+ExecBlocksMax < h {
			delete(rp.exec.proven, k)
		}
	}
}
