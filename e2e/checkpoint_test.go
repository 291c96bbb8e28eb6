package e2e

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// observer is a libp2p peer that is not a replica: it subscribes to the checkpoint topic with plain
// gossipsub, as any client of the libp2p ecosystem would, and can publish garbage on it.
type observer struct {
	topic *pubsub.Topic
	mu    sync.Mutex
	anns  []*wire.CheckpointAnnouncement
}

// newObserver starts one under the key at keyPath ("": a fresh identity).
func newObserver(t *testing.T, ctx context.Context, tn *testnet, keyPath string) *observer {
	h := rawHost(t, keyPath)
	ps, err := pubsub.NewGossipSub(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	replicas, err := tn.g.P2PReplicas()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range replicas {
		if err := h.Connect(ctx, r); err != nil {
			t.Fatalf("observer connect to replica %d: %v", i, err)
		}
	}
	topic, err := ps.Join(p2p.TopicName(tn.g.ChainID, wire.CheckpointTopic))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := topic.Subscribe()
	if err != nil {
		t.Fatal(err)
	}
	o := &observer{topic: topic}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := sub.Next(ctx)
			if err != nil {
				return
			}
			if m.GetFrom() == h.ID() {
				continue // its own junk
			}
			if a, err := wire.UnmarshalCheckpointAnnouncement(m.Data); err == nil {
				o.mu.Lock()
				o.anns = append(o.anns, a)
				o.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		sub.Cancel()
		<-done
		topic.Close()
	})
	return o
}

// agreeing returns a checkpoint seq that at least k replicas announced with one block hash, all announcements
// verified against the genesis.
func (o *observer) agreeing(t *testing.T, v *replica.Verifier, chainID string, k int) (uint64, bool) {
	o.mu.Lock()
	anns := slices.Clone(o.anns)
	o.mu.Unlock()
	who := map[uint64]map[[32]byte]map[uint32]bool{}
	for _, a := range anns {
		if err := v.Verify(a.Replica, a.Message(chainID)); err != nil {
			t.Fatalf("announcement from replica %d does not verify: %v", a.Replica, err)
		}
		if who[a.Seq] == nil {
			who[a.Seq] = map[[32]byte]map[uint32]bool{}
		}
		if who[a.Seq][a.BlockHash] == nil {
			who[a.Seq][a.BlockHash] = map[uint32]bool{}
		}
		who[a.Seq][a.BlockHash][a.Replica] = true
	}
	for seq, byHash := range who {
		if len(byHash) > 1 {
			t.Fatalf("different block hashes announced at checkpoint %d", seq)
		}
		for _, r := range byHash {
			if len(r) >= k {
				return seq, true
			}
		}
	}
	return 0, false
}

// Replicas announce signed checkpoints over gossipsub and agree on the stable ones; a non-replica peer that
// publishes garbage and forgeries on the topic is rejected and scored down while checkpoints go on; an
// outside subscriber sees the announcements and can check them against the genesis; the stable checkpoint
// can also be fetched by request/response and verified.
func TestCheckpointsOverGossip(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 3*time.Minute)
	rogue := newObserver(t, ctx, tn, filepath.Join(tn.dir, "client-1", "key.json"))
	obs := newObserver(t, ctx, tn, "")

	// The rogue peer misbehaves: junk, and a well-formed announcement claiming to be replica 2.
	forged := &wire.CheckpointAnnouncement{Replica: 2, Seq: 150, Height: 150, Share: make([]byte, 96), Sig: make([]byte, 64)}
	rand.Read(forged.Sig)
	for i := 0; i < 20; i++ {
		junk := make([]byte, 10+i*7)
		rand.Read(junk)
		rogue.topic.Publish(ctx, junk)
	}
	rogue.topic.Publish(ctx, forged.Marshal())

	c := tn.client(0)
	l := startLoad(ctx, c, "ck", 4)
	for i := 0; i < 4; i++ {
		tn.waitStatus(i, func(s *replica.Status) bool { return s.LastStableCheckpoint >= 300 }, "stable checkpoint 300")
	}
	// The honest observer sees signed announcements on which f+1 replicas agree.
	v := replica.NewVerifier(tn.g.ChainID, tn.g.PublicKeys(), tn.g.BLSPublicKeys(), tn.g.F, tn.g.C, replica.NewFIFOSet(16))
	deadline := time.Now().Add(60 * time.Second)
	seen, ok := obs.agreeing(t, v, tn.g.ChainID, tn.g.F+1)
	for ; !ok && time.Now().Before(deadline); seen, ok = obs.agreeing(t, v, tn.g.ChainID, tn.g.F+1) {
		time.Sleep(50 * time.Millisecond) // polling the subscriber goroutine
	}
	if !ok {
		t.Fatal("the observer saw no checkpoint announced alike by f+1 replicas")
	}
	keys := l.finish(t)
	checkReadBack(t, ctx, c, keys[:10])

	var rejected uint64
	lowest := 0.0
	var ref *replica.Status
	for i := 0; i < 4; i++ {
		s, err := tn.status(i)
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = s
		}
		rejected += s.Gossip.Rejected
		lowest = min(lowest, s.Gossip.LowestPeerScore)
		if s.LastStableCheckpoint != ref.LastStableCheckpoint {
			continue // checkpoints may move on while we read; compare equal ones only
		}
		if s.LastStableCheckpointHash != ref.LastStableCheckpointHash || len(s.LastStableCheckpointSigners) < 3 || !s.Healthy {
			t.Fatalf("replica %d: stable checkpoint %d %s signers %v healthy %v; replica 0: %d %s",
				i, s.LastStableCheckpoint, s.LastStableCheckpointHash, s.LastStableCheckpointSigners, s.Healthy,
				ref.LastStableCheckpoint, ref.LastStableCheckpointHash)
		}
	}
	t.Logf("stable checkpoint %d; observer saw checkpoint %d from f+1 replicas; gossip messages rejected by the replicas: %d; lowest peer score %.0f",
		ref.LastStableCheckpoint, seen, rejected, lowest)
	if rejected == 0 || lowest >= 0 {
		t.Fatalf("the misbehaving peer was not rejected (%d) or not scored down (%.1f)", rejected, lowest)
	}

	// Fetch the stable checkpoint by request/response and verify its certificate.
	h := rawHost(t, filepath.Join(tn.dir, "client-0", "key.json"))
	replicas, _ := tn.g.P2PReplicas()
	h.Peerstore().AddAddrs(replicas[1].ID, replicas[1].Addrs, time.Hour)
	resp := requestRaw(t, ctx, h, replicas[1].ID, string(p2p.ProtocolID(tn.g.ChainID, wire.CheckpointProtocol)), nil)
	p, err := wire.UnmarshalStableCheckpointProof(resp)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyStableCheckpoint(p); err != nil || p.Seq < 300 {
		t.Fatalf("stable checkpoint proof for seq %d: %v", p.Seq, err)
	}
}

// requestRaw runs one request/response exchange on proto and returns the response payload.
func requestRaw(t *testing.T, ctx context.Context, h host.Host, to peer.ID, proto string, req []byte) []byte {
	t.Helper()
	s, err := h.NewStream(ctx, to, protocol.ID(proto))
	if err != nil {
		t.Fatalf("open %s: %v", proto, err)
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(10 * time.Second))
	if err := p2p.WriteFrame(s, req); err != nil {
		t.Fatal(err)
	}
	s.CloseWrite()
	resp, err := p2p.ReadFrame(s, 1<<16)
	if err != nil {
		t.Fatalf("read %s response: %v", proto, err)
	}
	if len(resp) == 0 || resp[0] != 0 {
		t.Fatalf("%s: error response %q", proto, resp)
	}
	return resp[1:]
}

// A replica that announces corrupted checkpoints (test-only byzantine mode) is reported by the others, and
// consensus goes on: the stable checkpoints form from the correct replicas.
func TestCorruptCheckpointsAreReported(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAllWith(map[int]string{3: "corrupt-checkpoints"})
	ctx := ctxT(t, 2*time.Minute)
	c := tn.client(0)
	l := startLoad(ctx, c, "cc", 4)
	for i := 0; i < 3; i++ {
		s := tn.waitStatus(i, func(s *replica.Status) bool {
			return s.LastStableCheckpoint >= 300 && slices.Contains(s.CheckpointMismatchReplicas, 3)
		}, "stable checkpoint 300 with replica 3 reported")
		if !s.Healthy || slices.Contains(s.CheckpointMismatchReplicas, uint32(i)) || len(s.CheckpointMismatchReplicas) != 1 {
			t.Fatalf("replica %d: healthy %v, reported %v: want only replica 3 reported", i, s.Healthy, s.CheckpointMismatchReplicas)
		}
	}
	keys := l.finish(t)
	checkReadBack(t, ctx, c, keys[:10])
	tn.waitAgree([]int{0, 1, 2, 3}, 300)
}

// A replica stopped for less than a window comes back, catches up, and its stable checkpoint advances with
// the others'.
func TestRestartWithinWindowGetsCheckpoints(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 2*time.Minute)
	c := tn.client(0)
	l := startLoad(ctx, c, "rw", 4)
	tn.waitStatus(3, func(s *replica.Status) bool { return s.LastStableCheckpoint >= 150 }, "stable checkpoint 150")
	if err := tn.stop(3, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s0, _ := tn.status(0)
	target := s0.LastStableCheckpoint + 150
	tn.waitStatus(0, func(s *replica.Status) bool { return s.LastStableCheckpoint >= target }, "a new stable checkpoint while replica 3 is down")
	keys := l.finish(t)
	tn.start(3)
	s3 := tn.waitStatus(3, func(s *replica.Status) bool { return s.LastStableCheckpoint >= target }, "replica 3's stable checkpoint advancing")
	t.Logf("replica 3 back: stable checkpoint %d (missed from %d)", s3.LastStableCheckpoint, target-150)
	if s3.StateTransfers != 0 {
		t.Fatalf("replica 3 used state transfer for a gap within the window")
	}
	tn.waitAgree([]int{0, 1, 2, 3}, target)
	checkReadBack(t, ctx, c, keys[len(keys)-10:])
}
