package replica

import (
	"maps"
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// Execution certificates: after executing a block every replica signs (exec, height, block hash) with BLS and
// sends the share to the block's execution collector, the primary as this replica sees it (clients send their
// transactions there, so its clients need no further hop, and a primary that commits blocks is up). The
// collector, once f+1 shares match its own block, has them combined into an execution certificate and
// broadcasts it (certified.go). Any replica where clients wait for a block's transactions answers each client
// session with one BlockReply once it holds the block's certificate (proofreplies.go).

// execBlock is an executed block this replica collects shares for (it is the collector) or holds clients for
// until its certificate comes (or both).
type execBlock struct {
	hash      [32]byte
	header    []byte
	leaves    [][32]byte
	waiting   []execWaiter
	since     uint64            // the tick it executed: its waiters get plain replies after ExecProofWaitTicks
	collector bool              // shares for it are combined here
	shares    map[uint32][]byte // collector only
	combining bool              // a combine job for it is out
	tree      *chain.MerkleTree // over leaves, once built
}

type execWaiter struct {
	w      Waiter
	index  int
	result []byte
	txHash [32]byte
}

// execCollector is the replies component's state for execution certificates; bounded by ExecBlocksMax.
type execCollector struct {
	blocks map[uint64]*execBlock
	early  map[uint64]map[uint32]execShare // shares that arrived before this replica executed the block
	proven map[uint64]*provenBlock         // recent certified blocks, for late copies of their transactions
}

type provenBlock struct {
	header  []byte
	leaves  [][32]byte
	tree    *chain.MerkleTree // over leaves, built once so each client's proof costs O(log n)
	signers consensus.ReplicaSet
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

// afterExecute has this replica's execution share for blk signed (by the crypto workers) and sent to the
// collector, or starts collecting when this replica is the collector; the clients waiting here for blk's
// transactions are taken now, to be answered with its certificate. results are in transaction order.
func (rp *replies) afterExecute(blk *chain.Block, results []chain.Result) {
	h := blk.Header.Height
	eb := &execBlock{hash: blk.Header.Hash(), header: blk.Header.Marshal(), since: rp.now(), collector: rp.primary() == rp.cfg.ID}
	for i := range results {
		eb.leaves = append(eb.leaves, chain.ResultLeaf(&results[i]))
		for _, w := range rp.waiters.byHash[results[i].TxHash] {
			eb.waiting = append(eb.waiting, execWaiter{w: w.w, index: i, result: results[i].Marshal(), txHash: results[i].TxHash})
		}
	}
	if !eb.collector {
		rp.sendShare(h, eb.hash, rp.primary())
		if len(eb.waiting) > 0 {
			rp.keepExecBlock(h, eb)
			if c := rp.certs.byHeight[h]; c != nil {
				rp.answerCertified(c) // the certificate came before this replica executed the block
			}
		}
		return
	}
	eb.shares = map[uint32][]byte{}
	for from, s := range rp.exec.early[h] {
		if s.hash == eb.hash {
			eb.shares[from] = s.share
		}
	}
	delete(rp.exec.early, h)
	rp.keepExecBlock(h, eb)
	rp.runCrypto(func() func() {
		share := signShare(rp.cfg, consensus.CertExec, 0, h, eb.hash)
		return func() {
			if rp.exec.blocks[h] == eb {
				eb.shares[rp.cfg.ID] = share
				rp.maybeProve(h, eb)
			}
		}
	})
}

// sendShare has this replica's execution share of block (h, hash) signed and sent to the collector col.
func (rp *replies) sendShare(h uint64, hash [32]byte, col uint32) {
	rp.runCrypto(func() func() {
		share := signShare(rp.cfg, consensus.CertExec, 0, h, hash)
		m := (&wire.ExecShare{From: rp.cfg.ID, Height: h, BlockHash: hash, Share: share}).Message()
		m.Sig = rp.cfg.Signer.SignMessage(m)
		frame := wire.MarshalMessage(m)
		return func() { rp.cfg.Transport.Send(col, frame) }
	})
}

func (rp *replies) keepExecBlock(h uint64, eb *execBlock) {
	rp.exec.blocks[h] = eb
	rp.pruneExec(h)
}

// onExecShare takes another replica's execution share (its envelope was verified): kept for a block this
// replica collects, or for a recent height it has not executed yet (it may collect it).
func (rp *replies) onExecShare(s *wire.ExecShare) {
	h := s.Height
	if h+ExecBlocksMax < rp.height() || h > rp.height()+ExecBlocksMax {
		return
	}
	if eb := rp.exec.blocks[h]; eb != nil {
		if eb.collector && s.BlockHash == eb.hash {
			eb.shares[s.From] = s.Share
			rp.maybeProve(h, eb)
		}
		return
	}
	if h <= rp.height() {
		return // executed and not collected here, or already proven
	}
	if rp.exec.early[h] == nil {
		rp.exec.early[h] = map[uint32]execShare{}
	}
	rp.exec.early[h][s.From] = execShare{hash: s.BlockHash, share: s.Share}
}

// maybeProve has f+1 matching shares combined (by the crypto workers); the certificate then answers the
// waiting clients and goes to every replica.
func (rp *replies) maybeProve(h uint64, eb *execBlock) {
	if eb.combining || eb.tree != nil || len(eb.shares) < rp.cfg.F+1 {
		return
	}
	eb.combining = true
	req := consensus.CombineRequest{Kind: consensus.CertExec, Seq: h, Digest: eb.hash}
	for _, from := range slices.Sorted(maps.Keys(eb.shares)) {
		req.Shares = append(req.Shares, consensus.Share{From: from, Sig: eb.shares[from]})
	}
	leaves := eb.leaves
	rp.runCrypto(func() func() {
		res := combineShares(rp.cfg.ChainID, rp.cfg.BLSKeys, rp.cfg.DecodedShares, req)
		var tree *chain.MerkleTree
		if res.Cert != nil {
			tree = chain.NewMerkleTree(leaves)
		}
		return func() { rp.combined(h, eb, res, tree) }
	})
}

// combined takes the outcome of combining block h's shares: a certificate is kept, broadcast and answers the
// clients waiting here; if some shares did not verify they are dropped and the block waits for others.
func (rp *replies) combined(h uint64, eb *execBlock, res consensus.CombineResult, tree *chain.MerkleTree) {
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
	eb.tree = tree
	rp.certify(&wire.ExecCert{Height: h, BlockHash: eb.hash, Signers: res.Cert.Signers, Sig: res.Cert.Sig})
}

// pruneExec forgets blocks and early shares far below height h; clients still waiting for a forgotten block
// get plain replies.
func (rp *replies) pruneExec(h uint64) {
	if h <= ExecBlocksMax {
		return
	}
	for _, k := range sortedHeights(rp.exec.blocks) {
		if k+ExecBlocksMax < h {
			rp.answerPlain(rp.exec.blocks[k])
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
