package wire

import (
	"bytes"
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

func TestReplyRoundTrip(t *testing.T) {
	for _, r := range []*Reply{
		{TxHash: [32]byte{1}, Replica: 3, Status: StatusCommitted, Result: []byte("result")},
		{TxHash: [32]byte{2}, Status: StatusRejected, Reject: RejectReplayedNonce, Message: "nonce 7 used"},
	} {
		got, err := DecodeReply(r.Encode())
		if err != nil || !bytes.Equal(got.Encode(), r.Encode()) {
			t.Fatalf("round trip: %v", err)
		}
	}
	if _, err := DecodeReply([]byte{frameReply, 1, 2}); err == nil {
		t.Fatal("a truncated reply decoded")
	}
	if _, err := DecodeSubmit([]byte{frameReply, 1}); err == nil {
		t.Fatal("a reply decoded as a submit")
	}
}

func FuzzDecodeReply(f *testing.F) {
	f.Add((&Reply{Status: StatusCommitted, Result: []byte("x")}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := DecodeReply(b); err == nil && len(r.Message) > ReplyMessageBytesMax {
			t.Fatal("message over its cap")
		}
		DecodeSubmit(b)
	})
}

func TestProvenReplyRoundTrip(t *testing.T) {
	p := ExecProof{Header: make([]byte, chain.HeaderBytes), Signers: consensus.ReplicaSetOf(0, 1), Sig: make([]byte, 96), Index: 3, Count: 5,
		Siblings: [][32]byte{{1}, {2}, {3}}}
	r := &Reply{TxHash: [32]byte{9}, Status: StatusProven, Result: []byte("result"), Proof: p.Encode()}
	got, err := DecodeReply(r.Encode())
	if err != nil || !bytes.Equal(got.Result, r.Result) || !bytes.Equal(got.Proof, r.Proof) {
		t.Fatalf("round trip: %v", err)
	}
	back, err := DecodeExecProof(got.Proof)
	if err != nil || back.Index != 3 || back.Count != 5 || len(back.Siblings) != 3 {
		t.Fatalf("proof round trip: %v", err)
	}
}

func FuzzDecodeExecProof(f *testing.F) {
	f.Add((&ExecProof{Header: make([]byte, chain.HeaderBytes), Signers: consensus.ReplicaSetOf(1, 250), Sig: make([]byte, 96)}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := DecodeExecProof(b); err == nil && !bytes.Equal(p.Encode(), b) {
			t.Fatal("a decoded proof encodes differently")
		}
	})
}
