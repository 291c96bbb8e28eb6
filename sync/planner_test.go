package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	gosync "sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sbftnet/sbft/chain"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testChain executes n blocks of junk transactions and returns them by height (index 0 unused).
func testChain(t testing.TB, n int) []*chain.Block {
	t.Helper()
	st := chain.NewMemStore()
	app, err := chain.OpenApp(st, "sync-test", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	out := []*chain.Block{nil}
	for h := 1; h <= n; h++ {
		b := st.NewBatch()
		blk, _, err := app.Execute(b, uint64(h), [][]byte{[]byte(fmt.Sprintf("tx-%d-a", h)), []byte(fmt.Sprintf("tx-%d-b", h))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Commit(false); err != nil {
			t.Fatal(err)
		}
		b.Close()
		app.Flushed()
		out = append(out, blk)
	}
	return out
}

// memSource serves a chain; liars corrupt a transaction, stallers never answer, missing refuse.
type memSource struct {
	blocks  []*chain.Block
	liar    map[SourceID]bool
	staller map[SourceID]bool
	mu      gosync.Mutex // Fetch calls sources concurrently
	served  map[SourceID]int
}

func (m *memSource) Blocks(ctx context.Context, src SourceID, from, to uint64) ([]Block, error) {
	if m.staller[src] {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	var out []Block
	for h := from; h <= to; h++ {
		b := m.blocks[h]
		if m.liar[src] {
			c := *b
			c.Txs = [][]byte{[]byte("forged")}
			b = &c
		}
		out = append(out, Block{Block: b})
	}
	m.mu.Lock()
	m.served[src] += len(out)
	m.mu.Unlock()
	return out, nil
}

func testConfig() Config {
	c := DefaultConfig()
	c.ChunkBlocks, c.BufferBlocksMax, c.RequestTimeout, c.PenaltyDuration = 8, 64, 200*time.Millisecond, time.Hour
	return c
}

func TestFetchVerifiesAgainstTheTarget(t *testing.T) {
	blocks := testChain(t, 300)
	top := blocks[300].Header
	for _, tc := range []struct {
		name            string
		liar, staller   map[SourceID]bool
		wantServedByBad bool
	}{
		{"honest", nil, nil, false},
		{"one liar", map[SourceID]bool{1: true}, nil, false},
		{"one staller", nil, map[SourceID]bool{2: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &memSource{blocks: blocks, liar: tc.liar, staller: tc.staller, served: map[SourceID]int{}}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got, err := Fetch(ctx, testConfig(), Target{Height: 300, BlockHash: top.Hash()}, 100, []SourceID{0, 1, 2, 3}, src, 50*time.Millisecond, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 200 || got[0].Block.Header.Height != 101 || got[199].Block.Header.Hash() != top.Hash() {
				t.Fatalf("got %d blocks", len(got))
			}
			for i, b := range got {
				if b.Block.Header.Hash() != blocks[101+i].Header.Hash() || chain.TxRoot(b.Block.Txs) != b.Block.Header.TxRoot {
					t.Fatalf("block %d is not the chain's", 101+i)
				}
			}
			if src.served[0] == 0 || src.served[3] == 0 {
				t.Fatalf("honest sources were not all used: %v", src.served)
			}
		})
	}
}

func TestPlannerRejectsWrongRangesAndRespectsBounds(t *testing.T) {
	blocks := testChain(t, 100)
	p, err := NewPlanner(testConfig(), Target{Height: 100, BlockHash: blocks[100].Header.Hash()}, 0, []SourceID{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(0, 0)
	reqs := p.Next(now)
	if len(reqs) != 4 { // 2 sources x 2 in flight
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	// An answer with the wrong range fails its source.
	if err := p.Deliver(now, reqs[0].ID, []Block{{Block: blocks[1]}}); !errors.Is(err, ErrBadBlocks) {
		t.Fatalf("wrong range accepted: %v", err)
	}
	if pr := p.Progress(); pr.PerSource[reqs[0].Source].Failures != 1 {
		t.Fatalf("source not penalized: %+v", pr)
	}
	// Nothing below the buffer bound is requested before the top verifies.
	for _, r := range reqs {
		if 100-r.From >= uint64(testConfig().BufferBlocksMax) {
			t.Fatalf("request %d..%d beyond the buffer", r.From, r.To)
		}
	}
}
