package adversary

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

// A member primary's batch gets, first, a write in its first client's name that the client never signed (its
// signature does not verify), under a consistent digest, the same for every recipient, and the next batch replays
// the previous one's client transaction; a batch that holds a forgery already, or no client transaction, or
// another member's PrePrepare, is left as it is.
func TestForgedBatchCarriesAnUnsignedWriteOnce(t *testing.T) {
	seed := sha256.Sum256([]byte("member"))
	co := NewCoalition(&Config{ChainID: "test", N: 4, F: 1}, nil, []uint32{0}, false)
	co.keys[0] = Keys{Sign: ed25519.NewKeyFromSeed(seed[:])}
	ck := ed25519.NewKeyFromSeed(sha256.New().Sum(nil))
	tx := &chain.Tx{Nonce: 7, Op: chain.OpGet, Key: []byte("k")}
	copy(tx.Client[:], ck.Public().(ed25519.PublicKey))
	tx.Sign("test", ck)
	pp := &consensus.Message{Type: consensus.MsgPrePrepare, From: 0, View: 4, Seq: 1, Requests: [][]byte{tx.Marshal()}}

	forged, _, ok := co.forgeBatch(0, pp)
	if !ok || len(forged.Requests) != 2 || string(forged.Requests[1]) != string(pp.Requests[0]) ||
		forged.Digest != consensus.BatchDigest(consensus.RequestDigests(forged.Requests)) {
		t.Fatalf("forged batch %v (ok %v)", forged, ok)
	}
	f, err := chain.UnmarshalTx(forged.Requests[0])
	if err != nil || f.Client != tx.Client || f.Nonce != tx.Nonce || f.Op != chain.OpPut ||
		chain.VerifyTxs("test", []*chain.Tx{f})[0] == nil {
		t.Fatalf("forged transaction %+v (%v): want an unsigned put in the client's name", f, err)
	}
	again, _, _ := co.forgeBatch(0, pp)
	tx.Nonce++
	tx.Sign("test", ck)
	next, _, ok := co.forgeBatch(0, &consensus.Message{Type: consensus.MsgPrePrepare, From: 0, View: 4, Seq: 2, Requests: [][]byte{tx.Marshal()}})
	if again != forged || !ok || len(next.Requests) != 3 || string(next.Requests[2]) != string(pp.Requests[0]) {
		t.Fatalf("the same PrePrepare forged anew, or the next batch does not replay the previous one's transaction: %v", next)
	}
	for name, m := range map[string]*consensus.Message{
		"forged already":        forged,
		"no client transaction": {Type: consensus.MsgPrePrepare, From: 0, Requests: [][]byte{[]byte("junk")}},
		"another sender":        {Type: consensus.MsgPrePrepare, From: 2, Requests: pp.Requests},
	} {
		if _, _, ok := co.forgeBatch(0, m); ok {
			t.Errorf("%s: forged again", name)
		}
	}
}
