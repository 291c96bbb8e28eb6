package adversary

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// The coalition against clients. Colluders receive every transaction a client submits to them; they answer
// clients with replies that lie (a put reported failed, a get of a value never written, a CAS reported
// applied, each with a version the key never had), never with the real result (so a client waits for f+1
// correct replicas, and execution proofs often come first). The forgeries:
//   - quorum: a made-up block at the height after the colluder's last, whose only result is the lie, under an
//     execution certificate of the f colluders' shares, one signer short of the quorum (a client must refuse
//     it);
//   - range: the same with signers beyond n added to the colluders' (indices that name no replica);
//   - vote: a plain committed reply with the lie, the same bytes from every colluder, sent when a colluder
//     receives the transaction (f matching lies: a client must wait for f+1);
//   - path: the lie at a real block (its members executed it: real header, and the real certificate once a
//     colluder, as the block's execution collector, combined one) with the path of another result. A client
//     that proved the block must still check the path. The coalition sends it right after a colluder's real
//     proof of that block reached the client, and for every transaction a client sends it, at the recent
//     blocks (any of which the client may have proven through a correct collector).
//
// Every forgery goes to the client the transaction came from, as the reply of a colluder that received it; each
// proven one also as a BlockReply of its own.
type proofAttack struct {
	targets map[[32]byte]*proofTarget // client transactions the coalition received, by hash
	quorum  map[forgeryKey]*wire.Reply
	blocks  map[uint64]*knownBlock // recent blocks the members executed, by height
	top     uint64                 // highest of them
}

// pathForgeryBlocks bounds the attack: recent blocks kept and tried per transaction. A transaction the client
// stopped resending stays a target for three of its resend periods (Config.ClientResendTicks).
const pathForgeryBlocks = 32

type proofTarget struct {
	tx   *chain.Tx // its Client field says whose
	hash [32]byte
	seen uint64 // tick the coalition last received it: a client resends what is pending periodically
}

// knownBlock is a real block: its header, its first result's path, and its execution certificate if a colluder
// holds one (else the colluders' own shares, short of the quorum).
type knownBlock struct {
	hdr     chain.Header
	count   uint32
	path    [][32]byte // the first result's
	signers consensus.ReplicaSet
	sig     []byte // nil until needed
}

func newProofAttack() *proofAttack {
	return &proofAttack{targets: map[[32]byte]*proofTarget{}, quorum: map[forgeryKey]*wire.Reply{},
		blocks: map[uint64]*knownBlock{}}
}

// onMemberBlock takes a block a member executed.
func (co *Coalition) onMemberBlock(b *chain.Block, results []chain.Result) {
	pa := co.proofs
	h := b.Header.Height
	if pa.blocks[h] != nil || h+pathForgeryBlocks <= pa.top {
		return
	}
	leaves := make([][32]byte, len(results))
	for i := range results {
		leaves[i] = chain.ResultLeaf(&results[i])
	}
	kb := &knownBlock{hdr: b.Header, count: uint32(len(leaves)), path: chain.MerkleProof(leaves, 0)}
	pa.blocks[h] = kb
	pa.top = max(pa.top, h)
	for k := range pa.blocks {
		if k+pathForgeryBlocks <= pa.top {
			delete(pa.blocks, k)
		}
	}
}

// execCert is the colluders' own execution certificate over (height, hash): f shares.
func (co *Coalition) execCert(height uint64, hash [32]byte) (consensus.ReplicaSet, []byte) {
	msg := wire.ExecSigningBytes(co.cfg.ChainID, height, hash)
	var signers consensus.ReplicaSet
	var sigs []bls.Signature
	for _, m := range co.members {
		signers.Add(m)
		sigs = append(sigs, co.keys[m].Share.Sign(msg))
	}
	return signers, bls.Aggregate(sigs).Bytes()
}

// onSubmit takes a transaction a client sent to member a (which replies to it through client), after the
// member's driver took it.
func (co *Coalition) onSubmit(a *Adversary, client replica.Waiter, tx *chain.Tx, h [32]byte) {
	pa := co.proofs
	t := pa.targets[h]
	if t == nil {
		t = &proofTarget{tx: tx, hash: h}
		pa.targets[h] = t
	}
	now := co.net.Now()
	t.seen = now
	for k, old := range pa.targets {
		if now-old.seen > 3*co.cfg.ClientResendTicks {
			delete(pa.targets, k)
			delete(pa.quorum, forgeryKey{k, false})
			delete(pa.quorum, forgeryKey{k, true})
		}
	}
	co.deliverForged(client, co.forgeQuorum(a, t, false))
	co.deliverForged(client, co.forgeQuorum(a, t, true))
	co.deliverForged(client, forgeVote(a.id, t))
	if a.id != co.members[0] {
		return // one colluder tries the real blocks
	}
	for height := pa.top; height > 0 && height+pathForgeryBlocks > pa.top; height-- {
		if kb := pa.blocks[height]; kb != nil {
			co.deliverForged(client, co.forgePath(a.id, kb, t))
		}
	}
}

// answer is what member a tells a client (by its key; client takes a's replies to it) instead of its driver's
// reply r.
func (co *Coalition) answer(a *Adversary, client replica.Waiter, key [32]byte, r *wire.Reply) {
	switch r.Status {
	case wire.StatusCommitted:
		return // withheld: the client must hear f+1 correct replicas, or a proof
	case wire.StatusProven:
		client.Deliver(r)
		p, err := wire.DecodeExecProof(r.Proof)
		if err != nil {
			return
		}
		hdr, err := chain.UnmarshalHeader(p.Header)
		kb := co.proofs.blocks[hdr.Height]
		if err != nil || kb == nil || kb.hdr != hdr {
			return
		}
		kb.signers, kb.sig = p.Signers, p.Sig
		for _, t := range co.targetsOf(key) {
			if t.hash != r.TxHash {
				co.deliverForged(client, co.forgePath(a.id, kb, t))
			}
		}
	default:
		client.Deliver(r)
	}
}

// deliverForged gives a client a forged reply, and a forged proven reply also as a BlockReply (the answer a
// client takes a block's results from) that names the colluder the primary, so the client's next transactions
// come to it.
func (co *Coalition) deliverForged(client replica.Waiter, r *wire.Reply) {
	co.forged.Proofs++
	client.Deliver(r)
	if br := asBlockReply(r); br != nil {
		co.forged.Proofs++
		client.DeliverBlock(br)
	}
}

// asBlockReply is a proven reply as the BlockReply that carries it alone (nil for a plain reply).
func asBlockReply(r *wire.Reply) *wire.BlockReply {
	p, err := wire.DecodeExecProof(r.Proof)
	if r.Status != wire.StatusProven || err != nil {
		return nil
	}
	return &wire.BlockReply{Replica: r.Replica, Primary: r.Replica, Header: p.Header, Signers: p.Signers, Sig: p.Sig,
		Count: p.Count, Entries: []wire.BlockReplyEntry{{Index: p.Index, Result: r.Result, Siblings: p.Siblings}}}
}

// targetsOf lists the transactions of the client with this key that the coalition holds, in nonce order.
func (co *Coalition) targetsOf(key [32]byte) []*proofTarget {
	var out []*proofTarget
	for _, t := range co.proofs.targets {
		if t.tx.Client == key {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *proofTarget) int { return cmp.Compare(a.tx.Nonce, b.tx.Nonce) })
	return out
}

// lie is a result for tx that no execution gives: every version in it is one the key never had.
func lie(tx *chain.Tx, h [32]byte, height, seq uint64) *chain.Result {
	res := &chain.Result{TxHash: h, Height: height, Seq: seq, Version: 1<<40 + tx.Nonce}
	switch tx.Op {
	case chain.OpGet:
		res.Found, res.Value = true, []byte("forged by the coalition")
	case chain.OpCAS:
		// reported applied
	default:
		res.Code = chain.CodeConditionFailed // a put reported failed
	}
	return res
}

// forgeryKey names a quorum forgery: the transaction, and whether its signers reach beyond n.
type forgeryKey struct {
	tx   [32]byte
	wide bool
}

// forgeQuorum is a proven reply for t on a made-up block whose only result is the lie, certified by the f
// colluders alone, and if wide with f+1 more signers beyond n, as many of them as a set holds (made once per
// transaction: resends get the same forgery).
func (co *Coalition) forgeQuorum(a *Adversary, t *proofTarget, wide bool) *wire.Reply {
	key := forgeryKey{t.hash, wide}
	if r := co.proofs.quorum[key]; r != nil {
		return r
	}
	last := a.node.LastHeader()
	res := lie(t.tx, t.hash, last.Height+1, last.Seq+1)
	hdr := chain.Header{Height: last.Height + 1, Seq: last.Seq + 1, Parent: last.Hash(),
		TxRoot:      chain.TxRoot([][]byte{t.tx.Marshal()}),
		StateRoot:   sha256.Sum256(binary.BigEndian.AppendUint64([]byte("forged state"), t.tx.Nonce)),
		ResultsRoot: chain.MerkleRoot([][32]byte{chain.ResultLeaf(res)})}
	signers, sig := co.execCert(hdr.Height, hdr.Hash())
	if wide { // at n = ReplicasMax none fit, and the forgery is the narrow one
		for id := co.cfg.N; id < min(co.cfg.N+co.cfg.F+1, consensus.ReplicasMax); id++ {
			signers.Add(uint32(id))
		}
	}
	p := wire.ExecProof{Header: hdr.Marshal(), Signers: signers, Sig: sig, Index: 0, Count: 1}
	r := &wire.Reply{TxHash: t.hash, Replica: a.id, Status: wire.StatusProven, Result: res.Marshal(), Proof: p.Encode()}
	co.proofs.quorum[key] = r
	return r
}

// forgeVote is member's plain committed reply for t with the lie; every colluder sends the same bytes (the
// height and sequence number are made up from the nonce, not read from a member's state).
func forgeVote(member uint32, t *proofTarget) *wire.Reply {
	res := lie(t.tx, t.hash, 1<<40+t.tx.Nonce, 1<<40+t.tx.Nonce)
	return &wire.Reply{TxHash: t.hash, Replica: member, Status: wire.StatusCommitted, Result: res.Marshal()}
}

// forgePath is a proven reply for t at real block kb, with the lie in place of the block's first result and
// that result's path.
func (co *Coalition) forgePath(member uint32, kb *knownBlock, t *proofTarget) *wire.Reply {
	if kb.sig == nil {
		kb.signers, kb.sig = co.execCert(kb.hdr.Height, kb.hdr.Hash())
	}
	res := lie(t.tx, t.hash, kb.hdr.Height, kb.hdr.Seq)
	p := wire.ExecProof{Header: kb.hdr.Marshal(), Signers: kb.signers, Sig: kb.sig, Index: 0,
		Count: kb.count, Siblings: kb.path}
	return &wire.Reply{TxHash: t.hash, Replica: member, Status: wire.StatusProven, Result: res.Marshal(), Proof: p.Encode()}
}
