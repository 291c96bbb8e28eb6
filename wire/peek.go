package wire

import (
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// PeekMessage reads the type, view and sequence number of an encoded consensus message or replica frame without
// decoding the rest (traffic accounting reads every frame a replica sends). ok is false for bytes too short to
// hold them or of another encoding version; nothing else is checked.
func PeekMessage(frame []byte) (t consensus.MsgType, view, seq uint64, ok bool) {
	if len(frame) < 2+4+8+8 || frame[0] != EncodingVersion {
		return 0, 0, 0, false
	}
	r := be.NewReader(frame[2+4:2+4+16], ErrMalformedMessage)
	return consensus.MsgType(frame[1]), r.U64(), r.U64(), true
}

// FrameTypeName names a message type for logs and metrics, replica frames included.
func FrameTypeName(t consensus.MsgType) string {
	switch t {
	case FrameExecShare:
		return "ExecShare"
	case FrameRequest:
		return "Forward"
	}
	return t.String()
}
