package replica

import "sync"

// fifoMap is a map of at most max entries that forgets the oldest first: a ring of its keys in the order they
// were added. Adding a key it holds changes nothing, so the first value stays. Not safe for concurrent use.
type fifoMap[K comparable, V any] struct {
	m    map[K]V
	ring []K // grows to max, then wraps
	max  int
	next int
}

func newFIFOMap[K comparable, V any](max int) fifoMap[K, V] {
	return fifoMap[K, V]{m: make(map[K]V), max: max}
}

// add keeps v under k, forgetting the oldest entry when full, unless k is held already.
func (f *fifoMap[K, V]) add(k K, v V) {
	if _, ok := f.m[k]; ok {
		return
	}
	f.m[k] = v
	if len(f.ring) < f.max {
		f.ring = append(f.ring, k)
	} else {
		delete(f.m, f.ring[f.next])
		f.ring[f.next] = k
		f.next = (f.next + 1) % f.max
	}
	assert(len(f.m) == len(f.ring) && len(f.m) <= f.max, "%d entries, %d in the ring, at most %d", len(f.m), len(f.ring), f.max)
}

func (f *fifoMap[K, V]) get(k K) (V, bool) {
	v, ok := f.m[k]
	return v, ok
}

func (f *fifoMap[K, V]) len() int { return len(f.m) }

// FIFOSet is a set of at most a bound of hashes that forgets the oldest first, safe for concurrent use: the
// hashes of transactions whose client signature verified (VerifiedTxCacheMax), shared by the intake, the
// verifier's goroutines and the driver, and the verifier's hashes of certificates that verified
// (VerifiedCertCacheMax). Every transaction is added once and looked up about four times, from all those
// goroutines: one mutex would serialise them, so the set is FIFOSetShards shards, each with its own mutex and
// an equal share of the bound, chosen by a byte of the hash (uniform: hashes are SHA-256).
//
// A shard is two generations of at most half its share: adds go to the newer, and when it is full the older
// is cleared whole and becomes the newer. Deleting the oldest hash one at a time (a fifoMap) leaves a
// tombstone in the map per add, and probing past them was a third of the set's time (BenchmarkFIFOSetSerial's
// profile); a cleared map has none and allocates nothing. Once filled, the set holds from about half its
// bound to its bound, the newest hashes always.
type FIFOSet struct {
	shards []fifoShard
}

type fifoShard struct {
	mu       sync.Mutex
	cur, old map[[32]byte]struct{}
	gen      int      // the most a generation holds
	_        [64]byte // keeps shards' mutexes off each other's cache line
}

// NewFIFOSet returns a set of at most max (at least 2) hashes.
func NewFIFOSet(max int) *FIFOSet {
	assert(max >= 2, "FIFOSet of %d hashes", max)
	n := min(FIFOSetShards, max/2) // a small set gets fewer shards: two generations of at least one hash each
	s := &FIFOSet{shards: make([]fifoShard, n)}
	for i := range s.shards {
		sh := &s.shards[i]
		sh.gen = max / n / 2
		// Not sized up front: the maps grow with use (an idle replica's whole heap was these sets' 19 MB),
		// and once a generation has filled, clearing keeps its memory.
		sh.cur, sh.old = make(map[[32]byte]struct{}), make(map[[32]byte]struct{})
	}
	return s
}

func (s *FIFOSet) shard(h [32]byte) *fifoShard { return &s.shards[int(h[0])%len(s.shards)] }

// Add adds h, forgetting the older generation of its shard when the newer is full.
func (s *FIFOSet) Add(h [32]byte) {
	sh := s.shard(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.has(h) {
		return
	}
	if len(sh.cur) >= sh.gen {
		clear(sh.old) // reused: a cleared map keeps its memory and has no tombstones
		sh.old, sh.cur = sh.cur, sh.old
	}
	sh.cur[h] = struct{}{}
	assert(len(sh.cur) <= sh.gen && len(sh.old) <= sh.gen, "shard generations of %d and %d hashes, at most %d",
		len(sh.cur), len(sh.old), sh.gen)
}

// Has reports whether h is in the set.
func (s *FIFOSet) Has(h [32]byte) bool {
	sh := s.shard(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.has(h)
}

func (sh *fifoShard) has(h [32]byte) bool {
	if _, ok := sh.cur[h]; ok {
		return true
	}
	_, ok := sh.old[h]
	return ok
}

// Len is the number of hashes held.
func (s *FIFOSet) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.cur) + len(sh.old)
		sh.mu.Unlock()
	}
	return n
}
