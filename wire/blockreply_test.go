package wire

import (
	"bytes"
	"slices"
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

func testBlockReply(entries int, resultBytes int) *BlockReply {
	b := &BlockReply{Replica: 2, Primary: 1, Header: bytes.Repeat([]byte{7}, chain.HeaderBytes), Signers: consensus.ReplicaSetOf(0, 1, 3, 200),
		Sig: bytes.Repeat([]byte{9}, 96), Count: uint32(entries)}
	for i := range entries {
		b.Entries = append(b.Entries, BlockReplyEntry{Index: uint32(i), Result: bytes.Repeat([]byte{byte(i)}, resultBytes),
			Siblings: [][32]byte{{byte(i)}, {2}}})
	}
	return b
}

func TestBlockReplyRoundTrip(t *testing.T) {
	b := testBlockReply(3, 60)
	frames := b.Encode()
	if len(frames) != 1 || !IsBlockReply(frames[0]) {
		t.Fatalf("%d frames", len(frames))
	}
	got, err := DecodeBlockReply(frames[0])
	if err != nil {
		t.Fatal(err)
	}
	if again := got.Encode(); len(again) != 1 || !bytes.Equal(again[0], frames[0]) {
		t.Fatal("round trip changed the frame")
	}
	if got.Primary != 1 || got.Replica != 2 || len(got.Entries) != 3 || got.Entries[2].Index != 2 || got.Entries[2].Siblings[0][0] != 2 {
		t.Fatalf("decoded %+v", got)
	}
	r := got.Reply(1, [32]byte{5})
	p, err := DecodeExecProof(r.Proof)
	if err != nil || r.Status != StatusProven || p.Index != 1 || p.Count != 3 || !bytes.Equal(r.Result, b.Entries[1].Result) {
		t.Fatalf("entry as a reply: %+v %v", r, err)
	}
}

// TestBlockReplySplits: a session's results that do not fit one frame go in several, each complete and under
// the cap, with every entry exactly once; the largest single entry fits.
func TestBlockReplySplits(t *testing.T) {
	b := testBlockReply(40, chain.ResultBytesMax)
	frames := b.Encode()
	if len(frames) < 2 {
		t.Fatalf("%d entries of %d bytes in %d frame", len(b.Entries), chain.ResultBytesMax, len(frames))
	}
	var seen []uint32
	for _, f := range frames {
		if len(f) > BlockReplyFrameBytesMax {
			t.Fatalf("frame of %d bytes over %d", len(f), BlockReplyFrameBytesMax)
		}
		got, err := DecodeBlockReply(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got.Entries {
			seen = append(seen, e.Index)
		}
	}
	for i, idx := range seen {
		if idx != uint32(i) || len(seen) != len(b.Entries) {
			t.Fatalf("entries across frames: %v", seen)
		}
	}
	big := testBlockReply(1, chain.ResultBytesMax)
	big.Signers, big.Sig = allReplicas(), bytes.Repeat([]byte{1}, 0xff)
	big.Entries[0].Siblings = make([][32]byte, ExecProofSiblingsMax)
	if f := big.Encode(); len(f) != 1 || len(f[0]) > BlockReplyFrameBytesMax {
		t.Fatal("the largest entry does not fit one frame")
	}
	if len(testBlockReply(0, 0).Encode()) != 1 {
		t.Fatal("an empty block reply is not one frame")
	}
}

func TestBlockReplyRefusesBadFrames(t *testing.T) {
	b := testBlockReply(2, 10)
	f := b.Encode()[0]
	head := blockReplyFixedBytes + SignersBytes(b.Signers) + len(b.Sig) // through nEntries
	for name, bad := range map[string][]byte{
		"truncated":    f[:len(f)-1],
		"trailing":     append(append([]byte(nil), f...), 0),
		"other kind":   append([]byte{frameReply}, f[1:]...),
		"short":        f[:blockReplyFixedBytes-1],
		"many entries": append(append([]byte(nil), f[:head-2]...), 0xff, 0xff),
		"no signers":   slices.Concat(f[:1+4+4+chain.HeaderBytes], []byte{0}, f[1+4+4+chain.HeaderBytes+SignersBytes(b.Signers):]),
	} {
		if _, err := DecodeBlockReply(bad); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func FuzzDecodeBlockReply(f *testing.F) {
	f.Add(testBlockReply(2, 10).Encode()[0])
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeBlockReply(b)
		if err != nil {
			return
		}
		if again := r.Encode(); len(again) != 1 || !bytes.Equal(again[0], b) {
			t.Fatal("a decoded frame encodes differently")
		}
	})
}
