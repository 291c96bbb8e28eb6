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
	if bytes.Equal(exec, consensus.ShareSigningBytes("a", consensus.CertCommit, 0, 7, [32]byte{3})) {
		t.Fatal("execution shares verify as commit shares")
	}
}
