package sync_test

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/p2p"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// benchChain writes n blocks of txsPerBlock transactions of txBytes each into a fresh store.
func benchChain(b *testing.B, n, txsPerBlock, txBytes int) (chain.Store, [32]byte) {
	st := chain.NewMemStore()
	app, err := chain.OpenApp(st, "bench-sync", slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	var last [32]byte
	for h := 1; h <= n; h++ {
		txs := make([][]byte, txsPerBlock)
		for i := range txs {
			txs[i] = make([]byte, txBytes)
			binary.BigEndian.PutUint64(txs[i], uint64(h*txsPerBlock+i))
		}
		batch := st.NewBatch()
		blk, _, err := app.Execute(batch, uint64(h), txs, nil)
		if err != nil {
			b.Fatal(err)
		}
		batch.Commit(false)
		batch.Close()
		app.Flushed()
		last = blk.Header.Hash()
	}
	return st, last
}

// BenchmarkStateTransfer fetches and verifies a 2,000-block chain (20 transactions of 200 bytes per block) over
// real libp2p (TCP on loopback) from 1, 2 and 3 sources; `make bench-sync` runs it and reports blocks/s. On
// one machine the sources share its cores; rtt=10ms adds that much to every answer, as a network between
// machines would, which is where several sources pay off.
func BenchmarkStateTransfer(b *testing.B) {
	const blocks = 2000
	st, top := benchChain(b, blocks, 20, 200)
	keys := make([]ed25519.PrivateKey, 4)
	var infos []peer.AddrInfo
	for i := range keys {
		seed := make([]byte, 32)
		seed[0] = byte(i + 1)
		keys[i] = ed25519.NewKeyFromSeed(seed)
		pid, _ := genesis.PeerIDOf(keys[i].Public().(ed25519.PublicKey))
		infos = append(infos, peer.AddrInfo{ID: pid})
	}
	var rtt atomic.Value
	rtt.Store(time.Duration(0))
	hosts := make([]*p2p.Host, 4)
	for i := range hosts {
		lk, _ := genesis.LibP2PKey(keys[i])
		h, err := p2p.New(p2p.Config{ChainID: "bench-sync", Key: lk, Replicas: infos,
			ListenAddrs: []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/127.0.0.1/tcp/0")}})
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		hosts[i] = h
		infos[i].Addrs = h.Addrs()
		serve := bsync.BlocksHandler(st)
		h.HandleRequestParts(wire.BlocksProtocol, bsync.BlocksBounds, func(from peer.ID, req []byte) ([][]byte, error) {
			time.Sleep(rtt.Load().(time.Duration))
			return serve(from, req)
		})
	}
	fetcher := hosts[3]
	var peers []peer.ID
	for i := 0; i < 3; i++ {
		fetcher.LibP2P().Peerstore().AddAddrs(infos[i].ID, infos[i].Addrs, time.Hour)
		peers = append(peers, infos[i].ID)
	}
	for _, delay := range []time.Duration{0, 10 * time.Millisecond} {
		rtt.Store(delay)
		for k := 1; k <= 3; k++ {
			benchFetch(b, fmt.Sprintf("rtt=%v/sources=%d", delay, k), k, blocks, top, bsync.P2PSource{Host: fetcher, Peers: peers})
		}
	}
}

func benchFetch(b *testing.B, name string, k, blocks int, top [32]byte, src bsync.BlockSource) {
	{
		b.Run(name, func(b *testing.B) {
			var sources []bsync.SourceID
			for i := 0; i < k; i++ {
				sources = append(sources, bsync.SourceID(i))
			}
			start := time.Now()
			for it := 0; it < b.N; it++ {
				got, err := bsync.Fetch(context.Background(), bsync.DefaultConfig(), bsync.Target{Height: uint64(blocks), BlockHash: top},
					0, sources, src, time.Second, nil)
				if err != nil || len(got) != blocks {
					b.Fatalf("fetched %d: %v", len(got), err)
				}
			}
			b.ReportMetric(float64(blocks*b.N)/time.Since(start).Seconds(), "blocks/s")
		})
	}
}
