package bls

import (
	"fmt"
	"testing"
)

// The cache answers what hashing answers, and holds at most HashCacheMax points.
func TestHashCache(t *testing.T) {
	for i := range 3 * HashCacheMax {
		msg := []byte(fmt.Sprint("message ", i%(HashCacheMax+7)))
		got, want := hashToG2(msg, dstSign), hashToG2Uncached(msg, dstSign)
		if !got.Equal(&want) {
			t.Fatalf("message %d: the cached point differs from the hash", i)
		}
		hashes.mu.Lock()
		held := len(hashes.new) + len(hashes.old)
		hashes.mu.Unlock()
		if held > HashCacheMax {
			t.Fatalf("%d points held, at most %d", held, HashCacheMax)
		}
	}
	a, b := hashToG2([]byte("m"), dstSign), hashToG2([]byte("m"), dstPoP)
	if a.Equal(&b) {
		t.Fatal("one message under two tags hashed to one point: the tag is not in the key")
	}
}

// A replica's round for one block: it signs its share of a message, then verifies the certificate others
// combined over the same message (the second hash comes from the cache).
func BenchmarkSignThenVerifySameMessage(b *testing.B) {
	sk, _ := KeyFromSeed(make([]byte, 32))
	pk := sk.PublicKey()
	for i := 0; i < b.N; i++ {
		msg := []byte(fmt.Sprint("block ", i))
		if !Verify(pk, msg, sk.Sign(msg)) {
			b.Fatal("did not verify")
		}
	}
}
