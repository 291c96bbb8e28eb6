package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
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

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// addrInfo is replica i's peer ID and first address, from the genesis.
func (tn *testnet) addrInfo(i int) peer.AddrInfo {
	r := tn.g.Replicas[i]
	pid, _ := peer.Decode(r.PeerID)
	addr, _ := multiaddr.NewMultiaddr(r.Multiaddrs[0])
	return peer.AddrInfo{ID: pid, Addrs: []multiaddr.Multiaddr{addr}}
}

// seededKey is an Ed25519 key derived from a name.
func seededKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// rawHost is a libp2p host that speaks the replica protocols byte by byte, under the identity of the key file
// at keyPath (a fresh one if empty).
func rawHost(t *testing.T, keyPath string) host.Host {
	t.Helper()
	if keyPath == "" {
		_, k, _ := ed25519.GenerateKey(nil)
		return rawHostKey(t, k)
	}
	k, err := genesis.LoadKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	return rawHostKey(t, k)
}

// rawHostKey is rawHost under an Ed25519 key.
func rawHostKey(t *testing.T, k ed25519.PrivateKey) host.Host {
	t.Helper()
	lk, _ := genesis.LibP2PKey(k)
	h, err := libp2p.New(libp2p.NoListenAddrs, libp2p.Security(noise.ID, noise.New), libp2p.DisableRelay(), libp2p.Identity(lk))
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
		tn.waitStatus(i, func(s *replica.Status) bool { return s.Peers >= 2 }, "peers")
	}
	ai := tn.addrInfo(0)
	pid := ai.ID
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	rng := rand.New(rand.NewPCG(1, 2))
	insider := rawHost(t, filepath.Join(tn.home(3), "key.json"))
	if err := insider.Connect(ctx, ai); err != nil {
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
	if err := outsider.Connect(ctx, ai); err != nil {
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

// A transaction above the size limit is answered with a reject that names the limit, on the same session, and
// the session goes on: before, the replica reset the session and the client read "0 replies" 30 s later.
func TestOversizedTransactionIsAnsweredNotDisconnected(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ai := tn.addrInfo(0)
	pid := ai.ID
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key := seededKey("oversize client")
	h := rawHostKey(t, key)
	if err := h.Connect(ctx, ai); err != nil {
		t.Fatal(err)
	}
	s, err := h.NewStream(ctx, pid, p2p.ProtocolID(tn.g.ChainID, wire.TxSession))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Reset()
	s.SetDeadline(time.Now().Add(30 * time.Second))
	tx := func(nonce uint64, value []byte) []byte {
		tx := &chain.Tx{Nonce: nonce, Op: chain.OpPut, Key: []byte("big"), Value: value}
		copy(tx.Client[:], key.Public().(ed25519.PublicKey))
		tx.Sign(tn.g.ChainID, key)
		return tx.Marshal()
	}
	big, small := tx(1, make([]byte, 100_000)), tx(2, []byte("fits"))
	for _, raw := range [][]byte{big, small} {
		if err := p2p.WriteFrame(s, wire.EncodeSubmit(raw)); err != nil {
			t.Fatal(err)
		}
	}
	replies := map[[32]byte]*wire.Reply{}
	for len(replies) < 2 {
		f, err := p2p.ReadFrame(s, wire.TxSessionAnswerBytesMax)
		if err != nil {
			t.Fatalf("after %d replies: %v", len(replies), err)
		}
		if wire.IsBlockReply(f) { // the executed one: its result with the block's proof
			br, err := wire.DecodeBlockReply(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range br.Replies() {
				replies[r.TxHash] = r
			}
			continue
		}
		r, err := wire.DecodeReply(f)
		if err != nil {
			t.Fatal(err)
		}
		replies[r.TxHash] = r
	}
	r := replies[chain.TxHash(big)]
	if r == nil || r.Status != wire.StatusRejected || r.Reject != wire.RejectTooLarge || !strings.Contains(r.Message, fmt.Sprint(chain.TxBytesMax)) {
		t.Fatalf("oversized transaction answered %+v, want a too-large reject naming %d", r, chain.TxBytesMax)
	}
	if r := replies[chain.TxHash(small)]; r == nil || r.Status != wire.StatusCommitted && r.Status != wire.StatusProven {
		t.Fatalf("the transaction after it on the same session: %+v, want committed", r)
	}
}
