package chain

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The replica executes with the hashes consensus computed (ExecuteHashed); state transfer and the client node
// hash the blocks they are sent (Execute). Both must give the same block and results, and the block's TxRoot
// must be TxRoot of its transactions.
func TestExecuteHashedMatchesExecute(t *testing.T) {
	blocks, hashes := benchBlocks(3, 7)
	blocks[1] = append(blocks[1], []byte("malformed"))
	hashes[1] = append(hashes[1], TxHash([]byte("malformed")))
	viaTxs, viaHashes := openTestApp(t, NewMemStore()), openTestApp(t, NewMemStore())
	for i, txs := range blocks {
		seq := uint64(i + 1)
		b1, b2 := NewMemStore().NewBatch(), NewMemStore().NewBatch()
		blk1, res1, err := viaTxs.Execute(b1, seq, txs, nil)
		must(t, err)
		blk2, res2, err := viaHashes.ExecuteHashed(b2, seq, txs, hashes[i], func([32]byte) bool { return false })
		must(t, err)
		if blk1.Header != blk2.Header || !slices.EqualFunc(res1, res2, func(x, y Result) bool { return string(x.Marshal()) == string(y.Marshal()) }) {
			t.Fatalf("seq %d: Execute gave %+v, ExecuteHashed %+v", seq, blk1.Header, blk2.Header)
		}
		if blk2.Header.TxRoot != TxRoot(txs) || TxRootOf(hashes[i]) != TxRoot(txs) {
			t.Fatalf("seq %d: TxRoot %x, TxRootOf %x, block's %x", seq, TxRoot(txs), TxRootOf(hashes[i]), blk2.Header.TxRoot)
		}
		for j, r := range res2 {
			if r.TxHash != TxHash(txs[j]) {
				t.Fatalf("seq %d: result %d has hash %x", seq, j, r.TxHash[:4])
			}
		}
		viaTxs.Flushed()
		viaHashes.Flushed()
	}
}

// Hashes that do not pair with the transactions stop execution: too few, or the one checked (chosen by seq)
// wrong.
func TestExecuteHashedRefusesWrongHashes(t *testing.T) {
	blocks, hashes := benchBlocks(1, 4)
	const seq = 6 // checks transaction 6 % 4 = 2
	short := hashes[0][:3]
	swapped := slices.Clone(hashes[0])
	swapped[2], swapped[3] = swapped[3], swapped[2]
	for name, hs := range map[string][][32]byte{"short": short, "swapped": swapped} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "chain invariant violated") {
					t.Fatalf("recovered %v, want an invariant panic", r)
				}
			}()
			a := openTestApp(t, NewMemStore())
			a.ExecuteHashed(NewMemStore().NewBatch(), seq, blocks[0], hs, nil)
		})
	}
}
