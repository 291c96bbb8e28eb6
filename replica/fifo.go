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

// FIFOSet is a set of at most a bound of hashes that forgets the oldest first (a fifoMap), safe for concurrent
// use: the hashes of transactions whose client signature verified (VerifiedTxCacheMax), shared by the
// verifier's goroutines and the driver, and the verifier's hashes of certificates that verified
// (VerifiedCertCacheMax).
type FIFOSet struct {
	mu  sync.Mutex
	set fifoMap[[32]byte, struct{}]
}

// NewFIFOSet returns a set of at most max hashes.
func NewFIFOSet(max int) *FIFOSet { return &FIFOSet{set: newFIFOMap[[32]byte, struct{}](max)} }

// Add adds h, forgetting the oldest hash when full.
func (s *FIFOSet) Add(h [32]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set.add(h, struct{}{})
}

// Has reports whether h is in the set.
func (s *FIFOSet) Has(h [32]byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.set.get(h)
	return ok
}
