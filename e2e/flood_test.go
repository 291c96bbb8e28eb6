package e2e

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// floodRSSMax is the bound on a replica's resident memory under any flood below; floodLogLinesMax on its log.
const (
	floodRSSMax      = 512 << 20
	floodLogLinesMax = 200
)

// putLatency is the median latency of n sequential puts by c.
func putLatency(t *testing.T, ctx context.Context, c *client.Client, prefix string, n int) time.Duration {
	t.Helper()
	var ds []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		if _, err := c.Put(ctx, []byte(fmt.Sprintf("%s-%d", prefix, i)), []byte("v")); err != nil {
			t.Fatalf("honest put during %s: %v", prefix, err)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// attackers are n libp2p hosts with fresh identities, connected to replica 0.
func attackers(t *testing.T, ctx context.Context, tn *testnet, n int) []host.Host {
	var hs []host.Host
	for i := 0; i < n; i++ {
		h := rawHost(t, "")
		if err := h.Connect(ctx, tn.addrInfo(0)); err != nil {
			t.Fatalf("attacker %d: %v", i, err)
		}
		hs = append(hs, h)
	}
	return hs
}

// Floods by outsiders and clients, one after the other against one testnet: stream floods, slowloris sessions,
// bad signatures from many identities. Under each, an honest client keeps committing and replica 0 stays under
// floodRSSMax; the honest put latency, quiet and under each flood, is logged for the record (timing is not
// asserted here).
func TestFloodsLeaveHonestClientsServed(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 5*time.Minute)
	c := tn.client(0)
	pid := tn.addrInfo(0).ID
	quiet := putLatency(t, ctx, c, "quiet", 20)
	floods := []struct {
		name  string
		start func(stop <-chan struct{}, wg *sync.WaitGroup)
	}{
		{"stream flood (20 identities x 1,000 streams on every protocol)", func(stop <-chan struct{}, wg *sync.WaitGroup) {
			protos := []protocol.ID{p2p.ProtocolID(tn.g.ChainID, wire.TxSession), p2p.ProtocolID(tn.g.ChainID, wire.BlocksProtocol),
				p2p.ProtocolID(tn.g.ChainID, wire.MeshProtocol), wire.InfoProtocol}
			for _, h := range attackers(t, ctx, tn, 20) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var open []network.Stream
					defer func() {
						for _, s := range open {
							s.Reset()
						}
					}()
					for k := 0; k < 1000; k++ {
						select {
						case <-stop:
							return
						default:
						}
						if s, err := h.NewStream(ctx, pid, protos[k%len(protos)]); err == nil {
							s.Write([]byte{1}) // and never finish the frame
							open = append(open, s)
						}
					}
					<-stop
				}()
			}
		}},
		{"slowloris (100 identities x 4 sessions, one byte each)", func(stop <-chan struct{}, wg *sync.WaitGroup) {
			for _, h := range attackers(t, ctx, tn, 100) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := 0; k < 4; k++ {
						if s, err := h.NewStream(ctx, pid, p2p.ProtocolID(tn.g.ChainID, wire.TxSession)); err == nil {
							s.Write([]byte{0x80}) // the first byte of a length that never ends
							defer s.Reset()
						}
					}
					<-stop
				}()
			}
		}},
		{"bad signatures (50 identities x 200 transactions)", func(stop <-chan struct{}, wg *sync.WaitGroup) {
			for i := 0; i < 50; i++ {
				key := seededKey(fmt.Sprintf("forger-%d", i))
				h := rawHostKey(t, key)
				if err := h.Connect(ctx, tn.addrInfo(0)); err != nil {
					t.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := h.NewStream(ctx, pid, p2p.ProtocolID(tn.g.ChainID, wire.TxSession))
					if err != nil {
						return
					}
					defer s.Reset()
					for n := uint64(1); n <= 200; n++ {
						tx := &chain.Tx{Nonce: n, Op: chain.OpPut, Key: []byte("forged"), Value: []byte("x")}
						copy(tx.Client[:], key.Public().(ed25519.PublicKey))
						tx.Sig[0] = 1
						if p2p.WriteFrame(s, wire.EncodeSubmit(tx.Marshal())) != nil {
							return // banned
						}
					}
					<-stop
				}()
			}
		}},
	}
	t.Logf("honest put latency, quiet: p50 %v", quiet)
	for _, f := range floods {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		f.start(stop, &wg)
		during := putLatency(t, ctx, c, "during", 20)
		rss := rssBytes(tn.procs[0].Process.Pid)
		close(stop)
		wg.Wait()
		t.Logf("%s: honest put p50 %v (quiet %v), replica 0 RSS %d MB", f.name, during, quiet, rss>>20)
		if rss > floodRSSMax {
			t.Fatalf("%s: replica 0 RSS %d MB, bound %d MB", f.name, rss>>20, floodRSSMax>>20)
		}
	}
	// Thousands of refusals, a few lines: peer-caused events are logged sampled.
	logText, _ := os.ReadFile(filepath.Join(tn.home(0), "replica.log"))
	if lines := strings.Count(string(logText), "\n"); lines > floodLogLinesMax {
		t.Fatalf("replica 0 wrote %d log lines under the floods, bound %d", lines, floodLogLinesMax)
	}
}
