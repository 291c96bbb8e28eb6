package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestBlocksFramesRoundTrip(t *testing.T) {
	q := BlocksRequest{From: 5, To: 5 + BlocksChunkMax - 1}
	got, err := UnmarshalBlocksRequest(q.Marshal())
	if err != nil || got != q {
		t.Fatalf("request round trip: %+v, %v", got, err)
	}
	for _, bad := range []BlocksRequest{{From: 0, To: 1}, {From: 3, To: 2}, {From: 1, To: BlocksChunkMax + 1}} {
		if _, err := UnmarshalBlocksRequest(bad.Marshal()); !errors.Is(err, ErrMalformedBlocks) {
			t.Errorf("request %+v: %v", bad, err)
		}
	}
	ans := AppendBlocksAnswerCount(nil, 2)
	ans = AppendBlockWithCert(ans, []byte("block one"), nil)
	ans = AppendBlockWithCert(ans, []byte("block two"), []byte("cert"))
	entries, err := UnmarshalBlocksAnswer(ans)
	if err != nil || len(entries) != 2 || !bytes.Equal(entries[1].Block, []byte("block two")) ||
		!bytes.Equal(entries[1].Cert, []byte("cert")) || entries[0].Cert != nil {
		t.Fatalf("answer round trip: %+v, %v", entries, err)
	}
	for _, bad := range [][]byte{nil, ans[:len(ans)-1], append(append([]byte(nil), ans...), 0),
		AppendBlocksAnswerCount(nil, BlocksChunkMax+1)} {
		if _, err := UnmarshalBlocksAnswer(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("answer of %d bytes: %v", len(bad), err)
		}
	}
}

func FuzzUnmarshalBlocksAnswer(f *testing.F) {
	f.Add(AppendBlockWithCert(AppendBlocksAnswerCount(nil, 1), []byte("b"), []byte("c")))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := UnmarshalBlocksAnswer(b)
		if err != nil {
			return
		}
		out := AppendBlocksAnswerCount(nil, len(entries))
		for _, e := range entries {
			out = AppendBlockWithCert(out, e.Block, e.Cert)
		}
		if !bytes.Equal(out, b) {
			t.Fatal("decode/encode is not the identity")
		}
	})
}

func TestSubscriptionRequest(t *testing.T) {
	if from, err := DecodeSubscribe(EncodeSubscribe(42)); err != nil || from != 42 {
		t.Fatalf("subscribe: %d %v", from, err)
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, append(EncodeSubscribe(1), 0)} {
		if _, err := DecodeSubscribe(bad); err == nil {
			t.Errorf("%x decoded", bad)
		}
	}
}

func FuzzDecodeSubscribed(f *testing.F) {
	f.Add(EncodeSubscribedBlock(3, []byte("b"), []byte("c")))
	f.Add(EncodeSubscribedExecCert(&ExecCert{Height: 1, Sig: []byte{1}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSubscribed(b)
		if err != nil {
			return
		}
		var again []byte
		if s.Kind == SubscribedBlock {
			again = EncodeSubscribedBlock(s.Top, s.Block.Block, s.Block.Cert)
		} else {
			again = EncodeSubscribedExecCert(s.Exec)
		}
		if !bytes.Equal(again, b) {
			t.Fatal("accepted frame does not re-encode identically")
		}
	})
}

// An answer kept as parts is, joined, the answer AppendBlockWithCert builds.
func TestBlocksAnswerPartsAreTheAnswer(t *testing.T) {
	whole := AppendBlockWithCert(AppendBlockWithCert(AppendBlocksAnswerCount(nil, 2), []byte("block one"), nil), []byte("block two"), []byte("cert"))
	parts := [][]byte{AppendBlocksAnswerCount(nil, 2)}
	parts = AppendBlockWithCertParts(AppendBlockWithCertParts(parts, []byte("block one"), nil), []byte("block two"), []byte("cert"))
	if joined := bytes.Join(parts, nil); !bytes.Equal(joined, whole) {
		t.Fatalf("parts %x, answer %x", joined, whole)
	}
}
