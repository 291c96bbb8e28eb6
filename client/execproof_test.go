package client

import (
	"crypto/sha256"
	"testing"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// proofFixture is a block of three results at height 5 of a network of n=4 (f=1) and proven replies for it.
type proofFixture struct {
	keys    []*bls.SecretKey
	pubs    []bls.PublicKey
	results []chain.Result
	leaves  [][32]byte
	header  chain.Header
}

func newProofFixture(t *testing.T) *proofFixture {
	t.Helper()
	fx := &proofFixture{}
	for i := 0; i < 4; i++ {
		seed := sha256.Sum256([]byte{byte(i)})
		k, err := bls.KeyFromSeed(seed[:])
		if err != nil {
			t.Fatal(err)
		}
		fx.keys, fx.pubs = append(fx.keys, k), append(fx.pubs, k.PublicKey())
	}
	for i := 0; i < 3; i++ {
		r := chain.Result{TxHash: sha256.Sum256([]byte{'t', byte(i)}), Version: uint64(i + 1), Height: 5, Seq: 7}
		fx.results = append(fx.results, r)
		fx.leaves = append(fx.leaves, chain.ResultLeaf(&r))
	}
	fx.header = chain.Header{Height: 5, Seq: 7, ResultsRoot: chain.MerkleRoot(fx.leaves)}
	return fx
}

// cert is the block's execution certificate by the replicas in signers: signer set and aggregate signature.
func (fx *proofFixture) cert(signers []int) (consensus.ReplicaSet, []byte) {
	var set consensus.ReplicaSet
	var sigs []bls.Signature
	msg := wire.ExecSigningBytes("c", fx.header.Height, fx.header.Hash())
	for _, s := range signers {
		set.Add(uint32(s))
		sigs = append(sigs, fx.keys[s].Sign(msg))
	}
	return set, bls.Aggregate(sigs).Bytes()
}

// reply is the proven reply for result i, certified by the replicas in signers, with result res in its place.
func (fx *proofFixture) reply(i int, signers []int, res *chain.Result) *wire.Reply {
	set, sig := fx.cert(signers)
	p := wire.ExecProof{Header: fx.header.Marshal(), Signers: set, Sig: sig, Index: uint32(i),
		Count: uint32(len(fx.leaves)), Siblings: chain.MerkleProof(fx.leaves, i)}
	return &wire.Reply{TxHash: res.TxHash, Status: wire.StatusProven, Result: res.Marshal(), Proof: p.Encode()}
}

func TestProofVerifier(t *testing.T) {
	fx := newProofFixture(t)
	v := NewProofVerifier("c", 1, fx.pubs)
	if _, err := v.Verify(fx.results[0].TxHash, fx.reply(0, []int{2}, &fx.results[0])); err == nil {
		t.Fatal("accepted an execution certificate of f signers")
	}
	if _, err := v.Verify(fx.results[1].TxHash, fx.reply(0, []int{0, 2}, &fx.results[0])); err == nil {
		t.Fatal("accepted a proof of another transaction")
	}
	res, err := v.Verify(fx.results[0].TxHash, fx.reply(0, []int{0, 2}, &fx.results[0]))
	if err != nil || res.Version != 1 {
		t.Fatalf("valid proof: %v %v", res, err)
	}
	// The block is proven now: its other results still need their own path, and no longer a quorum (a proof
	// always carries a certificate: here one of f signers).
	lie := fx.results[1]
	lie.Version = 99
	if _, err := v.Verify(lie.TxHash, fx.reply(0, []int{2}, &lie)); err == nil {
		t.Fatal("accepted a result of a proven block without a valid path")
	}
	if res, err := v.Verify(fx.results[2].TxHash, fx.reply(2, []int{2}, &fx.results[2])); err != nil || res.Version != 3 {
		t.Fatalf("result of a proven block with its path: %v %v", res, err)
	}
	// Another block at the same height is not proven by the first one's certificate.
	other := *fx
	other.header.StateRoot[0] = 1
	if _, err := v.Verify(fx.results[2].TxHash, other.reply(2, []int{2}, &fx.results[2])); err == nil {
		t.Fatal("accepted another block at a proven height without a certificate")
	}
	if _, err := v.Verify(fx.results[2].TxHash, other.reply(2, []int{1, 3}, &fx.results[2])); err != nil {
		t.Fatalf("certified block at the same height: %v", err)
	}
}

// blockReply is the block reply carrying results idx, certified by signers.
func (fx *proofFixture) blockReply(idx []int, signers []int) *wire.BlockReply {
	set, sig := fx.cert(signers)
	br := &wire.BlockReply{Replica: 1, Primary: 2, Header: fx.header.Marshal(), Signers: set, Sig: sig,
		Count: uint32(len(fx.leaves))}
	for _, i := range idx {
		br.Entries = append(br.Entries, wire.BlockReplyEntry{Index: uint32(i), Result: fx.results[i].Marshal(),
			Siblings: chain.MerkleProof(fx.leaves, i)})
	}
	return br
}

// A block reply proves each of its results on its own path under one certificate: the good ones are taken, a
// result out of its place or with a forged value is not, too few signers prove nothing, and only the results a
// client waits for are checked.
func TestVerifyBlockReply(t *testing.T) {
	fx := newProofFixture(t)
	v := NewProofVerifier("c", 1, fx.pubs)
	if res, err := v.VerifyBlockReply(fx.blockReply([]int{0, 2}, []int{3}), nil); err == nil || len(res) != 0 {
		t.Fatalf("accepted %d results under a certificate of f signers (%v)", len(res), err)
	}
	res, err := v.VerifyBlockReply(fx.blockReply([]int{0, 2}, []int{1, 3}), nil)
	if err != nil || len(res) != 2 || res[0].TxHash != fx.results[0].TxHash || res[1].TxHash != fx.results[2].TxHash {
		t.Fatalf("got %d results, %v; want results 0 and 2", len(res), err)
	}
	br := fx.blockReply([]int{0, 1}, []int{1, 3})
	br.Entries[1].Index = 2 // result 1 claimed at another place
	forged := fx.results[0]
	forged.Version = 99
	br.Entries[0].Result = forged.Marshal()
	if res, err := v.VerifyBlockReply(br, nil); err == nil || len(res) != 0 {
		t.Fatalf("accepted %d results out of place or forged", len(res))
	}
	only2 := func(h [32]byte) bool { return h == fx.results[2].TxHash }
	if res, err := v.VerifyBlockReply(fx.blockReply([]int{0, 1, 2}, []int{0, 1}), only2); err != nil || len(res) != 1 || res[0].TxHash != fx.results[2].TxHash {
		t.Fatalf("with a filter: %d results, %v; want result 2 only", len(res), err)
	}
	if res, err := v.VerifyBlockReply(fx.blockReply([]int{0}, []int{1, 3}), func([32]byte) bool { return false }); res != nil || err != nil {
		t.Fatal("checked a block reply nobody waits for")
	}
}
