package wire

import (
	"reflect"
	"testing"

	"github.com/sbftnet/sbft/consensus"
)

// The frame kinds' type bytes are the format (they were consensus types before the core gave them up): they
// must not move, and the core must not take them back.
func TestFrameKindsKeepTheirBytes(t *testing.T) {
	for _, k := range []struct {
		kind consensus.MsgType
		b    byte
	}{{FrameExecShare, 12}, {FrameRequest, 17}} {
		if byte(k.kind) != k.b || k.kind.Valid() || !validType(k.kind) {
			t.Errorf("frame kind %d: want type byte %d, not a core type, decodable", k.kind, k.b)
		}
	}
}

func TestFramesRoundTrip(t *testing.T) {
	for _, s := range []*ExecShare{
		{From: 2, Height: 7, BlockHash: [32]byte{1}, Share: []byte("share")},
		{From: 1, Height: 9, BlockHash: [32]byte{2}, Cert: &ExecCert{Height: 9, BlockHash: [32]byte{2}, Signers: consensus.ReplicaSetOf(0, 65), Sig: []byte("agg")}},
	} {
		m, err := UnmarshalMessage(MarshalMessage(s.Message()))
		if err != nil {
			t.Fatal(err)
		}
		if got := ExecShareOf(m); !reflect.DeepEqual(got, s) {
			t.Errorf("exec share %+v came back as %+v", s, got)
		}
	}
	f := consensus.Forward{To: 0, View: 3, Requests: [][]byte{[]byte("a"), []byte("b")}}
	m, err := UnmarshalMessage(MarshalMessage(ForwardMessage(2, f)))
	if err != nil || m.Type != FrameRequest || m.From != 2 || m.View != 3 || !reflect.DeepEqual(m.Requests, f.Requests) {
		t.Errorf("forwarded requests came back as %+v (%v)", m, err)
	}
}
