package clientnode

import (
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

func TestPickSourceRoundRobinSkipsPenalized(t *testing.T) {
	now := time.Unix(1000, 0)
	penalty := make([]time.Time, 4)
	penalty[1] = now.Add(time.Minute)
	next := 0
	var got []int
	for k := 0; k < 4; k++ {
		src, wait := pickSource(penalty, &next, now)
		if wait != 0 {
			t.Fatalf("waits %v with sources free", wait)
		}
		got = append(got, src)
	}
	if want := []int{0, 2, 3, 0}; !slices.Equal(got, want) {
		t.Fatalf("sources %v, want %v", got, want)
	}
	for i := range penalty {
		penalty[i] = now.Add(time.Duration(i+1) * time.Second)
	}
	if _, wait := pickSource(penalty, &next, now); wait != time.Second {
		t.Fatalf("all under penalty: wait %v, want the earliest end (1s)", wait)
	}
}

// Client nodes start with different replicas: FirstSource spreads peer IDs over all of them.
func TestFirstSourceSpreads(t *testing.T) {
	seen := map[int]int{}
	for i := 0; i < 400; i++ {
		seen[FirstSource(peer.ID(string(rune(i))+"node"), 4)]++
	}
	for src := 0; src < 4; src++ {
		if seen[src] < 50 {
			t.Fatalf("first sources %v: replica %d nearly never first", seen, src)
		}
	}
}

// newTestNode is a client node without network: its application over a memory store.
func newTestNode(t *testing.T) *Node {
	t.Helper()
	g := &genesis.Genesis{ChainID: "follow-test"}
	store := chain.NewMemStore()
	app, err := chain.OpenApp(store, g.ChainID, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &Node{opts: Options{Genesis: g}, log: slog.New(slog.DiscardHandler), store: store, app: app,
		certs: map[uint64]*wire.ExecCert{}, metrics: newNodeMetrics(prometheus.NewRegistry())}
	ch := make(chan struct{})
	f.heightCh.Store(&ch)
	return f
}

// sourceChain executes empty batches of the given sequence numbers, as a replica (or a forger) would.
func sourceChain(t *testing.T, seqs ...uint64) []*chain.Block {
	t.Helper()
	store := chain.NewMemStore()
	app, err := chain.OpenApp(store, "follow-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []*chain.Block
	for _, seq := range seqs {
		b := store.NewBatch()
		blk, _, err := app.Execute(b, seq, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Commit(false); err != nil {
			t.Fatal(err)
		}
		app.Flushed()
		out = append(out, blk)
	}
	return out
}

// Consensus executes every sequence number into one block: a certified block of a later batch sent as the next
// block would execute here into a block no replica has, so it is refused however well it reproduces.
func TestClientNodeRefusesBlocksOutOfOrder(t *testing.T) {
	honest := sourceChain(t, 1, 2, 3)
	forged := sourceChain(t, 1, 3) // height 2 holds seq 3: seq 2 skipped
	f := newTestNode(t)
	if err := f.applyBlock(honest[0], nil, true); err != nil {
		t.Fatalf("block 1: %v", err)
	}
	for name, blk := range map[string]*chain.Block{"skipped seq": forged[1], "skipped height": honest[2], "replayed": honest[0]} {
		if err := f.applyBlock(blk, nil, true); !errors.Is(err, chain.ErrOutOfOrder) {
			t.Errorf("%s (height %d, seq %d): %v, want %v", name, blk.Header.Height, blk.Header.Seq, err, chain.ErrOutOfOrder)
		}
	}
	for _, blk := range honest[1:] {
		if err := f.applyBlock(blk, nil, true); err != nil {
			t.Fatalf("block %d: %v", blk.Header.Height, err)
		}
	}
}

// After a block that does not reproduce, the application is reloaded from the store and keeps no earlier
// state versions: the node must not claim (or serve reads at) a certified height it can no longer prove.
func TestClientNodeCertifiedHeightAfterReload(t *testing.T) {
	blocks := sourceChain(t, 1, 2, 3)
	f := newTestNode(t)
	for _, blk := range blocks[:2] {
		if err := f.applyBlock(blk, nil, true); err != nil {
			t.Fatal(err)
		}
	}
	f.addCert(&wire.ExecCert{Height: 1, BlockHash: blocks[0].Header.Hash()})
	if got := f.certifiedHeight(); got != 1 {
		t.Fatalf("certified height %d, want 1", got)
	}
	bad := *blocks[2]
	bad.Header.StateRoot[0] ^= 1
	if err := f.applyBlock(&bad, nil, true); !errors.Is(err, chain.ErrNotReproduced) {
		t.Fatalf("tampered block: %v, want %v", err, chain.ErrNotReproduced)
	}
	if got := f.certifiedHeight(); got != 0 {
		t.Fatalf("after reload: certified height %d, want 0 (height 1 is no longer kept)", got)
	}
	if _, err := f.ProvenRead([]byte("k")); !errors.Is(err, replica.ErrNoCertifiedState) {
		t.Fatalf("read after reload: %v, want %v", err, replica.ErrNoCertifiedState)
	}
	f.addCert(&wire.ExecCert{Height: 2, BlockHash: blocks[1].Header.Hash()})
	if p, err := f.ProvenRead([]byte("k")); err != nil || p.KV.Header.Height != 2 {
		t.Fatalf("read at the certified height 2: %v", err)
	}
}
