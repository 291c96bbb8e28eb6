package wire

import (
	"bytes"
	"testing"

	"github.com/sbftnet/sbft/consensus"
)

// TestSigningDomainsSeparate checks that the digests and signing bytes of this package bind the chain and
// differ between purposes.
func TestSigningDomainsSeparate(t *testing.T) {
	a := CheckpointDigest("a", 150, 150, [32]byte{1}, [32]byte{2})
	if a == CheckpointDigest("b", 150, 150, [32]byte{1}, [32]byte{2}) {
		t.Fatal("checkpoint digest does not depend on the chain ID")
	}
	if a == CheckpointDigest("a", 150, 151, [32]byte{1}, [32]byte{2}) {
		t.Fatal("checkpoint digest does not depend on the height")
	}
	exec := ExecSigningBytes("a", 7, [32]byte{3})
	if bytes.Equal(exec, ShareSigningBytes("a", consensus.CertCommit, 0, 7, [32]byte{3})) {
		t.Fatal("execution shares verify as commit shares")
	}
	m := &consensus.Message{Type: consensus.MsgPartialCommit, From: 3, View: 1 << 40, Seq: 1 << 50, Digest: [32]byte{1, 2},
		Share: make([]byte, 96), Sig: make([]byte, 64)}
	if bytes.Equal(MessageSigningBytes("a", m), MessageSigningBytes("b", m)) {
		t.Fatal("message signing bytes do not depend on the chain ID")
	}
	if bytes.Equal(ShareSigningBytes("a", consensus.CertCommit, 1, 7, [32]byte{3}), ShareSigningBytes("b", consensus.CertCommit, 1, 7, [32]byte{3})) {
		t.Fatal("share signing bytes do not depend on the chain ID")
	}
}
