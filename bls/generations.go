package bls

import "sync"

// generations is a bounded cache in two generations: when the newer is full, the older is dropped and the
// newer takes its place (no per-entry bookkeeping; a miss only costs the work again). At most max entries.
// Safe for concurrent use. The caches of this package (hashes to G2, decoded signatures) are built on it.
type generations[K comparable, V any] struct {
	mu       sync.Mutex
	new, old map[K]V
	max      int
}

func newGenerations[K comparable, V any](max int) *generations[K, V] {
	return &generations[K, V]{new: map[K]V{}, old: map[K]V{}, max: max}
}

func (g *generations[K, V]) get(k K) (V, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if v, ok := g.new[k]; ok {
		return v, true
	}
	v, ok := g.old[k]
	return v, ok
}

func (g *generations[K, V]) put(k K, v V) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.new) >= g.max/2 {
		g.old, g.new = g.new, g.old
		clear(g.new)
	}
	g.new[k] = v
}
