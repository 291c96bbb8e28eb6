package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/chain/smt"
	"github.com/sbftnet/sbft/consensus"
)

func TestCertifiedFramesRoundTrip(t *testing.T) {
	ec := &ExecCert{Height: 7, BlockHash: [32]byte{1, 2}, Signers: consensus.ReplicaSetOf(0, 1, 3, 64), Sig: bytes.Repeat([]byte{9}, 96)}
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
		Exec: ExecCert{Height: 7, BlockHash: hdr.Hash(), Signers: consensus.ReplicaSetOf(0, 1), Sig: []byte{1, 2, 3}}}
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
	f.Add((&ProvenRead{KV: chain.KVProof{Key: []byte("k"), Header: hdr},
		Exec: ExecCert{Signers: consensus.ReplicaSetOf(0, 100), Sig: []byte{1}}}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := UnmarshalProvenRead(b); err == nil && !bytes.Equal(p.Marshal(), b) {
			t.Fatalf("accepted bytes do not re-encode identically")
		}
	})
}

// TestReadJSONSigners: exec_signers is a JSON array of replica indices, and the form back is the same set; a
// list a bitmap could not carry (empty, unsorted, repeated, beyond ReplicasMax) is refused.
func TestReadJSONSigners(t *testing.T) {
	hdr := chain.Header{Height: 7, Seq: 7}
	pr := &ProvenRead{KV: chain.KVProof{Key: []byte("k"), Header: hdr},
		Exec: ExecCert{Height: 7, BlockHash: hdr.Hash(), Signers: consensus.ReplicaSetOf(0, 3, 64, 255), Sig: []byte{1}}}
	raw, err := json.Marshal(NewReadJSON(pr))
	if err != nil || !bytes.Contains(raw, []byte(`"exec_signers":[0,3,64,255]`)) {
		t.Fatalf("%s: %v", raw, err)
	}
	var j ReadJSON
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	if back, err := j.ProvenRead(); err != nil || back.Exec.Signers != pr.Exec.Signers {
		t.Fatalf("back: %v, %v", back, err)
	}
	for _, bad := range [][]uint32{nil, {3, 0}, {1, 1}, {0, consensus.ReplicasMax}} {
		j.ExecSigners = bad
		if _, err := j.ProvenRead(); err == nil {
			t.Errorf("exec_signers %v accepted", bad)
		}
	}
}
