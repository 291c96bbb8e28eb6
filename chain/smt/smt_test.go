package smt

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
)

// naiveRoot computes the root from scratch from the leaf set by the rules of the package doc.
func naiveRoot(leaves map[Hash]Hash) Hash {
	keys := make([]Hash, 0, len(leaves))
	for k := range leaves {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return string(keys[i][:]) < string(keys[j][:]) })
	var rec func(depth int, ks []Hash) Hash
	rec = func(depth int, ks []Hash) Hash {
		switch len(ks) {
		case 0:
			return Hash{}
		case 1:
			return LeafHash(ks[0], leaves[ks[0]])
		}
		i := sort.Search(len(ks), func(i int) bool { return bit(&ks[i], depth) == 1 })
		return internalHash(rec(depth+1, ks[:i]), rec(depth+1, ks[i:]))
	}
	return rec(0, keys)
}

func hashOfInt(i uint64) Hash {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], i)
	return sha256.Sum256(b[:])
}

// randomKey draws keys from a small pool, some differing only in their last bits, so paths share long prefixes.
func randomKey(rng *rand.Rand) Hash {
	k := hashOfInt(uint64(rng.IntN(64)))
	if rng.IntN(2) == 0 {
		k[31] ^= byte(rng.IntN(4))
	}
	return k
}

func TestAgainstNaiveModel(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		tr, model := New(), map[Hash]Hash{}
		for round := 0; round < 40; round++ {
			for k := rng.IntN(20); k >= 0; k-- {
				key := randomKey(rng)
				if rng.IntN(3) == 0 {
					tr.Delete(key)
					delete(model, key)
				} else {
					v := hashOfInt(rng.Uint64())
					tr.Set(key, v)
					model[key] = v
				}
			}
			if got, want := tr.Commit(), naiveRoot(model); got != want {
				t.Fatalf("seed %d round %d: root %x, naive %x", seed, round, got[:6], want[:6])
			}
			if tr.Len() != len(model) {
				t.Fatalf("seed %d round %d: len %d, want %d", seed, round, tr.Len(), len(model))
			}
			for k, v := range model {
				if got, ok := tr.Get(k); !ok || got != v {
					t.Fatalf("seed %d: get mismatch", seed)
				}
			}
		}
	}
}

func TestHistoryIndependence(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	final := map[Hash]Hash{}
	for i := 0; i < 500; i++ {
		final[hashOfInt(uint64(i))] = hashOfInt(uint64(i) + 1000)
	}
	// One batch.
	a := New()
	for k, v := range final {
		a.Set(k, v)
	}
	a.Commit()
	// Many small batches, with extra keys inserted and deleted again on the way.
	b := New()
	n := 0
	for k, v := range final {
		b.Set(k, v)
		junk := hashOfInt(rng.Uint64())
		b.Set(junk, junk)
		if n%7 == 0 {
			b.Commit()
		}
		b.Delete(junk)
		n++
	}
	b.Commit()
	if a.Root() != b.Root() || a.Len() != b.Len() {
		t.Fatalf("roots differ by history: %x vs %x", a.Root(), b.Root())
	}
	// Deleting everything gives the empty root.
	for k := range final {
		b.Delete(k)
	}
	if b.Commit() != (Hash{}) || b.Len() != 0 {
		t.Fatal("empty tree has a non-zero root")
	}
}

func TestProofs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	tr := New()
	present := map[Hash]Hash{}
	for len(present) < 200 {
		k := randomKey(rng)
		v := hashOfInt(rng.Uint64())
		present[k] = v
		tr.Set(k, v)
	}
	tr.Commit()
	root := tr.Root()
	for k, v := range present {
		p, err := UnmarshalProof(tr.Prove(k).Marshal())
		if err != nil {
			t.Fatal(err)
		}
		if !Verify(root, k, &v, p) {
			t.Fatal("inclusion proof does not verify")
		}
		wrong := v
		wrong[0] ^= 1
		if Verify(root, k, &wrong, p) || Verify(root, k, nil, p) {
			t.Fatal("inclusion proof verifies a wrong value or absence")
		}
		if len(p.Siblings) > 0 {
			p.Siblings[0][0] ^= 1
			if Verify(root, k, &v, p) {
				t.Fatal("tampered proof verifies")
			}
		}
	}
	sawEmpty, sawOther := false, false
	for i := 0; i < 500; i++ {
		k := hashOfInt(uint64(i) + 1<<40)
		if _, ok := present[k]; ok {
			continue
		}
		p := tr.Prove(k)
		if p.HasLeaf {
			sawOther = true
		} else {
			sawEmpty = true
		}
		if !Verify(root, k, nil, p) {
			t.Fatal("non-inclusion proof does not verify")
		}
		v := Hash{1}
		if Verify(root, k, &v, p) {
			t.Fatal("non-inclusion proof verifies inclusion")
		}
		if Verify(Hash{9}, k, nil, p) {
			t.Fatal("proof verifies against a wrong root")
		}
	}
	if !sawEmpty || !sawOther {
		t.Fatalf("both non-inclusion kinds must be exercised: empty %v other-leaf %v", sawEmpty, sawOther)
	}
	// A present key cannot be proven absent with its own leaf.
	for k := range present {
		if Verify(root, k, nil, tr.Prove(k)) {
			t.Fatal("present key proven absent")
		}
		break
	}
}

func TestEmptyTreeProof(t *testing.T) {
	tr := New()
	if !Verify(tr.Root(), Hash{1}, nil, tr.Prove(Hash{1})) {
		t.Fatal("absence in the empty tree does not verify")
	}
}

func FuzzUnmarshalProof(f *testing.F) {
	tr := New()
	tr.Set(Hash{1}, Hash{2})
	tr.Set(Hash{0x80}, Hash{3})
	tr.Commit()
	f.Add(tr.Prove(Hash{1}).Marshal())
	f.Add(tr.Prove(Hash{0x40}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := UnmarshalProof(b)
		if err != nil {
			return
		}
		_ = Verify(tr.Root(), Hash{1}, nil, p)
		if q, err := UnmarshalProof(p.Marshal()); err != nil || len(q.Siblings) != len(p.Siblings) {
			t.Fatal("re-encoding changed the proof")
		}
	})
}

var (
	bigOnce sync.Once
	bigTree *Tree
)

func preloaded(b *testing.B) *Tree {
	bigOnce.Do(func() {
		bigTree = New()
		for i := uint64(0); i < 1_000_000; i++ {
			bigTree.Set(hashOfInt(i), hashOfInt(i+1))
		}
		bigTree.Commit()
	})
	return bigTree
}

func benchCommit(b *testing.B, batch int) {
	tr := preloaded(b)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := 0; k < batch; k++ {
			tr.Set(hashOfInt(uint64(rng.IntN(2_000_000))), hashOfInt(rng.Uint64()))
		}
		tr.Commit()
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "keys/s")
}

func BenchmarkCommit500On1M(b *testing.B)  { benchCommit(b, 500) }
func BenchmarkCommit5000On1M(b *testing.B) { benchCommit(b, 5000) }

func BenchmarkBuild1M(b *testing.B) {
	for i := 0; i < b.N; i++ {
		tr := New()
		for k := uint64(0); k < 1_000_000; k++ {
			tr.Set(hashOfInt(k), hashOfInt(k+1))
		}
		tr.Commit()
	}
}

// A snapshot keeps answering for its version while the tree goes on: same root, same values, and proofs that
// verify against its root, whatever later commits change or delete.
func TestSnapshotsStayValid(t *testing.T) {
	seed := uint64(7)
	rng := rand.New(rand.NewPCG(seed, seed))
	tr := New()
	type version struct {
		snap   Snapshot
		leaves map[Hash]Hash
	}
	var versions []version
	leaves := map[Hash]Hash{}
	for round := 0; round < 40; round++ {
		for k := 0; k < 20; k++ {
			key := randomKey(rng)
			if rng.IntN(4) == 0 {
				tr.Delete(key)
				delete(leaves, key)
				continue
			}
			v := hashOfInt(rng.Uint64())
			tr.Set(key, v)
			leaves[key] = v
		}
		tr.Commit()
		copied := make(map[Hash]Hash, len(leaves))
		for k, v := range leaves {
			copied[k] = v
		}
		versions = append(versions, version{snap: tr.Snapshot(), leaves: copied})
	}
	for i, v := range versions {
		if got, want := v.snap.Root(), naiveRoot(v.leaves); got != want || v.snap.Len() != len(v.leaves) {
			t.Fatalf("seed %d: snapshot %d root %x (len %d), want %x (len %d)", seed, i, got[:4], v.snap.Len(), want[:4], len(v.leaves))
		}
		for k := 0; k < 30; k++ {
			key := randomKey(rng)
			val, in := v.leaves[key]
			got, ok := v.snap.Get(key)
			if ok != in || got != val {
				t.Fatalf("seed %d: snapshot %d Get differs", seed, i)
			}
			var vp *Hash
			if in {
				vp = &val
			}
			if !Verify(v.snap.Root(), key, vp, v.snap.Prove(key)) {
				t.Fatalf("seed %d: snapshot %d proof does not verify", seed, i)
			}
		}
	}
}
