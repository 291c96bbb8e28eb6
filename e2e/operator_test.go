package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sbftnet/sbft/buildinfo"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/node"
	"github.com/sbftnet/sbft/replica"
)

// newOperatorNet sets a network up as operators on separate machines do: each makes its own home with
// `sbft init` in a directory of its own, hands only public.json to a coordinator, who assembles the genesis
// with `sbft genesis` and hands it back. Replica 3 is started with --network; the others read the genesis
// path from their config.toml.
func newOperatorNet(t *testing.T, chainID string) *testnet {
	t.Helper()
	const n = 4
	tn := &testnet{t: t, dir: t.TempDir(), n: n, procs: make([]*exec.Cmd, n), exits: make([]chan error, n), base: freeBase(t, n)}
	coord := filepath.Join(tn.dir, "coordinator")
	os.MkdirAll(coord, 0o755)
	var parts []string
	for i := range n {
		home := filepath.Join(tn.dir, fmt.Sprintf("operator-%d", i), "sbft")
		tn.homes = append(tn.homes, home)
		p := tn.base + 10*i
		out, stderr, code := tn.cli("init", "--home", home, "--listen", fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", p),
			"--listen", fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1", p+1), "--http", fmt.Sprintf("127.0.0.1:%d", p+2))
		if code != 0 {
			t.Fatalf("sbft init: exit %d: %s", code, stderr)
		}
		written, _ := os.ReadFile(filepath.Join(home, "public.json"))
		if strings.TrimSpace(out) != strings.TrimSpace(string(written)) {
			t.Fatalf("sbft init printed\n%s\nbut wrote public.json\n%s", out, written)
		}
		part := filepath.Join(coord, fmt.Sprintf("public-%d.json", i)) // the only file that leaves the home
		os.WriteFile(part, written, 0o644)
		parts = append(parts, part)
	}
	gpath := filepath.Join(coord, "genesis.json")
	if _, stderr, code := tn.cli(append([]string{"genesis", "--chain-id", chainID, "--out", gpath}, parts...)...); code != 0 {
		t.Fatalf("sbft genesis: exit %d: %s", code, stderr)
	}
	var err error
	if tn.g, err = genesis.Load(gpath); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(gpath)
	for i := range n - 1 {
		os.WriteFile(filepath.Join(tn.homes[i], "genesis.json"), raw, 0o644) // where init's config.toml looks
	}
	tn.stopAtCleanup()
	return tn
}

// Issue 17: four homes made by `sbft init`, a genesis assembled from their public parts only, and the network
// commits; no private key leaves its home; init never overwrites a key; id, version, /status, /health,
// /metrics, reset and the client's size check, as an operator meets them.
func TestOperatorsOnSeparateMachines(t *testing.T) {
	tn := newOperatorNet(t, "operators-net")
	if tn.g.N() != 4 || tn.g.F != 1 {
		t.Fatalf("assembled genesis: n=%d f=%d, want 4 and 1", tn.g.N(), tn.g.F)
	}
	keyBefore, _ := os.ReadFile(filepath.Join(tn.home(0), "key.json"))
	_, stderr, code := tn.cli("init", "--home", tn.home(0), "--listen", "/ip4/127.0.0.1/tcp/1")
	keyAfter, _ := os.ReadFile(filepath.Join(tn.home(0), "key.json"))
	if code == 0 || !strings.Contains(stderr, "never overwrites a key") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 ||
		string(keyBefore) != string(keyAfter) {
		t.Fatalf("init over an existing home: exit %d, %q; key kept: %v", code, stderr, string(keyBefore) == string(keyAfter))
	}
	checkNoKeyOutsideHomes(t, tn)

	for i := range 3 {
		tn.start(i)
	}
	tn.start(3, "--network", filepath.Join(tn.dir, "coordinator", "genesis.json"))
	for i := range 4 {
		tn.waitStatus(i, func(s *replica.Status) bool { return s.Peers == 3 }, "all peers connected")
	}
	checkIdentity(t, tn)

	clientHome := filepath.Join(tn.dir, "app", "client")
	gpath := filepath.Join(tn.dir, "coordinator", "genesis.json")
	if _, stderr, code := tn.cli("client", "init", "--home", clientHome); code != 0 {
		t.Fatalf("sbft client init: %s", stderr)
	}
	out, stderr, code := tn.cli("client", "put", "greeting", "hello", "--home", clientHome, "--network", gpath, "--json")
	if code != 0 || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("client put with flags after the arguments: exit %d\n%s%s", code, out, stderr)
	}
	_, stderr, code = tn.cli("client", "put", "big", strings.Repeat("x", 100<<10), "--home", clientHome, "--network", gpath)
	if code == 0 || !strings.Contains(stderr, "value too large: 102,400 bytes, max 65,536") {
		t.Fatalf("100 KB value: exit %d, %q", code, stderr)
	}
	checkMetrics(t, tn, 0, "operators-net")
	checkHealthAndReset(t, tn)
	out, stderr, code = tn.cli("client", "put", "after-reset", "v", "--home", clientHome, "--network", gpath, "--json")
	if code != 0 || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("put after the reset: exit %d\n%s%s", code, out, stderr)
	}
	var res struct{ Height uint64 }
	json.Unmarshal([]byte(out), &res)
	s := tn.waitAgree([]int{0, 1, 2, 3}, res.Height)
	t.Logf("after the reset all four replicas agree at height %d (the put after it at %d)", s.Height, res.Height)
}

// checkNoKeyOutsideHomes reads every replica's secret seeds and finds them in no file outside its home.
func checkNoKeyOutsideHomes(t *testing.T, tn *testnet) {
	t.Helper()
	var secrets []string
	for i := range tn.n {
		var kf struct {
			Seed    string `json:"seed"`
			BLSSeed string `json:"bls_seed"`
		}
		b, err := os.ReadFile(filepath.Join(tn.home(i), "key.json"))
		if err != nil || json.Unmarshal(b, &kf) != nil || kf.Seed == "" || kf.BLSSeed == "" {
			t.Fatalf("home %d: key.json: %v", i, err)
		}
		if fi, _ := os.Stat(filepath.Join(tn.home(i), "key.json")); fi.Mode().Perm() != 0o600 {
			t.Errorf("home %d: key.json has mode %v, want 0600", i, fi.Mode().Perm())
		}
		secrets = append(secrets, kf.Seed, kf.BLSSeed)
	}
	filepath.WalkDir(tn.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		for k, s := range secrets {
			if strings.Contains(string(b), s) && filepath.Dir(path) != tn.home(k/2) {
				t.Errorf("%s holds a secret key of replica %d", path, k/2)
			}
		}
		return nil
	})
}

// checkIdentity compares `sbft id` and `sbft version` with the genesis and with what the running replica says.
func checkIdentity(t *testing.T, tn *testnet) {
	t.Helper()
	out, stderr, code := tn.cli("version", "--json")
	var v buildinfo.Info
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.Version == "" || v.GoVersion == "" {
		t.Fatalf("sbft version --json: exit %d %q %q", code, out, stderr)
	}
	for i := range tn.n {
		out, stderr, code := tn.cli("id", "--home", tn.home(i), "--json")
		var id struct {
			PeerID     string   `json:"peer_id"`
			Multiaddrs []string `json:"multiaddrs"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &id) != nil {
			t.Fatalf("sbft id: exit %d %q %q", code, out, stderr)
		}
		s, err := tn.status(i)
		if err != nil {
			t.Fatal(err)
		}
		if id.PeerID != tn.g.Replicas[i].PeerID || s.PeerID != id.PeerID || len(id.Multiaddrs) == 0 {
			t.Fatalf("replica %d: id %s, genesis %s, status %s", i, id.PeerID, tn.g.Replicas[i].PeerID, s.PeerID)
		}
		for _, a := range append(id.Multiaddrs, s.ListenAddrs...) {
			if !strings.HasSuffix(a, "/p2p/"+id.PeerID) {
				t.Errorf("replica %d: address %s does not end in /p2p/%s", i, a, id.PeerID)
			}
		}
		if s.Build != v {
			t.Errorf("replica %d runs build %+v; sbft version says %+v", i, s.Build, v)
		}
	}
}

// checkMetrics parses replica i's /metrics with Prometheus's text parser: the build, the chain label, peers
// by kind and libp2p's own metrics are served.
func checkMetrics(t *testing.T, tn *testnet, i int, chainID string) {
	t.Helper()
	resp, err := http.Get("http://" + tn.httpAddr(i) + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	libp2p := 0
	for name := range fams {
		if strings.HasPrefix(name, "libp2p_") {
			libp2p++
		}
	}
	if libp2p == 0 {
		t.Error("/metrics serves none of libp2p's metrics")
	}
	build := fams["sbft_build_info"]
	if build == nil || labelOf(build.GetMetric()[0], "chain_id") != chainID {
		t.Errorf("sbft_build_info: %v", build)
	}
	for _, name := range []string{"sbft_consensus_events_total", "sbft_block_txs", "sbft_commit_latency_seconds", "sbft_p2p_peers"} {
		if fams[name] == nil {
			t.Errorf("/metrics has no %s", name)
		}
	}
	for _, m := range fams["sbft_p2p_peers"].GetMetric() {
		if labelOf(m, "kind") == "replica" && m.GetGauge().GetValue() != 3 {
			t.Errorf("sbft_p2p_peers{kind=replica} = %v, want 3", m.GetGauge().GetValue())
		}
	}
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func health(t *testing.T, tn *testnet, i int) (int, node.Health) {
	t.Helper()
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + tn.httpAddr(i) + "/health")
	if err != nil {
		return 0, node.Health{}
	}
	defer resp.Body.Close()
	var h node.Health
	json.NewDecoder(resp.Body).Decode(&h)
	return resp.StatusCode, h
}

// checkHealthAndReset: /health follows the quorum; reset refuses without --yes and on a running replica, and a
// reset replica catches up from the others.
func checkHealthAndReset(t *testing.T, tn *testnet) {
	t.Helper()
	for i := range tn.n {
		if code, h := health(t, tn, i); code != http.StatusOK || !h.OK {
			t.Fatalf("replica %d /health: %d %+v", i, code, h)
		}
	}
	if _, stderr, code := tn.cli("reset", "--home", tn.home(3)); code == 0 || !strings.Contains(stderr, "--yes") {
		t.Fatalf("reset without --yes: exit %d %q", code, stderr)
	}
	if _, stderr, code := tn.cli("reset", "--home", tn.home(3), "--yes"); code == 0 || !strings.Contains(stderr, "in use") {
		t.Fatalf("reset of a running replica: exit %d %q", code, stderr)
	}
	tn.stop(3, syscall.SIGTERM)
	waitFor(t, "replica 0 still healthy with 3 of 4 (a quorum)", func() bool {
		code, h := health(t, tn, 0)
		return code == http.StatusOK && h.Connected == 2
	})
	tn.stop(2, syscall.SIGTERM)
	waitFor(t, "replica 0 unhealthy with 2 of 4", func() bool {
		code, h := health(t, tn, 0)
		return code == http.StatusServiceUnavailable && len(h.Reasons) == 1 && strings.Contains(h.Reasons[0], "quorum")
	})
	before, _ := tn.status(0)
	if _, stderr, code := tn.cli("reset", "--home", tn.home(3), "--yes"); code != 0 {
		t.Fatalf("reset --yes: exit %d %q", code, stderr)
	}
	if entries, _ := os.ReadDir(filepath.Join(tn.home(3), "data")); len(entries) != 0 || before == nil || before.Height == 0 {
		t.Fatalf("after reset the data directory holds %d entries (network at height %v)", len(entries), before)
	}
	tn.start(2)
	tn.start(3, "--network", filepath.Join(tn.dir, "coordinator", "genesis.json"))
	tn.waitStatus(0, func(s *replica.Status) bool { return s.Peers == 3 }, "all peers connected again")
}
