package sync

import (
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// Install executes fetched blocks forward on app, each as the next block, keeps each that reproduces the block
// sent (with its certificate), and stores the stable checkpoint with the block it certifies
// (chain.App.ExecuteAndCommit, a block at a time). Blocks at or below app's height are skipped (executed
// meanwhile by catch-up). On an error the blocks before the failing one stay installed and app has advanced in
// memory past what is stored: the caller reloads it from the store.
func Install(app *chain.App, chainID string, proof *wire.StableCheckpointProof, blocks []Block, verified func([32]byte) bool) error {
	for _, fb := range blocks {
		h := fb.Block.Header
		if h.Height <= app.LastHeader().Height {
			continue
		}
		stable := h.Height == proof.Height
		_, err := app.ExecuteAndCommit([]chain.Certified{{Sent: fb.Block, Cert: fb.Cert}}, verified, stable,
			func(b chain.Batch, _ chain.Executed) {
				if stable {
					b.Set(chain.StableCheckpointKey(), wire.MarshalCertificate(proof.Certificate(chainID)))
				}
			})
		if err != nil {
			return fmt.Errorf("state transfer: %w", err)
		}
	}
	return nil
}
