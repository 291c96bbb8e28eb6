package e2e

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// Peers that ask for answers and never read them, on every protocol that answers with data: blocks (from
// outsiders and from a replica's key), proven reads of a large value, subscriptions and the genesis. Each answer
// counts against the replica's answer budget until written, so what it holds stays under the budget's bounds
// and its RSS grows by at most growthMax (measured: 210 -> 333 MB holding 164 MiB of answers); honest clients keep committing. Before the budget,
// 8 unread blocks requests took a replica from 199 to 664 MB (905 MB with a replica's key), and more would
// have ended in an out-of-memory kill.
func TestAnswerFloodsStayWithinBudget(t *testing.T) {
	const (
		values     = 320       // of 60 KiB: about 19 MB of blocks, so one blocks answer of them all is that big
		outsiders  = 8         // fresh identities
		perPeer    = 8         // streams each (libp2p's per-protocol limit, p2p.RequestStreamsPerPeerMax)
		growthMax  = 256 << 20 // the answers one replica key and all outsiders may hold: 72 + 128 MiB, and slack
		valueBytes = 60 << 10
	)
	tn := newTestnet(t, 4)
	for i := 0; i < 3; i++ {
		tn.start(i) // replica 3 stays down: the attacker uses its key
	}
	tn.waitStatus(0, func(s *replica.Status) bool { return s.Peers >= 2 }, "peers")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := tn.client(0)
	bigValue := make([]byte, valueBytes)
	putKeysWith(t, ctx, c, "big-", values, func(string) []byte { return bigValue })
	height := tn.waitAgree([]int{0, 1, 2}, 1).Height
	ai := tn.addrInfo(0)
	pid := tn.procs[0].Process.Pid
	rssBefore := rssBytes(pid)
	peak := sampleRSSPeak(ctx, pid)

	blocksReq := wire.BlocksRequest{From: 1, To: min(height, wire.BlocksChunkMax)}.Marshal()
	var unread []network.Stream
	ask := func(h host.Host, proto protocol.ID, req []byte) {
		s, err := h.NewStream(ctx, ai.ID, proto)
		if err != nil {
			return // refused by libp2p's per-peer stream limit: that bound held
		}
		p2p.WriteFrame(s, req)
		unread = append(unread, s)
	}
	blocks := p2p.ProtocolID(tn.g.ChainID, wire.BlocksProtocol)
	hosts := []host.Host{rawHost(t, tn.home(3)+"/key.json")} // a replica's key first
	for k := 0; k < outsiders; k++ {
		hosts = append(hosts, rawHostKey(t, seededKey(fmt.Sprintf("reader-%d", k))))
	}
	for _, h := range hosts {
		if err := h.Connect(ctx, ai); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < perPeer; j++ {
			ask(h, blocks, blocksReq)
			ask(h, p2p.ProtocolID(tn.g.ChainID, wire.ReadProtocol), []byte("big-1"))
			ask(h, protocol.ID(wire.InfoProtocol), nil)
		}
		for j := 0; j < p2p.SessionsPerPeerMax; j++ {
			ask(h, p2p.ProtocolID(tn.g.ChainID, wire.SubscribeProtocol), wire.EncodeSubscribe(1))
		}
	}
	// The replica builds what the budget allows and holds it for readers that never read.
	waitFor(t, "answers held for the readers", func() bool {
		return tn.metric(0, `sbft_p2p_answer_bytes{kind="other"}`) > 64<<20 &&
			tn.metric(0, `sbft_p2p_answer_bytes{kind="replica"}`) > 16<<20
	})
	heldOther, heldReplica := tn.metric(0, `sbft_p2p_answer_bytes{kind="other"}`), tn.metric(0, `sbft_p2p_answer_bytes{kind="replica"}`)
	busy := tn.metric(0, `sbft_p2p_rejected_total{reason="answer_budget"}`)
	start := time.Now()
	if _, err := c.Put(ctx, []byte("during"), []byte("the flood")); err != nil {
		t.Fatalf("an honest put during the flood: %v", err)
	}
	t.Logf("%d unread requests from %d peers; held %.0f MiB for others, %.0f MiB for a replica key, %v answered busy; honest put %v",
		len(unread), len(hosts), heldOther/(1<<20), heldReplica/(1<<20), busy, time.Since(start).Round(time.Millisecond))
	if heldOther > p2p.AnswerBytesForOthersMax || heldReplica > p2p.AnswerBytesPerReplicaMax {
		t.Fatalf("answer budget exceeded: %.0f bytes for others (max %d), %.0f for one replica key (max %d)",
			heldOther, p2p.AnswerBytesForOthersMax, heldReplica, p2p.AnswerBytesPerReplicaMax)
	}
	rssPeak := peak.Load()
	t.Logf("replica 0 RSS %d MB before, peak %d MB under the flood (bound: +%d MB)", rssBefore>>20, rssPeak>>20, growthMax>>20)
	if rssPeak-rssBefore > growthMax {
		t.Fatalf("RSS grew by %d MB, bound %d MB", (rssPeak-rssBefore)>>20, growthMax>>20)
	}
	for _, s := range unread {
		s.Reset()
	}
	waitFor(t, "the budget given back once the readers go", func() bool {
		return tn.metric(0, `sbft_p2p_answer_bytes{kind="other"}`) == 0 && tn.metric(0, `sbft_p2p_answer_bytes{kind="replica"}`) == 0
	})
}

// sampleRSSPeak records the highest RSS of process pid until ctx ends.
func sampleRSSPeak(ctx context.Context, pid int) *atomic.Int64 {
	var peak atomic.Int64
	peak.Store(rssBytes(pid))
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if r := rssBytes(pid); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	return &peak
}
