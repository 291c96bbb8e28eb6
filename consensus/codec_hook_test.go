package consensus

// The harness sends every message through the real codec, as on the network. The codec is package wire, which
// imports consensus, so an in-package test cannot import it: the external test file wire_codec_test.go installs
// it here before any test runs.
// The signing domains are wire's too: the harness signs in them, as the node does.
var MessageCodecForTests struct {
	Marshal           func(*Message) []byte
	Unmarshal         func([]byte) (*Message, error)
	SigningBytes      func(chainID string, m *Message) []byte
	ShareSigningBytes func(chainID string, kind CertKind, view, seq uint64, digest [32]byte) []byte
	// ForwardMessage frames a Ready.Forward as the node does (wire.ForwardMessage), unsigned.
	ForwardMessage func(from ReplicaID, f Forward) *Message
}

// requestFrame is the type of the node's frame of forwarded requests (not a type of the core's).
func requestFrame() MsgType { return MessageCodecForTests.ForwardMessage(0, Forward{}).Type }

func marshalMessage(m *Message) []byte { return MessageCodecForTests.Marshal(m) }

func unmarshalMessage(b []byte) (*Message, error) { return MessageCodecForTests.Unmarshal(b) }

func messageSigningBytes(chainID string, m *Message) []byte {
	return MessageCodecForTests.SigningBytes(chainID, m)
}

func shareSigningBytes(chainID string, kind CertKind, view, seq uint64, digest [32]byte) []byte {
	return MessageCodecForTests.ShareSigningBytes(chainID, kind, view, seq, digest)
}
