package consensus

// The harness sends every message through the real codec, as on the network. The codec is package wire, which
// imports consensus, so an in-package test cannot import it: the external test file wire_codec_test.go installs
// it here before any test runs.
var MessageCodecForTests struct {
	Marshal   func(*Message) []byte
	Unmarshal func([]byte) (*Message, error)
}

func marshalMessage(m *Message) []byte { return MessageCodecForTests.Marshal(m) }

func unmarshalMessage(b []byte) (*Message, error) { return MessageCodecForTests.Unmarshal(b) }
