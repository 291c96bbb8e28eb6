package e2e

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/node"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// A client peer that floods a replica with transactions whose signatures fail is disconnected once past its
// budget and cannot come back for a while; honest clients keep committing. Before, nothing stopped it, and honest
// puts took 0.8-6 s instead of 0.1 s.
func TestBadSignatureFloodIsCutOff(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ai := tn.addrInfo(0)
	pid := ai.ID
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	key := seededKey("forger")
	attacker := rawHostKey(t, key)
	if err := attacker.Connect(ctx, ai); err != nil {
		t.Fatal(err)
	}
	s, err := attacker.NewStream(ctx, pid, p2p.ProtocolID(tn.g.ChainID, wire.TxSession))
	if err != nil {
		t.Fatal(err)
	}
	s.SetDeadline(time.Now().Add(time.Minute))
	const sent = 4 * node.BadSignaturesPerPeerMax
	go func() {
		for i := uint64(1); i <= sent; i++ {
			tx := &chain.Tx{Nonce: i, Op: chain.OpPut, Key: []byte("forged"), Value: []byte("x")}
			copy(tx.Client[:], key.Public().(ed25519.PublicKey))
			tx.Sig[0] = 1 // not a signature
			if p2p.WriteFrame(s, wire.EncodeSubmit(tx.Marshal())) != nil {
				return
			}
		}
	}()
	rejected := 0
	for {
		f, err := p2p.ReadFrame(s, wire.ReplyFrameBytesMax)
		if err != nil {
			break // disconnected
		}
		if r, err := wire.DecodeReply(f); err == nil && r.Reject == wire.RejectBadSignature {
			rejected++
		}
	}
	// Replies still queued when the replica disconnects are lost, so fewer than the budget may arrive.
	if rejected >= sent {
		t.Fatalf("all %d bad signatures answered, want a disconnect after the budget (%d)", sent, node.BadSignaturesPerPeerMax)
	}
	// Refused when it comes back.
	attacker.Network().ClosePeer(pid)
	if s, err := attacker.NewStream(ctx, pid, p2p.ProtocolID(tn.g.ChainID, wire.TxSession)); err == nil {
		if _, err := s.Write(wire.EncodeSubmit([]byte{1})); err == nil {
			if _, err := p2p.ReadFrame(s, wire.ReplyFrameBytesMax); err == nil {
				t.Fatal("a banned peer was served again")
			}
		}
	}
	c := tn.client(0)
	putKeys(t, ctx, c, "after-forgery", 10)
	logText, _ := os.ReadFile(filepath.Join(tn.home(0), "replica.log"))
	if !strings.Contains(string(logText), "banned a peer") {
		t.Fatal("the ban was not logged")
	}
}

// metric reads one sample of replica i's /metrics (0 when absent): name with its labels as exposed.
func (tn *testnet) metric(i int, series string) float64 {
	resp, err := http.Get("http://" + tn.httpAddr(i) + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0
	}
	name, want := parseSeries(series)
	for _, m := range fams[name].GetMetric() {
		if hasLabels(m, want) {
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			default:
				return m.GetUntyped().GetValue()
			}
		}
	}
	return 0
}

// parseSeries splits `name{k="v",...}` into the name and its labels (others a series has, e.g. chain_id, are
// not asked about).
func parseSeries(series string) (string, map[string]string) {
	name, rest, _ := strings.Cut(series, "{")
	labels := map[string]string{}
	for _, kv := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			labels[k] = strings.Trim(v, `"`)
		}
	}
	return name, labels
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		if labelOf(m, k) != v {
			return false
		}
	}
	return true
}

// rssBytes is a process's resident set size.
func rssBytes(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// One replica key opens many consensus streams, each announcing a frame at the cap and sending a little of
// it: the honest replica keeps one stream from it and buffers only what arrived (before: 40 such streams took
// a replica from 44 MB to 1.4 GB, never released).
func TestMemoryFloodFromAReplicaKey(t *testing.T) {
	const streams = 40
	tn := newTestnet(t, 4)
	for i := 0; i < 3; i++ {
		tn.start(i) // replica 3 stays down: the attacker uses its key
	}
	tn.waitStatus(0, func(s *replica.Status) bool { return s.Peers >= 2 }, "peers")
	ai := tn.addrInfo(0)
	pid := ai.ID
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	insider := rawHost(t, filepath.Join(tn.home(3), "key.json"))
	if err := insider.Connect(ctx, ai); err != nil {
		t.Fatal(err)
	}
	c := tn.client(0)
	quiet := putLatency(t, ctx, c, "quiet", 20)
	heapBefore, rssBefore := tn.metric(0, "go_memstats_alloc_bytes"), rssBytes(tn.procs[0].Process.Pid)
	header := binary.AppendUvarint(nil, uint64(p2p.MeshFrameBytesMax))
	for k := 0; k < streams; k++ {
		s, err := insider.NewStream(ctx, pid, p2p.ProtocolID(tn.g.ChainID, wire.MeshProtocol))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Reset()
		s.Write(append(header, make([]byte, 100<<10)...))
		// One at a time (libp2p refuses more than a few concurrent consensus streams per peer anyway): until the
		// replica took this one, replacing the one before, or its heap passed the bound.
		waitFor(t, "the replica takes the stream", func() bool {
			return tn.metric(0, `sbft_p2p_rejected_total{reason="mesh_stream_replaced"}`) >= float64(k) ||
				tn.metric(0, "go_memstats_alloc_bytes")-heapBefore > 64<<20
		})
	}
	heapAfter, rssAfter := tn.metric(0, "go_memstats_alloc_bytes"), rssBytes(tn.procs[0].Process.Pid)
	t.Logf("replica 0 under %d streams of announced %d MiB frames: heap %.0f -> %.0f MB, RSS %d -> %d MB", streams,
		p2p.MeshFrameBytesMax>>20, heapBefore/1e6, heapAfter/1e6, rssBefore>>20, rssAfter>>20)
	if grown := heapAfter - heapBefore; grown > 64<<20 {
		t.Fatalf("heap grew by %.0f MB under the flood, bound 64 MB", grown/1e6)
	}
	t.Logf("honest put p50 under the flood %v (quiet %v)", putLatency(t, ctx, c, "flood", 20), quiet)
}

// waitFor polls cond (of an external process) until it holds, failing after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling an external process
	}
	t.Fatalf("%s did not happen", what)
}
