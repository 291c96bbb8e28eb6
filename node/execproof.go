package node

import (
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
	hash    [32]byte
	header  []byte
	leaves  [][32]byte
	waiting []execWaiter
	shares  map[uint32][]byte
}

type execWaiter struct {
	w      Waiter
	index  int
	result []byte
	txHash [32]byte
}

// execCollector is the driver's state for execution proofs; bounded by ExecBlocksMax.
type execCollector struct {
	blocks map[uint64]*execBlock
	early  map[uint64]map[uint32]execShare // shares that arrived before this replica executed the block
	proven map[uint64]*provenBlock         // recent certified blocks, for late copies of their transactions
}

type provenBlock struct {
	header  []byte
	leaves  [][32]byte
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

func (d *Driver) execCollectorOf(height uint64) uint32 { return uint32(height % uint64(d.cfg.N)) }

// afterExecute signs this replica's execution share for blk and sends it to the collector, or starts collecting
// when this replica is the collector. results are the block's results in transaction order.
func (d *Driver) afterExecute(blk *chain.Block, results []chain.Result) {
	h := blk.Header.Height
	hash := blk.Header.Hash()
	share := d.cfg.ShareKey.Sign(wire.ExecSigningBytes(d.cfg.ChainID, h, hash)).Bytes()
	col := d.execCollectorOf(h)
	if col != d.cfg.ID {
		m := &consensus.Message{Type: consensus.MsgExecShare, From: d.cfg.ID, Seq: h, Digest: hash, Share: share}
		m.Sig = d.cfg.Signer.Sign(m.SigningBytes(d.cfg.ChainID))
		d.cfg.Transport.Send(col, wire.MarshalMessage(m))
		return
	}
	eb := &execBlock{hash: hash, header: blk.Header.Marshal(), shares: map[uint32][]byte{d.cfg.ID: share}}
	for i := range results {
		eb.leaves = append(eb.leaves, chain.ResultLeaf(&results[i]))
		for _, w := range d.waiters.byHash[results[i].TxHash] {
			eb.waiting = append(eb.waiting, execWaiter{w: w.w, index: i, result: results[i].Marshal(), txHash: results[i].TxHash})
		}
	}
	for from, s := range d.exec.early[h] {
		if s.hash == hash {
			eb.shares[from] = s.share
		}
	}
	delete(d.exec.early, h)
	d.exec.blocks[h] = eb
	d.pruneExec(h)
	d.maybeProve(h, eb)
}

// onExecShare takes another replica's execution share (its envelope was verified).
func (d *Driver) onExecShare(m *consensus.Message) {
	h := m.Seq
	if d.execCollectorOf(h) != d.cfg.ID || h+ExecBlocksMax < d.app.LastHeader().Height || h > d.app.LastHeader().Height+ExecBlocksMax {
		return
	}
	if eb := d.exec.blocks[h]; eb != nil {
		if m.Digest == eb.hash {
			eb.shares[m.From] = m.Share
			d.maybeProve(h, eb)
		}
		return
	}
	if h <= d.app.LastHeader().Height {
		return // executed and nobody waits here, or already proven
	}
	if d.exec.early[h] == nil {
		d.exec.early[h] = map[uint32]execShare{}
	}
	d.exec.early[h][m.From] = execShare{hash: m.Digest, share: m.Share}
}

// maybeProve combines f+1 matching shares and answers the waiting clients.
func (d *Driver) maybeProve(h uint64, eb *execBlock) {
	if len(eb.shares) < d.cfg.F+1 {
		return
	}
	req := consensus.CombineRequest{Kind: consensus.CertExec, Seq: h, Digest: eb.hash}
	for from, s := range eb.shares {
		req.Shares = append(req.Shares, consensus.Share{From: from, Sig: s})
	}
	res := combineShares(d.cfg.ChainID, d.cfg.BLSKeys, req)
	if res.Cert == nil {
		for _, bad := range res.Bad {
			delete(eb.shares, bad)
		}
		return
	}
	delete(d.exec.blocks, h)
	pb := &provenBlock{header: eb.header, leaves: eb.leaves, signers: res.Cert.Signers, sig: res.Cert.Sig}
	d.exec.proven[h] = pb
	for _, w := range eb.waiting {
		w.w.Deliver(d.provenReply(pb, w.index, w.txHash, w.result))
	}
}

func (d *Driver) provenReply(pb *provenBlock, index int, txHash [32]byte, result []byte) *wire.Reply {
	p := wire.ExecProof{Header: pb.header, Signers: pb.signers, Sig: pb.sig, Index: uint32(index),
		Count: uint32(len(pb.leaves)), Siblings: chain.MerkleProof(pb.leaves, index)}
	return &wire.Reply{TxHash: txHash, Replica: d.cfg.ID, Status: wire.StatusProven, Result: result, Proof: p.Encode()}
}

// proveLate answers a late copy of an executed transaction with its proof too, when this replica collects (or
// collected) its block.
func (d *Driver) proveLate(w Waiter, r *wire.Reply) {
	res, err := chain.UnmarshalResult(r.Result)
	if err != nil || d.execCollectorOf(res.Height) != d.cfg.ID {
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
	if eb := d.exec.blocks[res.Height]; eb != nil {
		if i := find(eb.leaves); i >= 0 {
			eb.waiting = append(eb.waiting, execWaiter{w: w, index: i, result: r.Result, txHash: r.TxHash})
		}
		return
	}
	if pb := d.exec.proven[res.Height]; pb != nil {
		if i := find(pb.leaves); i >= 0 {
			w.Deliver(d.provenReply(pb, i, r.TxHash, r.Result))
		}
	}
}

// pruneExec forgets blocks and early shares far below height h.
func (d *Driver) pruneExec(h uint64) {
	if h <= ExecBlocksMax {
		return
	}
	for k := range d.exec.blocks {
		if k+ExecBlocksMax < h {
			delete(d.exec.blocks, k)
		}
	}
	for k := range d.exec.early {
		if k+ExecBlocksMax < h {
			delete(d.exec.early, k)
		}
	}
	for k := range d.exec.proven {
		if k+ExecBlocksMax < h {
			delete(d.exec.proven, k)
		}
	}
}
