package chain

import (
	"bytes"
	"errors"
	"testing"
)

// failingStore refuses every commit once failing.
type failingStore struct {
	*MemStore
	failing bool
}

type failingBatch struct {
	Batch
	s *failingStore
}

var errDiskFull = errors.New("disk full")

func (s *failingStore) NewBatch() Batch { return failingBatch{s.MemStore.NewBatch(), s} }

func (b failingBatch) Commit(sync bool) error {
	if b.s.failing {
		return errDiskFull
	}
	return b.Batch.Commit(sync)
}

func openTestApp(t *testing.T, s Store) *App {
	t.Helper()
	a, err := OpenApp(s, testChain, nil)
	must(t, err)
	return a
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func certOf(seq uint64) []byte { return []byte{'c', byte(seq)} }

func sent(blk *Block) Certified { return Certified{Sent: blk, Cert: certOf(blk.Header.Seq)} }

func batch(seq uint64, txs ...[]byte) Certified {
	return Certified{Seq: seq, Txs: txs, Cert: certOf(seq)}
}

// The replica's committed batches and the blocks another node sends go through the same execute-and-commit:
// a block sent is kept only if it is the next one and its execution here reproduces it.
func TestExecuteAndCommit(t *testing.T) {
	c := newTestClient(1)
	src := openTestApp(t, NewMemStore())
	done, err := src.ExecuteAndCommit([]Certified{batch(1, c.tx(OpPut, "a", "1", 0)), batch(2, c.tx(OpPut, "b", "2", 0)),
		batch(3, c.tx(OpPut, "a", "3", 1))}, nil, true, nil)
	must(t, err)
	if len(done) != 3 || src.LastHeader().Height != 3 || done[2].Results[0].Code != CodeOK {
		t.Fatalf("executed %d blocks to height %d", len(done), src.LastHeader().Height)
	}
	if cert, err := src.CertAt(2); err != nil || !bytes.Equal(cert, certOf(2)) {
		t.Fatalf("certificate of block 2: %x, %v", cert, err)
	}

	store := NewMemStore()
	dst := openTestApp(t, store)
	if _, err := dst.ExecuteAndCommit([]Certified{sent(done[1].Block)}, nil, true, nil); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("block 2 first: %v, want %v", err, ErrOutOfOrder)
	}
	dst = openTestApp(t, store)
	var staged []uint64
	_, err = dst.ExecuteAndCommit([]Certified{sent(done[0].Block)}, nil, false, func(b Batch, e Executed) {
		staged = append(staged, e.Block.Header.Height)
	})
	must(t, err)
	tampered := *done[1].Block
	tampered.Txs = [][]byte{c.tx(OpPut, "b", "forged", 0)}
	tampered.Header.TxRoot = TxRoot(tampered.Txs)
	if _, err := dst.ExecuteAndCommit([]Certified{sent(&tampered)}, nil, true, nil); !errors.Is(err, ErrNotReproduced) {
		t.Fatalf("tampered block: %v, want %v", err, ErrNotReproduced)
	}
	dst = openTestApp(t, store)
	_, err = dst.ExecuteAndCommit([]Certified{sent(done[1].Block), sent(done[2].Block)}, nil, true, nil)
	must(t, err)
	if dst.LastHeader() != src.LastHeader() || len(staged) != 1 || staged[0] != 1 {
		t.Fatalf("follower at %+v, source at %+v; staged %v", dst.LastHeader(), src.LastHeader(), staged)
	}

	fs := &failingStore{MemStore: NewMemStore()}
	down := openTestApp(t, fs)
	fs.failing = true
	_, err = down.ExecuteAndCommit([]Certified{sent(done[0].Block), sent(done[1].Block)}, nil, true, nil)
	var pe *PersistError
	if !errors.As(err, &pe) || !errors.Is(err, errDiskFull) || pe.From != 1 || pe.To != 2 {
		t.Fatalf("failed commit: %v, want a PersistError of blocks 1..2", err)
	}
}
