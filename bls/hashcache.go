package bls

import (
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// Hashing a message to G2 costs about a third of a millisecond, a quarter of a verification, and a replica
// hashes each message twice: when it signs its share and when it verifies the certificate combined from
// everybody's shares of the same message (a block's fast-path commit, its execution certificate). hashes
// keeps the points of recent messages, so the second time is free.

// HashCacheMax bounds the messages whose hash to G2 is kept: a few per block, for the blocks in flight.
const HashCacheMax = 512

var hashes = newGenerations[string, bls12381.G2Affine](HashCacheMax)

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
