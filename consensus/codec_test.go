package consensus

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func sampleMessages() []*Message {
	return []*Message{
		{Type: MsgPrePrepare, From: 1, View: 2, Seq: 3, Digest: [32]byte{9}, Requests: [][]byte{[]byte("x"), {}}, Sig: []byte("sig")},
		{Type: MsgPartialCommit, From: 3, View: 1 << 40, Seq: 1 << 50, Digest: [32]byte{1, 2}, Share: make([]byte, 96), Sig: make([]byte, 64)},
		{Type: MsgStatus, From: 0, LastExecuted: 77},
		{Type: MsgCommitted, From: 2, Seq: 5, Requests: [][]byte{[]byte("r")}, Cert: &Certificate{Kind: CertFast, Seq: 5, Signers: 0b1111, Sig: []byte("agg")}},
		{Type: MsgPrePrepare, From: 0, Seq: 9, Flags: FlagSlowPath, Requests: [][]byte{[]byte("q")}},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, m := range sampleMessages() {
		got, err := UnmarshalMessage(m.Marshal())
		if err != nil {
			t.Fatalf("%v: %v", m.Type, err)
		}
		if !bytes.Equal(got.Marshal(), m.Marshal()) {
			t.Fatalf("%v: round trip changed the message", m.Type)
		}
		if !reflect.DeepEqual(got.SigningBytes("c"), m.SigningBytes("c")) {
			t.Fatalf("%v: signing bytes differ", m.Type)
		}
	}
}

func TestCodecRejects(t *testing.T) {
	good := sampleMessages()[0].Marshal()
	cases := map[string][]byte{
		"empty":       nil,
		"truncated":   good[:len(good)-1],
		"trailing":    append(append([]byte{}, good...), 0),
		"bad version": append([]byte{9}, good[1:]...),
		"bad type":    append([]byte{1, 99}, good[2:]...),
	}
	huge := append([]byte{}, good[:headerBytes]...)
	huge = append(huge, 0xff, 0xff, 0xff, 0xff) // 4 billion requests claimed
	cases["request count lie"] = huge
	for name, b := range cases {
		if _, err := UnmarshalMessage(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func TestSigningBytesBindChain(t *testing.T) {
	m := sampleMessages()[1]
	if bytes.Equal(m.SigningBytes("a"), m.SigningBytes("b")) {
		t.Fatal("signing bytes do not depend on the chain ID")
	}
}

func FuzzUnmarshalMessage(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(m.Marshal())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := UnmarshalMessage(b)
		if err != nil {
			return
		}
		if !bytes.Equal(m.Marshal(), b) {
			t.Fatalf("decoded message does not re-encode to its bytes")
		}
	})
}
