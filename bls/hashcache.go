package bls

import (
	"sync"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// Hashing a message to G2 costs about a third of a millisecond, a quarter of a verification, and a replica
// hashes each message twice: when it signs its share and when it verifies the certificate combined from
// everybody's shares of the same message (a block's fast-path commit, its execution certificate). hashCache
// keeps the points of recent messages, so the second time is free.

// HashCacheMax bounds the messages whose hash to G2 is kept: a few per block, for the blocks in flight.
const HashCacheMax = 512

// hashCache holds at most HashCacheMax points in two generations: when the newer fills, the older is dropped
// (no per-entry bookkeeping; a miss only costs the hash again). Safe for concurrent use.
type hashCache struct {
	mu         sync.Mutex
	new, old   map[string]bls12381.G2Affine
	generation int // entries per generation
}

var hashes = hashCache{new: map[string]bls12381.G2Affine{}, old: map[string]bls12381.G2Affine{}, generation: HashCacheMax / 2}

func (c *hashCache) get(key string) (bls12381.G2Affine, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.new[key]; ok {
		return p, true
	}
	p, ok := c.old[key]
	return p, ok
}

func (c *hashCache) put(key string, p bls12381.G2Affine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.new) >= c.generation {
		c.old, c.new = c.new, c.old
		clear(c.new)
	}
	c.new[key] = p
}

// hashToG2 is the message's point on G2 under the domain separation tag dst, from the cache when it is there.
func hashToG2(msg, dst []byte) bls12381.G2Affine {
	key := string(dst) + "\x00" + string(msg)
	if p, ok := hashes.get(key); ok {
		return p
	}
	p := hashToG2Uncached(msg, dst)
	hashes.put(key, p)
	return p
}
