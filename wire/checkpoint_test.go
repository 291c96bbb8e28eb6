package wire

import (
	"bytes"
	"testing"

	"github.com/sbftnet/sbft/consensus"
)

func TestCheckpointAnnouncementRoundTrip(t *testing.T) {
	a := &CheckpointAnnouncement{Replica: 3, Seq: 300, Height: 300, BlockHash: [32]byte{1}, StateRoot: [32]byte{2},
		Share: bytes.Repeat([]byte{7}, 96), Sig: bytes.Repeat([]byte{9}, 64)}
	b, err := UnmarshalCheckpointAnnouncement(a.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Marshal(), a.Marshal()) {
		t.Fatalf("round trip changed the announcement: %+v", b)
	}
	for _, bad := range [][]byte{nil, {1}, a.Marshal()[:90], append(a.Marshal(), 0)} {
		if _, err := UnmarshalCheckpointAnnouncement(bad); err == nil {
			t.Fatalf("accepted %d malformed bytes", len(bad))
		}
	}
	p := &StableCheckpointProof{Seq: 150, Height: 150, BlockHash: [32]byte{3}, Signers: consensus.ReplicaSetOf(0, 1, 2), Sig: make([]byte, 96)}
	q, err := UnmarshalStableCheckpointProof(p.Marshal())
	if err != nil || !bytes.Equal(q.Marshal(), p.Marshal()) {
		t.Fatalf("proof round trip: %v", err)
	}
}

func FuzzUnmarshalCheckpointAnnouncement(f *testing.F) {
	f.Add((&CheckpointAnnouncement{Seq: 150, Share: make([]byte, 96), Sig: make([]byte, 64)}).Marshal())
	f.Add((&StableCheckpointProof{Seq: 150, Signers: consensus.ReplicaSetOf(0, 70, 130), Sig: make([]byte, 96)}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		if a, err := UnmarshalCheckpointAnnouncement(b); err == nil && !bytes.Equal(a.Marshal(), b) {
			t.Fatal("decode/encode is not the identity")
		}
		if p, err := UnmarshalStableCheckpointProof(b); err == nil && !bytes.Equal(p.Marshal(), b) {
			t.Fatal("a stable checkpoint proof's decode/encode is not the identity")
		}
	})
}
