package e2e

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/clientnode"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// follower is a client node process (`sbft follow`).
type follower struct {
	tn   *testnet
	home string
	http string
	cmd  *exec.Cmd
	exit chan error
}

// newFollowerHome makes a client node home with its own key and returns it with the node's peer ID.
func newFollowerHome(t *testing.T, tn *testnet) (string, peer.ID) {
	home := filepath.Join(tn.dir, "follower")
	key := genesis.GenerateKey()
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := genesis.SaveKey(filepath.Join(home, "key.json"), key); err != nil {
		t.Fatal(err)
	}
	id, err := genesis.PeerIDOf(key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return home, id
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (tn *testnet) startFollower(home, httpAddr string) *follower {
	tn.t.Helper()
	fo := &follower{tn: tn, home: home, http: httpAddr, exit: make(chan error, 1)}
	fo.cmd = exec.Command(sbftBin, "follow", "--home", home, "--network", filepath.Join(tn.dir, "genesis.json"),
		"--http", httpAddr)
	logf, err := os.OpenFile(filepath.Join(home, "follower.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		tn.t.Fatal(err)
	}
	fo.cmd.Stdout, fo.cmd.Stderr = logf, logf
	if err := fo.cmd.Start(); err != nil {
		tn.t.Fatal(err)
	}
	logf.Close()
	go func() { fo.exit <- fo.cmd.Wait() }()
	tn.t.Cleanup(func() {
		fo.kill()
		if tn.t.Failed() {
			b, _ := os.ReadFile(filepath.Join(home, "follower.log"))
			lines := strings.Split(string(b), "\n")
			tn.t.Logf("client node log tail:\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	})
	return fo
}

func (fo *follower) kill() {
	if fo.cmd == nil {
		return
	}
	fo.cmd.Process.Signal(syscall.SIGKILL)
	<-fo.exit
	fo.cmd = nil
}

func (fo *follower) get(path string, v any) error {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + fo.http + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// waitStatus polls the client node's status until cond holds (a generous deadline, not a timing assertion).
func (fo *follower) waitStatus(cond func(*clientnode.Status) bool, what string, limit time.Duration) *clientnode.Status {
	fo.tn.t.Helper()
	deadline := time.Now().Add(limit)
	var last clientnode.Status
	for time.Now().Before(deadline) {
		var s clientnode.Status
		if err := fo.get("/status", &s); err == nil {
			last = s
			if cond(&s) {
				return &s
			}
		}
		time.Sleep(100 * time.Millisecond) // polling an external process
	}
	fo.tn.t.Fatalf("client node: %s did not happen; last status %+v", what, last)
	return nil
}

// block reads the client node's stream line of height h.
func (fo *follower) block(h uint64) clientnode.BlockJSON {
	fo.tn.t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://%s/blocks?from=%d", fo.http, h))
	if err != nil {
		fo.tn.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b clientnode.BlockJSON
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		fo.tn.t.Fatalf("block %d from the client node: %v", h, err)
	}
	return b
}

// waitSame waits until the client node reaches the replicas' height and checks that it holds the same block
// and state root there (blocks may commit meanwhile: a retried write, say).
func (fo *follower) waitSame(st *replica.Status) {
	fo.tn.t.Helper()
	fo.waitStatus(func(s *clientnode.Status) bool { return s.Height >= st.Height },
		fmt.Sprintf("height %d of the replicas", st.Height), 2*time.Minute)
	if b := fo.block(st.Height); b.BlockHash != st.LastBlockHash || b.StateRoot != st.StateRoot {
		fo.tn.t.Fatalf("client node block %d: %s root %s; replicas: %s root %s", st.Height, b.BlockHash, b.StateRoot,
			st.LastBlockHash, st.StateRoot)
	}
}

// A client node follows a 4-replica network under load and holds the same state: at a stable checkpoint its
// block is the certified one; a replica killed under it changes nothing visible; SIGKILLed while the network
// commits 2,000 more blocks, it catches up from several replicas in parallel; its proven reads, and a
// replica's, verify in the CLI, and a tampered proof is refused.
func TestClientNodeFollowsCatchesUpAndProvesReads(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 8*time.Minute)
	home, _ := newFollowerHome(t, tn)
	fo := tn.startFollower(home, freePort(t))
	l := startLoad(ctx, tn.client(0), "fol", 8)
	defer l.stop()

	// At a stable checkpoint, the client node's block is the one 2f+1 replicas certified.
	ref := tn.waitStatusFor(0, func(s *replica.Status) bool { return s.LastStableCheckpoint >= 150 }, "a stable checkpoint", 3*time.Minute)
	proof := stableCheckpoint(t, tn)
	fo.waitStatus(func(s *clientnode.Status) bool { return s.Height >= proof.Height }, "past the checkpoint", 2*time.Minute)
	if b := fo.block(proof.Height); b.BlockHash != hex.EncodeToString(proof.BlockHash[:]) || b.StateRoot != hex.EncodeToString(proof.StateRoot[:]) {
		t.Fatalf("client node block %d: %s root %s; certified %x root %x", proof.Height, b.BlockHash, b.StateRoot, proof.BlockHash, proof.StateRoot)
	}
	t.Logf("stable checkpoint %d (replica 0 at %d): the client node holds the certified block", proof.Height, ref.Height)

	// The replica it follows is killed: it goes on from another.
	st := fo.waitStatus(func(s *clientnode.Status) bool { return s.Source >= 0 }, "a source", time.Minute)
	src := int(st.Source)
	tn.stop(src, syscall.SIGKILL)
	fo.waitStatus(func(s *clientnode.Status) bool { return s.Height >= st.Height+50 && s.Source != int64(src) },
		fmt.Sprintf("50 more blocks after replica %d was killed", src), 2*time.Minute)
	tn.start(src)

	// SIGKILLed; the network commits 2,000 more blocks; restarted, it catches up in parallel.
	fo.kill()
	down := tn.waitStatus(0, func(*replica.Status) bool { return true }, "status")
	tn.waitStatusFor(0, func(s *replica.Status) bool { return s.Height >= down.Height+2000 }, "2,000 more blocks", 4*time.Minute)
	fo = tn.startFollower(home, fo.http)
	st = fo.waitStatus(func(s *clientnode.Status) bool { return s.LastCatchUp != nil }, "a parallel catch-up", 3*time.Minute)
	sources := 0
	for _, p := range st.LastCatchUp.PerSource {
		if p.Blocks > 0 {
			sources++
		}
	}
	if st.LastCatchUp.Blocks < 1000 || sources < 2 || st.RefusedBlocks != 0 {
		t.Fatalf("catch-up %+v from %d sources, %d blocks refused: want >= 1,000 blocks from >= 2 replicas, none refused",
			st.LastCatchUp, sources, st.RefusedBlocks)
	}
	t.Logf("caught up %d blocks (%d..%d) in %d ms from %d replicas", st.LastCatchUp.Blocks, st.LastCatchUp.FromHeight,
		st.LastCatchUp.ToHeight, st.LastCatchUp.TookMs, sources)
	acked := l.finish(t)
	fo.waitSame(tn.waitAgree([]int{0, 1, 2, 3}, 0))

	// Proven reads, from the client node and from one replica, checked by the CLI against the genesis keys.
	key := acked[len(acked)-1]
	network := filepath.Join(tn.dir, "genesis.json")
	for _, args := range [][]string{
		{"client", "get", "--node", "http://" + fo.http, key, "--json", "--network", network},
		{"client", "get", key, "--proven", "--json", "--network", network},
	} {
		out, stderr, code := tn.cli(args...)
		var r struct {
			wire.ReadJSON
			Verified bool `json:"verified"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || !r.Verified || !r.Found || r.Value != "v-"+key || r.Version != 1 {
			t.Fatalf("sbft %v: exit %d, %s %s", args, code, out, stderr)
		}
	}
	// A proof shows a state at its height, not that it is recent: a reader that asks for more is refused.
	if out, _, code := tn.cli("client", "get", "--node", "http://"+fo.http, key, "--json", "--network", network,
		"--min-height", "1000000000"); code == 0 {
		t.Fatalf("a read below --min-height was accepted: %s", out)
	}
	// --node as users type it, host:port; and a genesis of another network is named as such.
	if out, stderr, code := tn.cli("client", "get", "--node", fo.http, key, "--json", "--network", network); code != 0 {
		t.Fatalf("--node host:port: exit %d, %s %s", code, out, stderr)
	}
	other := otherGenesis(t, tn)
	if _, stderr, code := tn.cli("client", "get", "--node", fo.http, key, "--network", other); code == 0 ||
		!strings.Contains(stderr, "serves another network") {
		t.Fatalf("a read checked against another network's genesis: exit %d, %s", code, stderr)
	}
	tamperedReadsRefused(t, tn, fo, key)
}

// otherGenesis writes the testnet's genesis with another chain ID: the genesis of another network.
func otherGenesis(t *testing.T, tn *testnet) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tn.dir, "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	g["chain_id"] = "another-network"
	if b, err = json.Marshal(g); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other-genesis.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tamperedReadsRefused serves the CLI a client node's genuine answer with one field changed at a time: each
// must fail verification (exit non-zero, verified false).
func tamperedReadsRefused(t *testing.T, tn *testnet, fo *follower, key string) {
	var genuine wire.ReadJSON
	if err := fo.get("/kv/"+key, &genuine); err != nil {
		t.Fatal(err)
	}
	for name, tamper := range map[string]func(r *wire.ReadJSON){
		"value":   func(r *wire.ReadJSON) { r.Value, r.ValueBase64 = "forged", []byte("forged") },
		"version": func(r *wire.ReadJSON) { r.Version++ },
		"absent":  func(r *wire.ReadJSON) { r.Found, r.Value, r.ValueBase64, r.Version = false, "", nil, 0 },
		"signers": func(r *wire.ReadJSON) { r.ExecSigners = []uint32{1} },
		"header": func(r *wire.ReadJSON) { // another state root, so another block than the certified one
			b, _ := hex.DecodeString(r.Header)
			b[len(b)-65] ^= 1
			r.Header = hex.EncodeToString(b)
		},
	} {
		forged := genuine
		tamper(&forged)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			json.NewEncoder(w).Encode(&forged)
		}))
		out, _, code := tn.cli("client", "get", "--node", srv.URL, key, "--json", "--network", filepath.Join(tn.dir, "genesis.json"))
		srv.Close()
		if code == 0 || out != "" && !strings.Contains(out, `"verified":false`) {
			t.Fatalf("tampered %s: exit %d, %s", name, code, out)
		}
	}
}

// stableCheckpoint fetches replica 1's stable checkpoint and checks its certificate.
func stableCheckpoint(t *testing.T, tn *testnet) *wire.StableCheckpointProof {
	t.Helper()
	h := rawHost(t, "")
	replicas, _ := tn.g.P2PReplicas()
	h.Peerstore().AddAddrs(replicas[1].ID, replicas[1].Addrs, time.Hour)
	resp := requestRaw(t, ctxT(t, 30*time.Second), h, replicas[1].ID, string(p2p.ProtocolID(tn.g.ChainID, wire.CheckpointProtocol)), nil)
	p, err := wire.UnmarshalStableCheckpointProof(resp)
	if err != nil {
		t.Fatal(err)
	}
	v := replica.NewVerifier(tn.g.ChainID, tn.g.PublicKeys(), tn.g.BLSPublicKeys(), tn.g.F, tn.g.C, replica.NewFIFOSet(16))
	if err := v.VerifyStableCheckpoint(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// A replica that takes the subscription and pushes nothing (test-only mode) is found out once the network
// certifies blocks the node lacks: it is dropped and the node follows another to the replicas' state.
func TestClientNodeDropsAWithholdingReplica(t *testing.T) {
	tn := newTestnet(t, 4)
	home, id := newFollowerHome(t, tn)
	staller := clientnode.FirstSource(id, tn.n)
	tn.startAllWith(map[int]string{staller: "stall-subscription"})
	ctx := ctxT(t, 4*time.Minute)
	l := startLoad(ctx, tn.client(0), "stall", 4)
	defer l.stop()
	fo := tn.startFollower(home, freePort(t))
	st := fo.waitStatus(func(s *clientnode.Status) bool { return s.Height >= 30 && s.Source != int64(staller) },
		"30 blocks followed from another replica", 2*time.Minute)
	l.finish(t)
	fo.waitSame(tn.waitAgree([]int{0, 1, 2, 3}, 0))
	t.Logf("replica %d withheld; the client node follows replica %d at height %d", staller, st.Source, st.Height)
}

// A replica that pushes its subscribers forged blocks (test-only mode: genuine transactions and certificate,
// another state root) is found out by the client node's own execution, dropped, and the node follows the
// others to the same state as the replicas.
func TestClientNodeDropsAForgingReplica(t *testing.T) {
	tn := newTestnet(t, 4)
	home, id := newFollowerHome(t, tn)
	forger := clientnode.FirstSource(id, tn.n) // the replica it follows first
	tn.startAllWith(map[int]string{forger: "forge-subscription"})
	ctx := ctxT(t, 4*time.Minute)
	l := startLoad(ctx, tn.client(0), "forge", 4)
	defer l.stop()
	fo := tn.startFollower(home, freePort(t))
	st := fo.waitStatus(func(s *clientnode.Status) bool { return s.RefusedBlocks >= 1 && s.Height >= 30 },
		"a forged block refused and 30 blocks followed", 2*time.Minute)
	if st.Source == int64(forger) {
		t.Fatalf("still following the forging replica %d", forger)
	}
	l.finish(t)
	fo.waitSame(tn.waitAgree([]int{0, 1, 2, 3}, 0))
	st = fo.waitStatus(func(*clientnode.Status) bool { return true }, "status", time.Minute)
	t.Logf("replica %d forged; client node refused %d blocks, follows replica %d at height %d", forger, st.RefusedBlocks, st.Source, st.Height)
}
