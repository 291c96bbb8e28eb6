package chain

import (
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/mutant"
)

// Executing and committing blocks: the one sequence that the replica (the batches its consensus committed),
// state transfer (the blocks it fetched) and the client node (the blocks it follows) all run.

var (
	// ErrNotReproduced is returned for a block whose execution here gave another block than the one sent.
	ErrNotReproduced = errors.New("block not reproduced")
	// ErrOutOfOrder is returned for a block sent that is not the next one.
	ErrOutOfOrder = errors.New("block out of order")
)

// Certified is a block to execute and commit with its commit certificate: a batch this replica's consensus
// committed (Seq, Txs, and the transactions' hashes in Hashes when the caller has them: nil hashes them
// here), or a block another node sent (Sent; Seq, Txs and Hashes are not used), which executing its batch
// here must reproduce.
type Certified struct {
	Seq    uint64
	Txs    [][]byte
	Hashes [][32]byte // TxHash of each of Txs (ExecuteHashed)
	Sent   *Block
	Cert   []byte
}

// Executed is a block that ExecuteAndCommit executed and committed, with the results of its transactions.
type Executed struct {
	Block   *Block
	Results []Result
}

// PersistError is ExecuteAndCommit's error when the store did not commit the blocks: the store is in doubt,
// not the blocks.
type PersistError struct {
	From, To uint64 // the heights of the blocks of the batch
	Err      error
}

func (e *PersistError) Error() string {
	if e.From == e.To {
		return fmt.Sprintf("persist block %d: %v", e.To, e.Err)
	}
	return fmt.Sprintf("persist blocks %d..%d: %v", e.From, e.To, e.Err)
}

func (e *PersistError) Unwrap() error { return e.Err }

// ExecuteAndCommit executes blocks in order, each as the next block, into one batch of the app's store: a
// block sent must be the next one (height and sequence number) and its execution here must reproduce it;
// each block's certificate is staged beside it, then what stage adds (when not nil). It commits the batch,
// synced when sync, and marks the app flushed. verified is Execute's.
//
// An error of a block stops there and commits nothing: the app has advanced in memory past its store, and the
// caller reloads it (OpenApp). A failed commit is a *PersistError.
func (a *App) ExecuteAndCommit(blocks []Certified, verified func([32]byte) bool, sync bool, stage func(Batch, Executed)) ([]Executed, error) {
	if len(blocks) == 0 {
		return nil, nil
	}
	b := a.store.NewBatch()
	defer b.Close()
	out := make([]Executed, 0, len(blocks))
	for _, c := range blocks {
		e, err := a.executeCertified(b, c, verified)
		if err != nil {
			return nil, err
		}
		a.StageCert(b, e.Block.Header.Height, c.Cert)
		if stage != nil {
			stage(b, e)
		}
		out = append(out, e)
	}
	if err := b.Commit(sync); err != nil {
		return nil, &PersistError{From: out[0].Block.Header.Height, To: out[len(out)-1].Block.Header.Height, Err: err}
	}
	a.Flushed()
	return out, nil
}

// executeCertified executes c's batch as the next block into b and checks that it reproduces the block sent.
func (a *App) executeCertified(b Batch, c Certified, verified func([32]byte) bool) (Executed, error) {
	seq, txs, hashes := c.Seq, c.Txs, c.Hashes
	if c.Sent != nil {
		// Consensus executes every sequence number in order, each into one block: a block that skips one (a
		// certified block of a later batch) would execute here into a block no replica has.
		h, last := c.Sent.Header, a.last
		if h.Height != last.Height+1 || h.Seq != last.Seq+1 {
			return Executed{}, fmt.Errorf("%w: block %d of seq %d sent after block %d of seq %d", ErrOutOfOrder,
				h.Height, h.Seq, last.Height, last.Seq)
		}
		seq, txs, hashes = h.Seq, c.Sent.Txs, nil
	}
	if hashes == nil {
		hashes = TxHashes(txs)
	}
	blk, results, err := a.ExecuteHashed(b, seq, txs, hashes, verified)
	if err != nil {
		return Executed{}, fmt.Errorf("execute seq %d: %w", seq, err)
	}
	if c.Sent != nil && !reproduces(blk.Header, c.Sent.Header) {
		h := c.Sent.Header
		return Executed{}, fmt.Errorf("%w: executing block %d gave block %x (state root %x), the one sent is %x (state root %x)",
			ErrNotReproduced, h.Height, hashPrefix(blk.Header.Hash()), blk.Header.StateRoot[:4], hashPrefix(h.Hash()), h.StateRoot[:4])
	}
	return Executed{Block: blk, Results: results}, nil
}

func hashPrefix(h [32]byte) []byte { return h[:4] }

// reproduces reports whether executing a block sent gave the same block: same hash, so same parent too.
func reproduces(executed, sent Header) bool {
	if mutant.On(mutant.TransferHashChain) {
		return executed.StateRoot == sent.StateRoot
	}
	return executed.Hash() == sent.Hash()
}
