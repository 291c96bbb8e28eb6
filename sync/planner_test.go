package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
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

// The planner's invariants (doc.go) hold whatever order answers come in, with liars, failures and timeouts:
// its asserts panic otherwise. A liar's blocks are self-consistent forgeries: only the hash chain tells them.
func TestPlannerInvariantsUnderRandomAnswers(t *testing.T) {
	blocks := testChain(t, 200)
	forged := forgedChain(testChain(t, 200)) // the same heights, other transactions: another chain
	buffered, rejected := uint64(0), 0       // over all seeds: the test reaches the bound and the liar
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		cfg := testConfig()
		cfg.ChunkBlocks, cfg.BufferBlocksMax, cfg.InFlightPerSource, cfg.PenaltyDuration = 1+rng.IntN(8), 16, 1+rng.IntN(4), time.Second
		cfg.BufferBlocksMax = max(cfg.BufferBlocksMax, cfg.ChunkBlocks)
		p, err := NewPlanner(cfg, Target{Height: 200, BlockHash: blocks[200].Header.Hash()}, 50, []SourceID{0, 1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Unix(0, 0)
		var out []Request
		for step := 0; step < 20_000 && !p.Done(); step++ {
			now = now.Add(time.Duration(rng.IntN(50)) * time.Millisecond)
			out = append(out, p.Next(now)...)
			if len(out) == 0 {
				p.Expire(now)
				continue
			}
			k := rng.IntN(len(out))
			if rng.IntN(2) == 0 { // the lowest first: the buffer fills while the top is awaited
				k = 0
				for i, r := range out {
					if r.From < out[k].From {
						k = i
					}
				}
			}
			r := out[k]
			out = append(out[:k], out[k+1:]...)
			switch x := rng.IntN(10); {
			case x == 0:
				p.Fail(now, r.ID)
			case x == 1:
				p.Expire(now.Add(cfg.RequestTimeout))
			default:
				served := blocks
				if r.Source == 3 && x < 5 {
					served = forged
				}
				var answer []Block
				for h := r.From; h <= r.To; h++ {
					answer = append(answer, Block{Block: served[h]})
				}
				if p.Deliver(now, r.ID, answer) != nil {
					rejected++
				}
				buffered = max(buffered, p.Progress().Buffered)
			}
		}
		if !p.Done() {
			t.Fatalf("seed %d: transfer not done: %+v", seed, p.Progress())
		}
		got := p.Verified()
		for i, b := range got {
			if b.Block.Header.Hash() != blocks[51+i].Header.Hash() {
				t.Fatalf("seed %d: block %d is not the chain's", seed, 51+i)
			}
		}
	}
	if buffered+8 <= 16 || rejected == 0 { // within a chunk (at most 8 blocks) of the bound
		t.Fatalf("at most %d blocks buffered (bound 16), %d answers rejected: the test missed the bound or the liar", buffered, rejected)
	}
}

// forgedChain rewrites blocks (index 0 unused) into another self-consistent chain: other transactions, each
// block naming the forged one below it as parent.
func forgedChain(blocks []*chain.Block) []*chain.Block {
	out := []*chain.Block{nil}
	for h := 1; h < len(blocks); h++ {
		b := *blocks[h]
		b.Txs = [][]byte{[]byte(fmt.Sprintf("forged-%d", h))}
		b.Header.TxRoot = chain.TxRoot(b.Txs)
		if h > 1 {
			b.Header.Parent = out[h-1].Header.Hash()
		}
		out = append(out, &b)
	}
	return out
}

// The hash-chain assert bites: a verified block off the chain stops the planner.
func TestPlannerAssertsTheHashChain(t *testing.T) {
	blocks := testChain(t, 10)
	p, err := NewPlanner(testConfig(), Target{Height: 10, BlockHash: blocks[10].Header.Hash()}, 0, []SourceID{0})
	if err != nil {
		t.Fatal(err)
	}
	p.verified = []Block{{Block: blocks[10]}, {Block: blocks[8]}}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "sync invariant violated") {
			t.Fatalf("recovered %v, want the invariant's panic", r)
		}
	}()
	p.Verified()
}
