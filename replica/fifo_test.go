package replica

import (
	"crypto/sha256"
	"encoding/binary"
	"sync/atomic"
	"testing"
)

func benchHash(i uint64) [32]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], i)
	return sha256.Sum256(b[:])
}

// BenchmarkFIFOSetParallel is the verified-transactions set under its real use: many goroutines (intake,
// per-peer verifiers, the driver), each transaction added once and looked up about four times.
func BenchmarkFIFOSetParallel(b *testing.B) {
	s := NewFIFOSet(VerifiedTxCacheMax)
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
	s := NewFIFOSet(VerifiedTxCacheMax)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h := benchHash(uint64(i))
		s.Add(h)
		for range 4 {
			s.Has(h)
		}
	}
}
