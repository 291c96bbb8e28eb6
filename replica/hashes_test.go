package replica

import (
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

// Execution takes consensus's request digests as the transactions' hashes (chain.ExecuteHashed): the two
// must be one function.
func TestRequestDigestIsTxHash(t *testing.T) {
	for _, raw := range [][]byte{nil, []byte("x"), make([]byte, 300)} {
		if consensus.RequestDigest(raw) != chain.TxHash(raw) {
			t.Fatalf("%d bytes: request digest %x, transaction hash %x", len(raw), consensus.RequestDigest(raw), chain.TxHash(raw))
		}
	}
}
