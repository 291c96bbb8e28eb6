package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/wire"
)

func leakOptions() []goleak.Option {
	// Background goroutines of libraries that outlive a closed host (package-level caches and pools).
	return []goleak.Option{
		goleak.IgnoreAnyFunction("github.com/ipfs/go-log/v2/writer.(*MirrorWriter).logRoutine"),
		goleak.IgnoreAnyFunction("github.com/libp2p/go-libp2p/p2p/transport/quicreuse.(*reuse).gc"),
		goleak.IgnoreAnyFunction("github.com/quic-go/quic-go.(*Transport).listen"),
		goleak.IgnoreAnyFunction("go.opencensus.io/stats/view.(*worker).start"),
		goleak.IgnoreAnyFunction("github.com/libp2p/go-flow-metrics.(*sweeper).runActive"),
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// readBackWorkers is how many reads checkReadBack keeps in flight: each is a linearizable read through
// consensus, and one at a time would make a long run's read-back last minutes.
const readBackWorkers = 32

// checkReadBack reads every key through consensus and fails on the first that is missing or wrong.
func checkReadBack(t *testing.T, ctx context.Context, c *client.Client, keys []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next, errs := make(chan string), make(chan error, readBackWorkers)
	var wg sync.WaitGroup
	for range min(readBackWorkers, len(keys)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				if err := readBack(ctx, c, k); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
feed:
	for _, k := range keys {
		select {
		case next <- k:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}

func readBack(ctx context.Context, c *client.Client, k string) error {
	res, err := c.Get(ctx, []byte(k))
	if err != nil {
		return fmt.Errorf("get %s: %w", k, err)
	}
	if !res.Found || string(res.Value) != "v-"+k {
		return fmt.Errorf("get %s = %q (found %v), want %q", k, res.Value, res.Found, "v-"+k)
	}
	return nil
}

// Four replicas agree on what a client wrote, and the CLI reads it back.
func TestWritesAgreeAndReadBack(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 2*time.Minute)
	c := tn.client(0)
	keys := putKeys(t, ctx, c, "k", 1000)
	st := tn.waitAgree([]int{0, 1, 2, 3}, 1)
	checkReadBack(t, ctx, c, keys[:20])
	if st.LastExecutedSeq == 0 || st.StateRoot == "" {
		t.Fatalf("status lacks progress: %+v", st)
	}

	out, errOut, code := tn.cli("client", "get", "--home", tn.dir+"/client-1", "--network", tn.dir+"/genesis.json", "--json", "k7")
	if code != 0 {
		t.Fatalf("sbft client get exited %d: %s", code, errOut)
	}
	var got struct {
		OK      bool   `json:"ok"`
		Value   string `json:"value"`
		Version uint64 `json:"version"`
		Height  uint64 `json:"height"`
		Seq     uint64 `json:"seq"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || !got.OK || got.Value != "v-k7" || got.Version != 1 || got.Height == 0 {
		t.Fatalf("client get --json = %q (%v)", out, err)
	}
	// The status command prints the documented fields.
	out, _, code = tn.cli("status", "--home", tn.home(2), "--json")
	var m map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil {
		t.Fatalf("status --json: %q", out)
	}
	for _, f := range []string{"replica", "view", "primary", "last_executed_seq", "height", "last_block_hash", "state_root", "peers"} {
		if _, ok := m[f]; !ok {
			t.Errorf("status --json lacks %q", f)
		}
	}
}

// Every acknowledged write survives stopping all replicas (gracefully or by SIGKILL) and the network goes on.
func TestRestartAllKeepsAcknowledgedWrites(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			tn := newTestnet(t, 4)
			tn.startAll()
			ctx := ctxT(t, 3*time.Minute)
			c := tn.client(0)
			keys := putKeys(t, ctx, c, "a", 200)
			for i := 0; i < 4; i++ {
				err := tn.stop(i, sig)
				if sig == syscall.SIGTERM && err != nil {
					t.Fatalf("replica %d did not exit cleanly on SIGTERM: %v", i, err)
				}
			}
			tn.startAll()
			checkReadBack(t, ctx, c, keys)
			more := putKeys(t, ctx, c, "b", 50)
			checkReadBack(t, ctx, c, more[:5])
			tn.waitAgree([]int{0, 1, 2, 3}, 1)
		})
	}
}

// With f = 1, a stopped backup does not stop the others.
func TestBackupDownWritesCommit(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 2*time.Minute)
	c := tn.client(0)
	putKeys(t, ctx, c, "x", 20)
	st, _ := tn.status(0)
	backup := int(st.Primary+1) % 4
	if err := tn.stop(backup, syscall.SIGTERM); err != nil {
		t.Fatalf("stop backup: %v", err)
	}
	keys := putKeys(t, ctx, c, "y", 100)
	checkReadBack(t, ctx, c, keys[:10])
	up := []int{}
	for i := 0; i < 4; i++ {
		if i != backup {
			up = append(up, i)
		}
	}
	tn.waitAgree(up, 1)
	// Back up, it catches up with the others.
	tn.start(backup)
	final := tn.waitAgree([]int{0, 1, 2, 3}, 1)
	if final.Height == 0 {
		t.Fatal("no progress")
	}
}

// A transaction with a bad signature or a replayed nonce is rejected with a clear error; nothing commits.
func TestRejectsBadSignatureAndReplay(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, time.Minute)
	c := tn.client(0)

	bad := c.NewTx(chain.OpPut, []byte("forged"), []byte("x"), 0)
	bad.Sig[0] ^= 0xff
	_, err := c.Submit(ctx, bad)
	var rej *client.RejectedError
	if !errors.As(err, &rej) || rej.Reason != wire.RejectBadSignature {
		t.Fatalf("bad signature: err = %v", err)
	}

	tx := c.NewTx(chain.OpPut, []byte("once"), []byte("1"), 0)
	if _, err := c.Submit(ctx, tx); err != nil {
		t.Fatalf("first submit: %v", err)
	}
	// The same signed bytes again are answered with the original result (at most once), and a different
	// transaction reusing the nonce is refused as a replay.
	if res, err := c.Submit(ctx, tx); err != nil || res.Version != 1 {
		t.Fatalf("resubmitting the same transaction: %+v %v", res, err)
	}
	again := *tx
	again.Value = []byte("2")
	again.Sign(tn.g.ChainID, key0(t, tn))
	_, err = c.Submit(ctx, &again)
	if !errors.As(err, &rej) || rej.Reason != wire.RejectReplayedNonce {
		t.Fatalf("replayed nonce: err = %v", err)
	}
	res, err := c.Get(ctx, []byte("forged"))
	if err != nil || res.Found {
		t.Fatalf("forged write is visible: %+v %v", res, err)
	}
	res, err = c.Get(ctx, []byte("once"))
	if err != nil || res.Version != 1 {
		t.Fatalf("replayed write applied twice: version %d, err %v", res.Version, err)
	}

	// The CLI reports a failed condition with a message and a non-zero exit code.
	_, errOut, code := tn.cli("client", "cas", "--home", tn.dir+"/client-1", "--network", tn.dir+"/genesis.json", "once", "7", "z")
	if code == 0 || !bytes.Contains([]byte(errOut), []byte("condition")) {
		t.Fatalf("cas with a wrong version: exit %d, stderr %q", code, errOut)
	}
}

// A client that knows only one replica's multiaddr learns the network from it.
func TestClientJoinsByPeerMultiaddr(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	addr := fmt.Sprintf("%s/p2p/%s", tn.g.Replicas[1].Multiaddrs[0], tn.g.Replicas[1].PeerID)
	out, errOut, code := tn.cli("client", "put", "--home", tn.dir+"/client-0", "--peer", addr, "--json", "viapeer", "1")
	if code != 0 {
		t.Fatalf("put via --peer: exit %d: %s", code, errOut)
	}
	var got struct{ OK bool }
	if json.Unmarshal([]byte(out), &got) != nil || !got.OK {
		t.Fatalf("put via --peer: %q", out)
	}
}

func key0(t *testing.T, tn *testnet) ed25519.PrivateKey {
	k, err := genesis.LoadKey(tn.dir + "/client-0/key.json")
	if err != nil {
		t.Fatal(err)
	}
	return k
}
