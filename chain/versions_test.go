package chain

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// Reads at every kept height give that height's value, version and a proof against that height's state root,
// while later blocks overwrite and delete the keys (several times in one block, too); older heights are refused.
func TestProveAtKeptHeights(t *testing.T) {
	const seed = 11
	rng := rand.New(rand.NewPCG(seed, 3))
	s := NewMemStore()
	a, err := OpenApp(s, testChain, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(9)
	type entry struct {
		version uint64
		value   string
	}
	model := map[string]entry{}
	var history []map[string]entry // by height-1
	var unflushed []Batch
	keys := []string{"a", "b", "c", "d", "e"}
	for h := uint64(1); h <= StateVersionsMax+10; h++ {
		var txs [][]byte
		for k := 0; k < 4; k++ {
			key := keys[rng.IntN(len(keys))]
			if rng.IntN(3) == 0 {
				txs = append(txs, c.tx(OpDelete, key, "", 0))
				delete(model, key)
				continue
			}
			v := fmt.Sprintf("%s@%d.%d", key, h, k)
			txs = append(txs, c.tx(OpPut, key, v, 0))
			model[key] = entry{model[key].version + 1, v}
		}
		// Some blocks stay unflushed for a while: later blocks read their writes from memory.
		b := s.NewBatch()
		if _, _, err := a.Execute(b, h, txs, nil); err != nil {
			t.Fatal(err)
		}
		if unflushed = append(unflushed, b); rng.IntN(2) == 0 {
			for _, b := range unflushed {
				if err := b.Commit(true); err != nil {
					t.Fatal(err)
				}
			}
			unflushed = unflushed[:0]
			a.Flushed()
		}
		snap := map[string]entry{}
		for k, v := range model {
			snap[k] = v
		}
		history = append(history, snap)
		for at := uint64(1); at <= h; at++ {
			for _, key := range keys {
				p, err := a.ProveAt([]byte(key), at)
				if h-at >= StateVersionsMax {
					if !errors.Is(err, ErrHeightNotKept) {
						t.Fatalf("seed %d: height %d proven at %d: %v", seed, at, h, err)
					}
					continue
				}
				want, in := history[at-1][key]
				if err != nil || p.Found != in || p.Version != want.version || string(p.Value) != want.value {
					t.Fatalf("seed %d: %s at %d (now %d): %+v %v, want %+v %v", seed, key, at, h, p, err, want, in)
				}
				if p.Header.Height != at || !p.Verify() {
					t.Fatalf("seed %d: %s at %d (now %d): proof does not verify", seed, key, at, h)
				}
				hdr, ok := a.KeptHeader(at)
				if !ok || hdr != p.Header {
					t.Fatalf("seed %d: kept header %d differs", seed, at)
				}
			}
		}
	}
}

// A proof of one height's value does not verify for another value or version, nor as absent.
func TestKVProofRefusesOtherValues(t *testing.T) {
	s := NewMemStore()
	a, _ := OpenApp(s, testChain, nil)
	c := newTestClient(10)
	execute(t, a, s, 1, c.tx(OpPut, "k", "v1", 0))
	p, err := a.ProveAt([]byte("k"), 1)
	if err != nil || !p.Verify() {
		t.Fatal(err)
	}
	for _, bad := range []KVProof{
		{Key: p.Key, Found: true, Version: 1, Value: []byte("v2"), Header: p.Header, Proof: p.Proof},
		{Key: p.Key, Found: true, Version: 2, Value: p.Value, Header: p.Header, Proof: p.Proof},
		{Key: p.Key, Header: p.Header, Proof: p.Proof},
		{Key: []byte("other"), Found: true, Version: 1, Value: p.Value, Header: p.Header, Proof: p.Proof},
	} {
		if bad.Verify() {
			t.Fatalf("tampered proof verifies: %+v", bad)
		}
	}
}
