package consensus

import (
	"bytes"
	"testing"
)

func TestSigningBytesBindChain(t *testing.T) {
	m := &Message{Type: MsgPartialCommit, From: 3, View: 1 << 40, Seq: 1 << 50, Digest: [32]byte{1, 2},
		Share: make([]byte, 96), Sig: make([]byte, 64)}
	if bytes.Equal(m.SigningBytes("a"), m.SigningBytes("b")) {
		t.Fatal("signing bytes do not depend on the chain ID")
	}
}
