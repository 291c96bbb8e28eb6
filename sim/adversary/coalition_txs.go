package adversary

import (
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

// The coalition against client signatures. A member primary (after view 0) puts first in each batch it proposes a copy of the
// batch's first client transaction with the coalition's value (forgedValue), under the client's unchanged signature: a
// transaction no client signed. Correct replicas must execute it as refused (CodeBadSignature); taken as signed,
// it would write the coalition's value in the client's name and spend the client's nonce, so that the client's
// own transaction fails as a replay. It also puts last the first client transaction of the batch it proposed
// before (ordered already, most likely): a replay that the client's nonce must refuse.

// forgeBatch returns the member primary's PrePrepare m with the forged transaction first, signed by from; ok is
// false (m unchanged) when the batch holds no client transaction to copy or holds a forgery already (a batch
// proposed again in a later view).
func (co *Coalition) forgeBatch(from uint32, m *consensus.Message) (forged *consensus.Message, frame []byte, ok bool) {
	// Not in view 0: the forging primary's own driver never sees the batch it forged committed, and stalls
	// until a view change replaces it; the first primary's other attacks (equivocation, withholding) come first.
	if m.From != from || len(m.Requests) == 0 || m.View == 0 {
		return nil, nil, false
	}
	// Every recipient of one PrePrepare (the transport rewrites it once each) gets the same forgery.
	key := forgedKey{slotKey{m.View, m.Seq}, m.Digest}
	if last := co.lastForged; last != nil && last.key == key {
		return last.m, last.frame, true
	}
	tx, err := chain.UnmarshalTx(m.Requests[0])
	if err != nil || string(tx.Value) == forgedValue {
		return nil, nil, false
	}
	f := *tx
	f.Op, f.Value = chain.OpPut, []byte(forgedValue)
	fm := *m
	fm.Requests = append([][]byte{f.Marshal()}, slices.Clone(m.Requests)...)
	if co.replayTx != nil && !slices.ContainsFunc(m.Requests, func(r []byte) bool { return string(r) == string(co.replayTx) }) {
		fm.Requests = append(fm.Requests, co.replayTx)
	}
	co.replayTx = m.Requests[0]
	fm.ReqDigests = nil
	fm.Digest = consensus.BatchDigest(consensus.RequestDigests(fm.Requests))
	co.lastForged = &forgedBatch{key: key, m: &fm, frame: co.sign(from, &fm)}
	return &fm, co.lastForged.frame, true
}

// forgedKey names a PrePrepare a member primary sent: its slot and its batch.
type forgedKey struct {
	slot   slotKey
	digest [32]byte
}

// forgedBatch is the forgery made of the PrePrepare named key.
type forgedBatch struct {
	key   forgedKey
	m     *consensus.Message
	frame []byte
}
