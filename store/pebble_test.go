package store

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbftnet/sbft/chain"
)

// pebble and MemStore, given the same batches (some closed without a commit, some not synced) and restarted at
// the same points, hold the same entries: every test of chain on MemStore then speaks for pebble too.
func TestPebbleAgreesWithMemStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	dir := t.TempDir()
	disk, err := OpenPebble(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { disk.Close() }()
	mem := chain.NewMemStore()
	key := func() []byte { return []byte(fmt.Sprintf("k%02d", rng.IntN(40))) }
	for round := 0; round < 300; round++ {
		commit := rng.IntN(8) != 0
		for _, s := range []chain.Store{disk, mem} {
			r := rand.New(rand.NewPCG(uint64(round), 7)) // the same operations on both stores
			b := s.NewBatch()
			for n := 1 + r.IntN(10); n > 0; n-- {
				k := []byte(fmt.Sprintf("k%02d", r.IntN(40)))
				switch r.IntN(6) {
				case 0:
					b.Delete(k)
				case 1:
					upper := []byte(fmt.Sprintf("k%02d", r.IntN(40)))
					if bytes.Compare(k, upper) > 0 {
						k, upper = upper, k
					}
					b.DeleteRange(k, upper)
				default:
					b.Set(k, bytes.Repeat([]byte{byte(round)}, r.IntN(100)))
				}
			}
			if commit {
				if err := b.Commit(round%2 == 0); err != nil {
					t.Fatal(err)
				}
			}
			b.Close()
		}
		if round%50 == 49 {
			disk.Close()
			if disk, err = OpenPebble(dir, nil); err != nil {
				t.Fatal(err)
			}
			mem.Close()
			mem.Reopen()
		}
		lower, upper := key(), key()
		if got, want := entries(t, disk, lower, upper), entries(t, mem, lower, upper); got != want {
			t.Fatalf("round %d, [%s, %s): pebble holds %s, MemStore %s", round, lower, upper, got, want)
		}
		if got, want := entries(t, disk, nil, nil), entries(t, mem, nil, nil); got != want {
			t.Fatalf("round %d: pebble holds %s, MemStore %s", round, got, want)
		}
		k := key()
		v1, err1 := disk.Get(k)
		v2, err2 := mem.Get(k)
		if !bytes.Equal(v1, v2) || errors.Is(err1, chain.ErrNotFound) != errors.Is(err2, chain.ErrNotFound) {
			t.Fatalf("round %d, Get(%s): pebble %x %v, MemStore %x %v", round, k, v1, err1, v2, err2)
		}
	}
}

// entries lists a store's entries in [lower, upper) (nil upper: no bound) in iteration order.
func entries(t *testing.T, s chain.Store, lower, upper []byte) string {
	t.Helper()
	var out strings.Builder
	err := s.Iterate(lower, upper, func(k, v []byte) error {
		fmt.Fprintf(&out, "%s=%x ", k, v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// The application on pebble, restarted halfway and at the end, ends on the block and state root it ends on over
// MemStore.
func TestAppOnPebbleAgreesWithMemStore(t *testing.T) {
	const chainID = "test-chain"
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	rng := rand.New(rand.NewPCG(9, 9))
	var batches [][][]byte
	for nonce := uint64(1); len(batches) < 30; {
		var txs [][]byte
		for j := rng.IntN(20); j >= 0; j-- {
			tx := chain.Tx{Nonce: nonce, Op: []chain.Op{chain.OpPut, chain.OpDelete, chain.OpCAS}[rng.IntN(3)],
				Key: []byte(fmt.Sprintf("k%d", rng.IntN(15))), Value: []byte(fmt.Sprint(rng.Int())), Version: uint64(rng.IntN(3))}
			if tx.Op == chain.OpDelete {
				tx.Value = nil
			}
			copy(tx.Client[:], priv.Public().(ed25519.PublicKey))
			tx.Sign(chainID, priv)
			txs = append(txs, tx.Marshal())
			nonce++
		}
		batches = append(batches, txs)
	}
	run := func(s chain.Store, restart func() chain.Store) (chain.Header, [32]byte) {
		a, err := chain.OpenApp(s, chainID, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, txs := range batches {
			if i == len(batches)/2 || i == len(batches)-1 {
				s = restart()
				if a, err = chain.OpenApp(s, chainID, nil); err != nil {
					t.Fatalf("reopen before batch %d: %v", i+1, err)
				}
			}
			b := s.NewBatch()
			if _, _, err := a.Execute(b, uint64(i+1), txs, nil); err != nil {
				t.Fatal(err)
			}
			if err := b.Commit(true); err != nil {
				t.Fatal(err)
			}
			b.Close()
			a.Flushed()
		}
		return a.LastHeader(), a.StateRoot()
	}
	mem := chain.NewMemStore()
	memHead, memRoot := run(mem, func() chain.Store { mem.Close(); mem.Reopen(); return mem })
	dir := t.TempDir()
	disk, err := OpenPebble(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	diskHead, diskRoot := run(disk, func() chain.Store {
		disk.Close()
		if disk, err = OpenPebble(dir, nil); err != nil {
			t.Fatal(err)
		}
		return disk
	})
	defer disk.Close()
	if diskHead.Hash() != memHead.Hash() || diskRoot != memRoot || memHead.Height != uint64(len(batches)) {
		t.Fatalf("pebble ends on block %d root %x, MemStore on block %d root %x", diskHead.Height, diskRoot[:8],
			memHead.Height, memRoot[:8])
	}
}

func TestOpenPebbleInUseNamesTheHolder(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenPebble(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = OpenPebble(dir, nil)
	if !errors.Is(err, chain.ErrStoreInUse) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Fatalf("second open: %v, want ErrStoreInUse naming this process", err)
	}
}

// A damaged store file found by a read is that read's error, marked ErrStoreCorrupt with the remedy; before, pebble
// called Fatalf and the replica died in a panic with a long stack.
func TestCorruptStoreIsAnErrorWithTheRemedy(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenPebble(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	val := make([]byte, 1024)
	for b := 0; b < 80; b++ { // past the memtable: the data reaches sstables
		bt := s.NewBatch()
		for i := 0; i < 1024; i++ {
			bt.Set([]byte(fmt.Sprintf("k%05d-%05d", b, i)), val)
		}
		if err := bt.Commit(false); err != nil {
			t.Fatal(err)
		}
		bt.Close()
	}
	s.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(files) == 0 {
		t.Fatal("no sstable written")
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for i := len(b) / 3; i < len(b)/3+4096 && i < len(b); i++ {
			b[i] ^= 0xff
		}
		os.WriteFile(f, b, 0o644)
	}
	if s, err = OpenPebble(dir, nil); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Iterate(nil, []byte{0xff}, func(k, v []byte) error { return nil })
	if !errors.Is(err, chain.ErrStoreCorrupt) || !strings.Contains(err.Error(), "wipe the data directory") {
		t.Fatalf("iterating a damaged store: %v, want ErrStoreCorrupt with the remedy", err)
	}
}
