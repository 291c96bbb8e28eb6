package wire

import (
	"testing"

	"github.com/sbftnet/sbft/consensus"
)

// PeekMessage reads what the full decoder reads, for every message kind, and refuses what cannot hold a header.
func TestPeekMessage(t *testing.T) {
	for _, m := range sampleMessages() {
		frame := MarshalMessage(m)
		typ, view, seq, ok := PeekMessage(frame)
		if !ok || typ != m.Type || view != m.View || seq != m.Seq {
			t.Errorf("%v: peeked %v view %d seq %d ok %v, want view %d seq %d", m.Type, typ, view, seq, ok, m.View, m.Seq)
		}
	}
	for _, bad := range [][]byte{nil, {EncodingVersion}, make([]byte, 21), append([]byte{EncodingVersion + 1}, make([]byte, 40)...)} {
		if _, _, _, ok := PeekMessage(bad); ok {
			t.Errorf("peeked a header from %x", bad)
		}
	}
	if got := FrameTypeName(FrameExecShare); got != "ExecShare" {
		t.Errorf("FrameTypeName(FrameExecShare) = %q", got)
	}
	if got := FrameTypeName(consensus.MsgPrePrepare); got != "PrePrepare" {
		t.Errorf("FrameTypeName(PrePrepare) = %q", got)
	}
}
