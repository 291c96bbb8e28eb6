package client

import (
	"bytes"
	"testing"
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
