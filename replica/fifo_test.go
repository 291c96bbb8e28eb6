package replica

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
)

func benchHash(i uint64) [32]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], i)
	return sha256.Sum256(b[:])
}

// fullFIFOSet is the verified-transactions set as a loaded replica has it: full, so each add evicts.
func fullFIFOSet(b *testing.B) *FIFOSet {
	s := NewFIFOSet(VerifiedTxCacheMax)
	for i := range VerifiedTxCacheMax {
		s.Add(benchHash(uint64(i) + 1<<50))
	}
	b.ResetTimer()
	return s
}

// BenchmarkFIFOSetParallel is the verified-transactions set under its real use: many goroutines (intake,
// per-peer verifiers, the driver), each transaction added once and looked up about four times.
func BenchmarkFIFOSetParallel(b *testing.B) {
	s := fullFIFOSet(b)
	var next atomic.Uint64
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h := benchHash(next.Add(1))
			s.Add(h)
			for range 4 {
				s.Has(h)
			}
		}
	})
}

// BenchmarkFIFOSetSerial is the same work from one goroutine: the cost without contention.
func BenchmarkFIFOSetSerial(b *testing.B) {
	s := fullFIFOSet(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h := benchHash(uint64(i))
		s.Add(h)
		for range 4 {
			s.Has(h)
		}
	}
}

// A sharded set keeps NewFIFOSet's bound overall, filled from several goroutines at once, keeps at least a
// generation of each shard, and holds the hash added last.
func TestFIFOSetBoundedAcrossShards(t *testing.T) {
	for _, max := range []int{2, 5, 100, 4096} {
		s := NewFIFOSet(max)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 3 * max {
					h := benchHash(uint64(g*1_000_000 + i))
					s.Add(h)
					s.Has(h)
				}
			}()
		}
		wg.Wait()
		if n := s.Len(); n > max || n < max/4 { // each shard holds one or two generations of a quarter to half of its share
			t.Fatalf("max %d: %d hashes held", max, n)
		}
		last := benchHash(1 << 40)
		if s.Add(last); !s.Has(last) || s.Len() > max {
			t.Fatalf("max %d: the hash added last is not held, or the set grew to %d", max, s.Len())
		}
	}
}
