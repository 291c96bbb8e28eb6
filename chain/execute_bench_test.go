package chain

import (
	"fmt"
	"testing"
)

// benchBlocks are pre-signed blocks of puts by distinct clients, so that the timed loop measures execution (the
// replica's path: every signature already verified), not signing.
func benchBlocks(blocks, txsPerBlock int) ([][][]byte, [][][32]byte) {
	clients := make([]*testClient, 64)
	for i := range clients {
		clients[i] = newTestClient(byte(100 + i))
	}
	txs := make([][][]byte, blocks)
	digests := make([][][32]byte, blocks)
	for n := range txs {
		for i := 0; i < txsPerBlock; i++ {
			raw := clients[i%len(clients)].tx(OpPut, fmt.Sprintf("k%d", (n*txsPerBlock+i)%10000), "value", 0)
			txs[n] = append(txs[n], raw)
			digests[n] = append(digests[n], TxHash(raw))
		}
	}
	return txs, digests
}

// BenchmarkExecuteBlock500 executes and commits blocks of 500 verified transactions as a replica does (with the
// hashes consensus computed); the app
// starts afresh (untimed) every len(blocks) iterations, since the nonces are used up.
func BenchmarkExecuteBlock500(b *testing.B) {
	blocks, digests := benchBlocks(32, 500)
	verified := func([32]byte) bool { return true }
	var a *App
	var s *MemStore
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		k := n % len(blocks)
		if k == 0 {
			b.StopTimer()
			s = NewMemStore()
			a, _ = OpenApp(s, testChain, nil)
			b.StartTimer()
		}
		if _, err := a.ExecuteAndCommit([]Certified{{Seq: uint64(k + 1), Txs: blocks[k], Hashes: digests[k], Cert: certOf(uint64(k + 1))}},
			verified, true, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(500*b.N), "ns/tx")
}
