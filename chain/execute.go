package chain

import (
	"crypto/sha256"
	"fmt"
)

// overlay holds writes not in the store yet: one block's (so later transactions of the block read them), or
// the app's unflushed blocks'.
type overlay struct {
	a      *App
	kv     map[[32]byte]*kvEntry // nil entry: deleted
	nonces map[[32]byte]*nonceState
	prev   map[[32]byte]*kvEntry // a block's overlay: the entries before the block of the keys it wrote
}

func newOverlay(a *App) *overlay {
	return &overlay{a: a, kv: map[[32]byte]*kvEntry{}, nonces: map[[32]byte]*nonceState{}, prev: map[[32]byte]*kvEntry{}}
}

// mergeInto copies o's writes into dst (later writes win).
func (o *overlay) mergeInto(dst *overlay) {
	for k, e := range o.kv {
		dst.kv[k] = e
	}
	for k, s := range o.nonces {
		dst.nonces[k] = s
	}
}

func (o *overlay) kvGet(sk [32]byte) (*kvEntry, error) {
	if e, ok := o.kv[sk]; ok {
		return e, nil
	}
	return o.a.readKV(sk)
}

// nonce returns the client's nonce state as of this point of the block; the caller stores it back in o.nonces
// only when it accepts a nonce, so a refused transaction writes nothing.
func (o *overlay) nonce(client [32]byte) (*nonceState, error) {
	if s, ok := o.nonces[client]; ok {
		return s, nil
	}
	return o.a.readNonce(client)
}

// Execute runs a committed batch deterministically as block LastHeader().Height+1 and stages into b the block,
// the state changes and the new last header. It updates the in-memory state at once: the caller commits b
// (synced) right after and must treat a failed commit as fatal. verified reports transactions whose client
// signature was already checked; the others are batch-verified here.
func (a *App) Execute(b Batch, seq uint64, txs [][]byte, verified func([32]byte) bool) (*Block, []Result, error) {
	return a.ExecuteHashed(b, seq, txs, TxHashes(txs), verified)
}

// ExecuteHashed is Execute for a caller that has the transactions' hashes already (hashes[i] = TxHash(txs[i]),
// as consensus's request digests are): each transaction is hashed once per replica, not for its result, its
// verified lookup and its TxRoot leaf again. One hash per block, chosen by seq, is checked: a caller that
// pairs the wrong hashes (misaligned, another batch's) stops here rather than commit a block with wrong
// results.
func (a *App) ExecuteHashed(b Batch, seq uint64, txs [][]byte, hashes [][32]byte, verified func([32]byte) bool) (*Block, []Result, error) {
	assert(seq > a.last.Seq || a.last.Height == 0, "execute seq %d after %d", seq, a.last.Seq)
	assertHashes(seq, txs, hashes)
	height := a.last.Height + 1
	decoded, sigOK := a.decodeAndVerify(txs, hashes, verified)
	o := newOverlay(a)
	results := make([]Result, len(txs))
	for i := range txs {
		r := &results[i]
		*r = Result{TxHash: hashes[i], Height: height, Seq: seq}
		tx := decoded[i]
		switch {
		case tx == nil:
			r.Code = CodeMalformed
			continue
		case !sigOK[i]:
			r.Code = CodeBadSignature
			continue
		}
		ns, err := o.nonce(tx.Client)
		if err != nil {
			return nil, nil, err
		}
		if !ns.accepts(tx.Nonce) {
			r.Code = CodeReplayedNonce
			if ns.stale(tx.Nonce) {
				r.Code = CodeStaleNonce
			}
			continue
		}
		ns.accept(tx.Nonce)
		o.nonces[tx.Client] = ns
		if err := o.apply(tx, r); err != nil {
			return nil, nil, err
		}
	}
	root := a.stage(b, o)
	o.mergeInto(a.unflushed)
	leaves := make([][32]byte, len(results))
	for i := range results {
		leaves[i] = ResultLeaf(&results[i])
	}
	blk := &Block{Header: Header{Height: height, Seq: seq, Parent: a.parentHash(),
		TxRoot: TxRootOf(hashes), StateRoot: root, ResultsRoot: MerkleRoot(leaves)}, Txs: txs}
	b.Set(BlockKey(height), blk.Marshal())
	b.Set(metaLastHeader, blk.Header.Marshal())
	assert(blk.Header.Height == a.last.Height+1, "height %d after %d", blk.Header.Height, a.last.Height)
	a.last = blk.Header
	a.keepVersion(blk.Header, o.prev)
	return blk, results, nil
}

// assertHashes checks that hashes pairs with txs: as many, and one of them, chosen by seq, the transaction's
// hash (one hash a block: checking them all would cost what ExecuteHashed saves).
func assertHashes(seq uint64, txs [][]byte, hashes [][32]byte) {
	assert(len(hashes) == len(txs), "seq %d: %d hashes for %d transactions", seq, len(hashes), len(txs))
	if len(txs) > 0 {
		k := int(seq % uint64(len(txs)))
		assert(TxHash(txs[k]) == hashes[k], "seq %d: hash of transaction %d is not %x", seq, k, hashes[k][:4])
	}
}

func (a *App) parentHash() [32]byte {
	if a.last.Height == 0 {
		return [32]byte{}
	}
	return a.last.Hash()
}

// decodeAndVerify decodes every transaction and checks the signatures of those not verified before (looked up
// by hashes[i]), in one batch verification.
func (a *App) decodeAndVerify(txs [][]byte, hashes [][32]byte, verified func([32]byte) bool) ([]*Tx, []bool) {
	decoded := make([]*Tx, len(txs))
	ok := make([]bool, len(txs))
	var pending []*Tx
	var idx []int
	for i, raw := range txs {
		tx, err := UnmarshalTx(raw)
		if err != nil {
			continue
		}
		decoded[i] = tx
		if verified != nil && verified(hashes[i]) {
			ok[i] = true
			continue
		}
		pending = append(pending, tx)
		idx = append(idx, i)
	}
	for j, err := range VerifyTxs(a.chainID, pending) {
		ok[idx[j]] = err == nil
	}
	return decoded, ok
}

// apply runs one transaction's operation (nonce already consumed) and fills its result.
func (o *overlay) apply(tx *Tx, r *Result) error {
	sk := KVSMTKey(tx.Key)
	cur, err := o.kvGet(sk)
	if err != nil {
		return err
	}
	var curVersion uint64
	if cur != nil {
		curVersion = cur.Version
	}
	if _, written := o.kv[sk]; !written && tx.Op != OpGet {
		o.prev[sk] = cur // the entry before this block, for reads at earlier heights (versions.go)
	}
	switch tx.Op {
	case OpGet:
		r.Version, r.Found = curVersion, cur != nil
		if cur != nil {
			r.Value = cur.Value
		}
	case OpPut:
		o.kv[sk] = &kvEntry{Key: tx.Key, Version: curVersion + 1, Value: tx.Value}
		r.Version = curVersion + 1
	case OpCAS:
		if curVersion != tx.Version {
			r.Code, r.Version = CodeConditionFailed, curVersion
			return nil
		}
		o.kv[sk] = &kvEntry{Key: tx.Key, Version: curVersion + 1, Value: tx.Value}
		r.Version = curVersion + 1
	case OpDelete:
		if cur != nil {
			o.kv[sk] = nil
		}
		r.Version = 0
	default:
		return fmt.Errorf("unknown op %d passed decoding", tx.Op)
	}
	return nil
}

// stage writes the overlay into b and the tree, and returns the new state root.
func (a *App) stage(b Batch, o *overlay) [32]byte {
	for sk, e := range o.kv {
		if e == nil {
			b.Delete(KVKey(sk))
			a.tree.Delete(sk)
			continue
		}
		b.Set(KVKey(sk), e.encode())
		a.tree.Set(sk, e.valueHash())
	}
	for client, s := range o.nonces {
		enc := s.marshal()
		b.Set(NonceKey(client), enc)
		a.tree.Set(nonceSMTKey(client), sha256.Sum256(enc))
	}
	return a.tree.Commit()
}
