package adversary

import (
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

// The coalition against client signatures. A member primary puts first in each batch it proposes a copy of the
// batch's first client transaction with the coalition's value (forgedValue), under the client's unchanged signature: a
// transaction no client signed. Correct replicas must execute it as refused (CodeBadSignature); taken as signed,
// it would write the coalition's value in the client's name and spend the client's nonce, so that the client's
// own transaction fails as a replay.

// forgeBatch returns the member primary's PrePrepare m with the forged transaction first, signed by from; ok is
// false (m unchanged) when the batch holds no client transaction to copy or holds a forgery already (a batch
// proposed again in a later view).
func (co *Coalition) forgeBatch(from uint32, m *consensus.Message) (forged *consensus.Message, frame []byte, ok bool) {
	if m.From != from || len(m.Requests) == 0 {
		return nil, nil, false
	}
	tx, err := chain.UnmarshalTx(m.Requests[0])
	if err != nil || string(tx.Value) == forgedValue {
		return nil, nil, false
	}
	f := *tx
	f.Op, f.Value = chain.OpPut, []byte(forgedValue)
	fm := *m
	fm.Requests = append([][]byte{f.Marshal()}, slices.Clone(m.Requests)...)
	fm.ReqDigests = nil
	fm.Digest = consensus.BatchDigest(consensus.RequestDigests(fm.Requests))
	return &fm, co.sign(from, &fm), true
}
