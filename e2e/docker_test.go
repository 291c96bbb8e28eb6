//go:build docker

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/node"
	"github.com/sbftnet/sbft/replica"
)

// dockerNet drives scripts/docker-testnet.sh: every replica its own container and address.
type dockerNet struct {
	t   *testing.T
	dir string
	env []string
	tn  *testnet // for the client and status helpers (no processes of its own)
}

func (d *dockerNet) script(args ...string) string {
	d.t.Helper()
	cmd := exec.Command("../scripts/docker-testnet.sh", args...)
	cmd.Env = append(os.Environ(), d.env...)
	out, err := cmd.CombinedOutput()
	d.t.Logf("docker-testnet.sh %s:\n%s", strings.Join(args, " "), strings.TrimSpace(string(out)))
	if err != nil {
		d.t.Fatalf("docker-testnet.sh %v: %v", args, err)
	}
	return string(out)
}

func (d *dockerNet) status(i int) (*replica.Status, error) {
	cfg, err := node.LoadConfig(filepath.Join(d.dir, fmt.Sprintf("replica-%d", i)))
	if err != nil {
		return nil, err
	}
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + cfg.HTTPAddr + "/status")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var s replica.Status
	return &s, json.NewDecoder(resp.Body).Decode(&s)
}

// converge waits until the replicas agree on height, block hash and state root (at least minHeight) and
// returns how long it took.
func (d *dockerNet) converge(replicas []int, minHeight uint64, what string) time.Duration {
	d.t.Helper()
	start := time.Now()
	deadline := start.Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		var ss []*replica.Status
		for _, i := range replicas {
			if s, err := d.status(i); err == nil {
				ss = append(ss, s)
			}
		}
		if len(ss) == len(replicas) && ss[0].Height >= minHeight && allSame(ss) {
			took := time.Since(start)
			d.t.Logf("CONVERGED after %s: replicas %v at height %d hash %.16s root %.16s (took %v)",
				what, replicas, ss[0].Height, ss[0].LastBlockHash, ss[0].StateRoot, took.Round(time.Millisecond))
			return took
		}
		time.Sleep(200 * time.Millisecond) // polling containers
	}
	d.t.Fatalf("replicas %v did not converge after %s", replicas, what)
	return 0
}

// resumed waits until replica i executes in a started view >= view, and returns the time from `since`.
func (d *dockerNet) resumed(i int, view uint64, since time.Time) time.Duration {
	d.t.Helper()
	var base uint64
	started := false
	for time.Since(since) < 2*time.Minute {
		if s, err := d.status(i); err == nil && s.View >= view && s.ViewActive {
			if !started {
				started, base = true, s.LastExecutedSeq
			} else if s.LastExecutedSeq > base {
				return time.Since(since)
			}
		}
		time.Sleep(50 * time.Millisecond) // polling a container
	}
	d.t.Fatalf("replica %d: no progress in view %d", i, view)
	return 0
}

// dockerReplicas is the testnet's size: 4, or E2E_REPLICAS (make e2e N=16).
func dockerReplicas(t *testing.T) int {
	v := os.Getenv("E2E_REPLICAS")
	if v == "" {
		return 4
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 4 || n > genesis.ReplicasMax {
		t.Fatalf("E2E_REPLICAS=%q: want a replica count in [4,%d]", v, genesis.ReplicasMax)
	}
	return n
}

// TestDockerTestnet runs the fault sequence of issue 8 on a testnet of containers under constant client load:
// kill the primary, restart it, partition a backup past two checkpoints, isolate the primary, restart all.
func TestDockerTestnet(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skip("no Docker engine")
	}
	n := dockerReplicas(t)
	dir := filepath.Join(t.TempDir(), "net") // the script creates it
	d := &dockerNet{t: t, dir: dir, env: []string{"DOCKER_TESTNET_DIR=" + dir, "DOCKER_TESTNET_PROJECT=sbfte2e",
		"DOCKER_TESTNET_SUBNET=172.28.9", "SBFT_BIN=" + sbftBin, "KEYS=200", "MONITOR=1"}}
	t.Cleanup(func() {
		if t.Failed() {
			for i := 0; i < n; i++ {
				out, _ := exec.Command("docker", "logs", "--tail", "40", fmt.Sprintf("sbfte2e-replica-%d", i)).CombinedOutput()
				t.Logf("replica %d log tail:\n%s", i, out)
			}
			out, _ := exec.Command("docker", "logs", "--tail", "40", "sbfte2e-follower").CombinedOutput()
			t.Logf("client node log tail:\n%s", out)
			out, _ = exec.Command("docker", "logs", "--tail", "20", "sbfte2e-prometheus").CombinedOutput()
			t.Logf("prometheus log tail:\n%s", out)
		}
		d.script("down")
	})
	d.script("up", fmt.Sprint(n))
	g, err := genesis.Load(filepath.Join(dir, "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	d.tn = &testnet{t: t, dir: dir, n: n, g: g}
	d.checkOwnKeysOnly(n)
	promURL := strings.TrimSpace(d.script("prometheus"))
	waitPrometheusTargetsUp(t, promURL, n+1) // the replicas and the client node
	ctx := ctxT(t, 15*time.Minute)
	c := d.tn.client(1)
	l := startLoad(ctx, c, "dk", 8)
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	l.waitMore(t, 100, "load before faults")

	// 1. Kill the primary.
	s, _ := d.status(1)
	p := int(s.Primary)
	killed := time.Now()
	d.script("kill", fmt.Sprint(p))
	t.Logf("RECOVERED from killing primary %d: writes resumed in view %d after %v", p, s.View+1,
		d.resumed((p+1)%n, s.View+1, killed).Round(time.Millisecond))
	l.waitMore(t, 100, "load after the view change")
	d.converge(others(all, p), 1, "primary killed")

	// 2. Restart it.
	d.script("start", fmt.Sprint(p))
	l.waitMore(t, 50, "load after the restart")
	d.converge(all, 1, "killed primary restarted")

	// 3. Partition one backup for longer than two checkpoints; it comes back by state transfer.
	s, _ = d.status(0)
	b := (int(s.Primary) + 1) % n
	s0, _ := d.status(int(s.Primary))
	d.script("isolate", fmt.Sprint(b))
	for {
		cur, err := d.status(int(s.Primary))
		if err == nil && cur.LastStableCheckpoint >= s0.LastStableCheckpoint+300 && cur.Height >= s0.Height+400 {
			break
		}
		time.Sleep(200 * time.Millisecond) // polling a container
	}
	healed := time.Now()
	d.script("heal", fmt.Sprint(b))
	took := d.converge(all, s0.Height+400, fmt.Sprintf("backup %d partitioned past two checkpoints", b))
	if sb, _ := d.status(b); sb == nil || sb.StateTransfers == 0 {
		t.Errorf("backup %d caught up without a state transfer", b)
	}
	t.Logf("RECOVERED from partitioning backup %d: converged %v after healing (%v)", b, took.Round(time.Millisecond), time.Since(healed).Round(time.Millisecond))

	// 4. Isolate the primary: a view change.
	s, _ = d.status(b)
	p = int(s.Primary)
	isolated := time.Now()
	d.script("isolate", fmt.Sprint(p))
	t.Logf("RECOVERED from isolating primary %d: writes resumed in view %d after %v", p, s.View+1,
		d.resumed((p+1)%n, s.View+1, isolated).Round(time.Millisecond))
	d.script("heal", fmt.Sprint(p))
	l.waitMore(t, 50, "load after healing the primary")
	d.converge(all, 1, "primary isolated and healed")

	// 5. Restart every replica at once.
	restarted := time.Now()
	d.script("restart-all")
	l.waitMore(t, 50, "load after restarting all")
	t.Logf("RECOVERED from restarting all replicas: writes resumed after %v", time.Since(restarted).Round(time.Millisecond))
	// Monitoring saw it all: every dashboard panel's query has data (the load still runs).
	checkDashboard(t, promURL, dashboardPath, g.ChainID)
	keys := l.finish(t)
	d.converge(all, 1, "all replicas restarted")

	// Every acknowledged write is present.
	rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	checkReadBack(t, rctx, c, keys)
	t.Logf("all %d acknowledged writes read back", len(keys))

	// The client node container followed through every fault: same state, and its proven read verifies.
	st, _ := d.status(0)
	fo := &follower{tn: d.tn, http: d.followerHTTP()}
	fo.waitSame(st)
	key := keys[len(keys)-1]
	out, stderr, code := d.tn.cli("client", "get", "--node", "http://"+fo.http, key, "--json", "--network", filepath.Join(dir, "genesis.json"))
	if code != 0 || !strings.Contains(out, `"verified":true`) || !strings.Contains(out, `"value":"v-`+key+`"`) {
		t.Fatalf("proven read from the client node container: exit %d, %s %s", code, out, stderr)
	}
	d.script("check")
}

// checkOwnKeysOnly: each replica container made its own key and mounts only its own home and the genesis, so
// no container can read another's key.
func (d *dockerNet) checkOwnKeysOnly(n int) {
	d.t.Helper()
	for i := range n {
		out, err := exec.Command("docker", "inspect", "-f", "{{range .Mounts}}{{.Source}} {{end}}", fmt.Sprintf("sbfte2e-replica-%d", i)).Output()
		if err != nil {
			d.t.Fatalf("docker inspect replica %d: %v", i, err)
		}
		mounts := strings.Fields(string(out))
		dir, err := filepath.EvalSymlinks(d.dir) // the script resolves it too
		if err != nil {
			d.t.Fatal(err)
		}
		want := map[string]bool{filepath.Join(dir, fmt.Sprintf("replica-%d", i)): true, filepath.Join(dir, "genesis.json"): true}
		if len(mounts) != len(want) || !want[mounts[0]] || !want[mounts[1]] {
			d.t.Fatalf("replica %d mounts %v; want only its home and the genesis", i, mounts)
		}
	}
}

// followerHTTP is the client node container's API address (scripts/docker-testnet.sh: .200 of the subnet).
func (d *dockerNet) followerHTTP() string {
	for _, e := range d.env {
		if subnet, ok := strings.CutPrefix(e, "DOCKER_TESTNET_SUBNET="); ok {
			return subnet + ".200:8090"
		}
	}
	d.t.Fatal("no subnet")
	return ""
}

func others(all []int, x int) []int {
	var out []int
	for _, i := range all {
		if i != x {
			out = append(out, i)
		}
	}
	return out
}
