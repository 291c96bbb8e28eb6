package wire

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/chain/smt"
)

func TestCertifiedFramesRoundTrip(t *testing.T) {
	ec := &ExecCert{Height: 7, BlockHash: [32]byte{1, 2}, Signers: 0b1011, Sig: bytes.Repeat([]byte{9}, 96)}
	got, err := UnmarshalExecCert(ec.Marshal())
	if err != nil || !reflect.DeepEqual(got, ec) {
		t.Fatalf("exec cert: %+v %v", got, err)
	}
	s, err := DecodeSubscribed(EncodeSubscribedExecCert(ec))
	if err != nil || s.Kind != SubscribedExecCert || !reflect.DeepEqual(s.Exec, ec) {
		t.Fatalf("pushed exec cert: %+v %v", s, err)
	}
	s, err = DecodeSubscribed(EncodeSubscribedBlock(12, []byte("block"), []byte("cert")))
	if err != nil || s.Kind != SubscribedBlock || s.Top != 12 || string(s.Block.Block) != "block" || string(s.Block.Cert) != "cert" {
		t.Fatalf("pushed block: %+v %v", s, err)
	}
	hdr := chain.Header{Height: 7, Seq: 7, StateRoot: [32]byte{5}}
	pr := &ProvenRead{KV: chain.KVProof{Key: []byte("k"), Found: true, Version: 3, Value: []byte("v"), Header: hdr,
		Proof: smt.Proof{Siblings: []smt.Hash{{4}}, HasLeaf: true, LeafKey: smt.Hash{6}, LeafValue: smt.Hash{7}}},
		Exec: ExecCert{Height: 7, BlockHash: hdr.Hash(), Signers: 3, Sig: []byte{1, 2, 3}}}
	back, err := UnmarshalProvenRead(pr.Marshal())
	if err != nil || !reflect.DeepEqual(back, pr) {
		t.Fatalf("proven read: %+v %v", back, err)
	}
	// Every truncation is refused, never a panic.
	enc := pr.Marshal()
	for n := 0; n < len(enc); n++ {
		if _, err := UnmarshalProvenRead(enc[:n]); err == nil {
			t.Fatalf("truncated read answer of %d bytes accepted", n)
		}
	}
	for _, frame := range [][]byte{nil, {3}, {SubscribedBlock, 0}, append(EncodeSubscribedExecCert(ec), 0)} {
		if _, err := DecodeSubscribed(frame); err == nil {
			t.Fatalf("bad subscription frame %x accepted", frame)
		}
	}
}

func FuzzUnmarshalProvenRead(f *testing.F) {
	hdr := chain.Header{Height: 1}
	f.Add((&ProvenRead{KV: chain.KVProof{Key: []byte("k"), Header: hdr}}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := UnmarshalProvenRead(b); err == nil && !bytes.Equal(p.Marshal(), b) {
			t.Fatalf("accepted bytes do not re-encode identically")
		}
	})
}
