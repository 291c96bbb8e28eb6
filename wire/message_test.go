package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/sbftnet/sbft/consensus"
)

func sampleMessages() []*consensus.Message {
	return []*consensus.Message{
		{Type: consensus.MsgPrePrepare, From: 1, View: 2, Seq: 3, Digest: [32]byte{9}, Requests: [][]byte{[]byte("x"), {}}, Sig: []byte("sig")},
		{Type: consensus.MsgPartialCommit, From: 3, View: 1 << 40, Seq: 1 << 50, Digest: [32]byte{1, 2}, Share: make([]byte, 96), Sig: make([]byte, 64)},
		{Type: consensus.MsgStatus, From: 0, LastExecuted: 77},
		{Type: consensus.MsgCommitted, From: 2, Seq: 5, Requests: [][]byte{[]byte("r")}, Cert: &consensus.Certificate{Kind: consensus.CertFast, Seq: 5, Signers: consensus.ReplicaSetOf(0, 1, 2, 3), Sig: []byte("agg")}},
		{Type: consensus.MsgPrePrepare, From: 0, Seq: 9, Flags: consensus.FlagSlowPath, Requests: [][]byte{[]byte("q")}},
		// A view change of a large network: certificates whose signers reach past replica 63.
		{Type: consensus.MsgViewChange, From: 200, View: 7, Sig: []byte("s"),
			Stable: &consensus.Certificate{Kind: consensus.CertCheckpoint, Seq: 150, Signers: firstReplicas(139), Sig: []byte("agg")},
			Entries: []consensus.ViewEntry{{Seq: 151, HasPP: true, PPView: 6, PPDigest: [32]byte{5},
				Prepared: &consensus.Certificate{Kind: consensus.CertPrepare, View: 6, Seq: 151, Digest: [32]byte{5},
					Signers: consensus.ReplicaSetOf(3, 64, 65, 208), Sig: []byte("agg")}}}},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, m := range sampleMessages() {
		got, err := UnmarshalMessage(MarshalMessage(m))
		if err != nil {
			t.Fatalf("%v: %v", m.Type, err)
		}
		if !bytes.Equal(MarshalMessage(got), MarshalMessage(m)) {
			t.Fatalf("%v: round trip changed the message", m.Type)
		}
		if !reflect.DeepEqual(MessageSigningBytes("c", got), MessageSigningBytes("c", m)) {
			t.Fatalf("%v: signing bytes differ", m.Type)
		}
	}
}

func TestCodecRejects(t *testing.T) {
	good := MarshalMessage(sampleMessages()[0])
	cases := map[string][]byte{
		"empty":       nil,
		"truncated":   good[:len(good)-1],
		"trailing":    append(append([]byte{}, good...), 0),
		"bad version": append([]byte{9}, good[1:]...),
		"bad type":    append([]byte{1, 99}, good[2:]...),
	}
	huge := append([]byte{}, good[:messageHeaderBytes]...)
	huge = append(huge, 0xff, 0xff, 0xff, 0xff) // 4 billion requests claimed
	cases["request count lie"] = huge
	for name, b := range cases {
		if _, err := UnmarshalMessage(b); !errors.Is(err, ErrMalformedMessage) {
			t.Errorf("%s: err = %v, want ErrMalformedMessage", name, err)
		}
	}
}

func FuzzUnmarshalMessage(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(MarshalMessage(m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := UnmarshalMessage(b)
		if err != nil {
			return
		}
		if !bytes.Equal(MarshalMessage(m), b) {
			t.Fatalf("decoded message does not re-encode to its bytes")
		}
	})
}

// TestHardStateRoundTrip checks the three shapes of the hard state and the 8-byte view of earlier versions.
func TestHardStateRoundTrip(t *testing.T) {
	vc := &consensus.Message{Type: consensus.MsgViewChange, From: 1, View: 4, Sig: []byte("s")}
	nv := &consensus.Message{Type: consensus.MsgNewView, From: 0, View: 4, ViewChanges: []*consensus.Message{vc}}
	for _, hs := range []consensus.HardState{{View: 3}, {View: 4, InViewChange: true, ViewChange: vc},
		{View: 4, NewView: nv}} {
		got, err := UnmarshalHardState(MarshalHardState(hs))
		if err != nil || !bytes.Equal(MarshalHardState(got), MarshalHardState(hs)) {
			t.Fatalf("view %d: %v", hs.View, err)
		}
	}
	if hs, err := UnmarshalHardState([]byte{0, 0, 0, 0, 0, 0, 0, 9}); err != nil || hs.View != 9 {
		t.Fatalf("8-byte view: %+v, %v", hs, err)
	}
	bad := MarshalHardState(consensus.HardState{View: 5, NewView: nv}) // a NewView of view 4 for view 5
	if _, err := UnmarshalHardState(bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("mismatched view: %v", err)
	}
}

func TestCertificateRoundTrip(t *testing.T) {
	c := consensus.Certificate{Kind: consensus.CertCommit, View: 2, Seq: 9, Digest: [32]byte{4}, Signers: consensus.ReplicaSetOf(0, 1, 3, 255),
		Sig: []byte("agg")}
	got, err := UnmarshalCertificate(MarshalCertificate(c))
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if _, err := UnmarshalCertificate(MarshalMessage(&consensus.Message{Type: consensus.MsgStatus})); err == nil {
		t.Fatal("a message without a certificate decoded as one")
	}
}
