package sync

import (
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/wire"
)

// ErrNotReproduced is returned for a block whose execution here gave another block than the one sent.
var ErrNotReproduced = errors.New("block not reproduced")

// Install executes fetched blocks forward on app, each as the next block, keeps each that reproduces the block
// sent (with its certificate), and stores the stable checkpoint with the block it certifies. Blocks at or below
// app's height are skipped (executed meanwhile by catch-up). On an error the blocks before the failing one stay
// installed and app has advanced in memory past what is stored: the caller reloads it from the store.
func Install(store chain.Store, app *chain.App, chainID string, proof *wire.StableCheckpointProof, blocks []Block, verified func([32]byte) bool) error {
	last := app.LastHeader().Height
	for _, fb := range blocks {
		h := fb.Block.Header
		if h.Height <= last {
			continue
		}
		if h.Height != last+1 {
			return fmt.Errorf("state transfer: block %d after height %d", h.Height, last)
		}
		b := store.NewBatch()
		if _, err := ExecuteFetched(b, app, fb.Block, verified); err != nil {
			b.Close()
			return fmt.Errorf("state transfer: %w", err)
		}
		app.StageCert(b, h.Height, fb.Cert)
		if h.Height == proof.Height {
			b.Set(chain.StableCheckpointKey(), wire.MarshalCertificate(proof.Certificate(chainID)))
		}
		err := b.Commit(h.Height == proof.Height)
		b.Close()
		if err != nil {
			return fmt.Errorf("state transfer: persist block %d: %w", h.Height, err)
		}
		app.Flushed()
		last = h.Height
	}
	return nil
}

// ExecuteFetched executes a block another node sent as the next block of app, staging it into b, and checks
// that it reproduces the block sent. On an error the app has advanced in memory: the caller reloads it.
func ExecuteFetched(b chain.Batch, app *chain.App, fetched *chain.Block, verified func([32]byte) bool) ([]chain.Result, error) {
	h := fetched.Header
	blk, results, err := app.Execute(b, h.Seq, fetched.Txs, verified)
	if err != nil {
		return nil, err
	}
	if !reproduces(blk.Header, h) {
		return nil, fmt.Errorf("%w: executing block %d gave block %x (state root %x), the one sent is %x (state root %x)",
			ErrNotReproduced, h.Height, hashPrefix(blk.Header.Hash()), blk.Header.StateRoot[:4], hashPrefix(h.Hash()), h.StateRoot[:4])
	}
	return results, nil
}

func hashPrefix(h [32]byte) []byte { return h[:4] }

// reproduces reports whether executing a fetched block gave the same block: same hash, so same parent too.
func reproduces(executed, fetched chain.Header) bool {
	if mutant.On(mutant.TransferHashChain) {
		return executed.StateRoot == fetched.StateRoot
	}
	return executed.Hash() == fetched.Hash()
}
