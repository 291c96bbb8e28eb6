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
		honestNewView(7, 3),
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

// honestNewView is a NewView of n replicas (c = 0) after a window of seqs slots that all committed: its
// 2f+1 ViewChanges report the same stable checkpoint and the same two certificates per slot, as replicas that
// saw the same collectors' certificates do.
func honestNewView(n, seqs int) *consensus.Message {
	f := (n - 1) / 3
	quorum := firstReplicas(2*f + 1)
	cert := func(kind consensus.CertKind, seq uint64) *consensus.Certificate {
		return &consensus.Certificate{Kind: kind, View: 3, Seq: seq, Digest: [32]byte{byte(seq)}, Signers: quorum,
			Sig: make([]byte, 96)}
	}
	stable := cert(consensus.CertCheckpoint, 150)
	entries := make([]consensus.ViewEntry, seqs)
	for i := range entries {
		seq := uint64(151 + i)
		entries[i] = consensus.ViewEntry{Seq: seq, HasPP: true, PPView: 3, PPDigest: [32]byte{byte(seq)},
			Prepared: cert(consensus.CertPrepare, seq), Committed: cert(consensus.CertCommit, seq)}
	}
	nv := &consensus.Message{Type: consensus.MsgNewView, From: 4, View: 4, Sig: make([]byte, 64)}
	for i := range 2*f + 1 {
		nv.ViewChanges = append(nv.ViewChanges, &consensus.Message{Type: consensus.MsgViewChange,
			From: consensus.ReplicaID(i), View: 4, Stable: stable, Entries: entries, Sig: make([]byte, 64)})
	}
	return nv
}

// TestNewViewCarriesEvidenceOnce checks that a NewView of the paper's 209 replicas with the default 300-slot
// window fits a message many times over (its ViewChanges sent whole took 16 MB, twice MessageBytesMax), and
// that it decodes to the same ViewChanges with the same signing bytes.
func TestNewViewCarriesEvidenceOnce(t *testing.T) {
	nv := honestNewView(209, 2*consensus.CheckpointIntervalSeqsDefault)
	b := MarshalMessage(nv)
	whole := 0
	for _, vc := range nv.ViewChanges {
		whole += len(MarshalMessage(vc))
	}
	t.Logf("NewView of 209 replicas, 300 slots: %d bytes (its ViewChanges whole: %d)", len(b), whole)
	if len(b) > consensus.MessageBytesMax/8 {
		t.Fatalf("NewView of %d bytes, want at most %d", len(b), consensus.MessageBytesMax/8)
	}
	got, err := UnmarshalMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.ViewChanges) != len(nv.ViewChanges) {
		t.Fatalf("%d view changes, want %d", len(got.ViewChanges), len(nv.ViewChanges))
	}
	for i, vc := range got.ViewChanges {
		if !bytes.Equal(MessageSigningBytes("c", vc), MessageSigningBytes("c", nv.ViewChanges[i])) ||
			!reflect.DeepEqual(vc.Entries, nv.ViewChanges[i].Entries) {
			t.Fatalf("view change %d decoded differently", i)
		}
	}
	// The largest network with the largest window still fits one message.
	if l := len(MarshalMessage(honestNewView(consensus.ReplicasMax, consensus.WindowSeqsMax))); l > consensus.MessageBytesMax {
		t.Fatalf("NewView of %d replicas and %d slots: %d bytes, over %d", consensus.ReplicasMax,
			consensus.WindowSeqsMax, l, consensus.MessageBytesMax)
	}
}

// TestNewViewTablesRejected checks that references out of the tables and non-canonical tables are refused.
func TestNewViewTablesRejected(t *testing.T) {
	b := MarshalMessage(honestNewView(4, 2)) // 3 certificates (stable, prepared, committed) per slot... shared
	// The payload starts after the header, nRequests, shareLen and hasCert; its first u32 counts certificates.
	at := messageHeaderBytes + 4 + 1 + 1
	certs := int(b[at+3])
	for name, mutate := range map[string]func([]byte) []byte{
		"one certificate fewer": func(b []byte) []byte { b[at+3]--; return b },
		"one certificate more":  func(b []byte) []byte { b[at+3]++; return b },
		"stable reference out of the table": func(b []byte) []byte {
			// The first ViewChange's stable reference: the last field before its entry count.
			i := bytes.Index(b, []byte{1, 0, 0, 0, 0, 0, 2}) // hasStable, cert 0, nEntries 2
			if i < 0 {
				t.Fatal("no stable reference found")
			}
			b[i+4] = byte(certs)
			return b
		},
	} {
		bad := mutate(append([]byte(nil), b...))
		if _, err := UnmarshalMessage(bad); !errors.Is(err, ErrMalformedMessage) {
			t.Errorf("%s: err = %v, want ErrMalformedMessage", name, err)
		}
	}
}
