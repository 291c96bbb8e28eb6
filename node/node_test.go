package node

import (
	"time"

	"os"
	"path/filepath"
	"testing"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/wire"
)

func TestConfigRoundTripAndValidation(t *testing.T) {
	home := t.TempDir()
	c := DefaultConfig()
	c.Listen = []string{"/ip4/127.0.0.1/tcp/1"}
	c.HTTPAddr = "127.0.0.1:2"
	if err := c.Save(home); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(home)
	if err != nil || got.HTTPAddr != c.HTTPAddr || got.Consensus != c.Consensus {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	os.WriteFile(filepath.Join(home, ConfigFileName), []byte("tick_ms = 0\n"), 0o644)
	if _, err := LoadConfig(home); err == nil {
		t.Fatal("tick_ms 0 accepted")
	}
	os.WriteFile(filepath.Join(home, ConfigFileName), []byte("no_such_key = 1\n"), 0o644)
	if _, err := LoadConfig(home); err == nil {
		t.Fatal("an unknown key was accepted")
	}
}

func TestCachesStayBounded(t *testing.T) {
	tc := NewTxCache(8)
	rc := newResultCache(8)
	for i := 0; i < 100; i++ {
		h := [32]byte{byte(i), 1}
		tc.add(h)
		rc.add(&wire.Reply{TxHash: h})
	}
	if len(tc.set) != 8 || len(rc.byHash) != 8 {
		t.Fatalf("caches grew to %d and %d entries, bound 8", len(tc.set), len(rc.byHash))
	}
	if !tc.has([32]byte{99, 1}) || tc.has([32]byte{0, 1}) {
		t.Fatal("the cache did not keep the newest entries")
	}
	if _, ok := rc.get([32]byte{99, 1}); !ok {
		t.Fatal("the result cache lost the newest entry")
	}
}

type countingWaiter struct{ n int }

func (w *countingWaiter) Deliver(*wire.Reply) { w.n++ }

func TestWaitersBoundAndExpiry(t *testing.T) {
	ws := newWaiters(100)
	w := &countingWaiter{}
	for i := 0; i < 10; i++ {
		if !ws.add([32]byte{byte(i)}, w, 0, time.Time{}) {
			t.Fatal("add refused below the bound")
		}
	}
	ws.deliver(&wire.Reply{TxHash: [32]byte{3}})
	if w.n != 1 || ws.count != 9 {
		t.Fatalf("deliver: %d delivered, %d left", w.n, ws.count)
	}
	ws.expire(1024) // every waiter is older than the TTL of 100 ticks
	if ws.count != 0 || len(ws.byHash) != 0 {
		t.Fatalf("expire left %d waiters", ws.count)
	}
}

// `sbft testnet` writes the genesis default, which must be the production interval of the core.
func TestGenesisCheckpointIntervalIsTheCoreDefault(t *testing.T) {
	if genesis.DefaultCheckpointInterval != consensus.CheckpointIntervalSeqsDefault {
		t.Fatalf("genesis default interval %d, core default %d", genesis.DefaultCheckpointInterval, consensus.CheckpointIntervalSeqsDefault)
	}
}
