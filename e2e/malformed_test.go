package e2e

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/multiformats/go-multiaddr"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/node"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// rawHost is a libp2p host that speaks the replica protocols byte by byte, under a given identity.
func rawHost(t *testing.T, keyPath string) host.Host {
	t.Helper()
	opts := []libp2p.Option{libp2p.NoListenAddrs, libp2p.Security(noise.ID, noise.New), libp2p.DisableRelay()}
	if keyPath != "" {
		k, err := genesis.LoadKey(keyPath)
		if err != nil {
			t.Fatal(err)
		}
		lk, _ := genesis.LibP2PKey(k)
		opts = append(opts, libp2p.Identity(lk))
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func junkFrames(rng *rand.Rand) [][]byte {
	out := [][]byte{
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // varint overflow
		{0xff, 0xff, 0xff, 0xff, 0x0f},                                     // 4 GiB length prefix
		{0x20, 1, 2, 3},                                                    // truncated frame
	}
	for i := 0; i < 60; i++ {
		body := make([]byte, rng.IntN(300))
		for j := range body {
			body[j] = byte(rng.UintN(256))
		}
		if i%3 == 0 && len(body) > 2 {
			body[0], body[1] = 1, byte(1+rng.IntN(5)) // looks like a consensus message header
		}
		out = append(out, append(binary.AppendUvarint(nil, uint64(len(body))), body...))
	}
	return out
}

// Garbage on every stream protocol, sent under a replica's own identity (so it passes the allowlist), does
// not crash the replica; a non-replica is refused and the refusal is logged; the network keeps committing.
func TestMalformedFramesOnEveryProtocol(t *testing.T) {
	tn := newTestnet(t, 4)
	for i := 0; i < 3; i++ {
		tn.start(i) // replica 3 stays down: the attacker uses its key
	}
	for i := 0; i < 3; i++ {
		tn.waitStatus(i, func(s *node.Status) bool { return s.Peers >= 2 }, "peers")
	}
	target := tn.g.Replicas[0]
	pid, _ := peer.Decode(target.PeerID)
	addr, _ := multiaddr.NewMultiaddr(target.Multiaddrs[0])
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	rng := rand.New(rand.NewPCG(1, 2))
	insider := rawHost(t, filepath.Join(tn.home(3), "key.json"))
	if err := insider.Connect(ctx, peer.AddrInfo{ID: pid, Addrs: []multiaddr.Multiaddr{addr}}); err != nil {
		t.Fatal(err)
	}
	protos := []protocol.ID{
		p2p.ProtocolID(tn.g.ChainID, wire.MeshProtocol), p2p.ProtocolID(tn.g.ChainID, wire.TxSession), wire.InfoProtocol,
	}
	for _, proto := range protos {
		for _, frame := range junkFrames(rng) {
			s, err := insider.NewStream(ctx, pid, proto)
			if err != nil {
				t.Fatalf("open %s: %v", proto, err)
			}
			s.SetDeadline(time.Now().Add(2 * time.Second))
			s.Write(frame)
			s.CloseWrite()
			s.Read(make([]byte, 64))
			s.Reset()
		}
	}
	// A well-formed consensus message with a forged signature is dropped too.
	s, err := insider.NewStream(ctx, pid, p2p.ProtocolID(tn.g.ChainID, wire.MeshProtocol))
	if err == nil {
		m := &consensus.Message{Type: consensus.MsgPartialCommit, From: 3, View: 0, Seq: 1, Share: make([]byte, 96), Sig: make([]byte, 64)}
		p2p.WriteFrame(s, wire.MarshalMessage(m))
		s.Close()
	}

	// A peer outside the genesis cannot open the consensus protocol, and the replica logs it.
	outsider := rawHost(t, "")
	if err := outsider.Connect(ctx, peer.AddrInfo{ID: pid, Addrs: []multiaddr.Multiaddr{addr}}); err != nil {
		t.Fatal(err)
	}
	if s, err := outsider.NewStream(ctx, pid, p2p.ProtocolID(tn.g.ChainID, wire.MeshProtocol)); err == nil {
		p2p.WriteFrame(s, []byte("let me in"))
		if _, err := s.Read(make([]byte, 1)); err == nil {
			t.Fatal("the replica kept a consensus stream from a non-replica")
		}
		s.Reset()
	}

	// Still alive and committing with replicas 0, 1, 2.
	select {
	case err := <-tn.exits[0]:
		t.Fatalf("replica 0 exited under malformed input: %v", err)
	default:
	}
	c := tn.client(0)
	keys := putKeys(t, ctx, c, "after-junk", 20)
	checkReadBack(t, ctx, c, keys[:3])
	logText, _ := os.ReadFile(filepath.Join(tn.home(0), "replica.log"))
	if !strings.Contains(string(logText), "not a replica of the genesis") {
		t.Fatal("the refused non-replica stream was not logged")
	}
}
