package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/node/byzantine"
	"github.com/sbftnet/sbft/replica"
)

var (
	binDir  string
	sbftBin string // the production binary: every replica runs it, unless a test makes it misbehave
	byzBin  struct {
		once sync.Once
		path string
		err  error
	}
)

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "sbft-e2e-bin"); err != nil {
		panic(err)
	}
	if sbftBin, err = buildSbft("sbft", ""); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(leakOptions()...); err != nil {
			fmt.Fprintf(os.Stderr, "goroutines leaked: %v\n", err)
			code = 1
		}
	}
	os.RemoveAll(binDir)
	os.Exit(code)
}

// buildSbft builds cmd/sbft into binDir with the build tags given.
func buildSbft(name, tags string) (string, error) {
	path := filepath.Join(binDir, name)
	build := exec.Command("go", "build", "-tags", tags, "-o", path, "../cmd/sbft")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build sbft (tags %q): %v\n%s", tags, err, out)
	}
	return path, nil
}

// byzantineBin is the test build of sbft (tag byzantine: node/byzantine_on.go), built at the first test that
// makes a replica misbehave: only those replicas run it.
func byzantineBin(t *testing.T) string {
	t.Helper()
	byzBin.once.Do(func() { byzBin.path, byzBin.err = buildSbft("sbft-byzantine", "byzantine") })
	if byzBin.err != nil {
		t.Fatal(byzBin.err)
	}
	return byzBin.path
}

// net is a testnet of replica processes in a temporary directory.
type testnet struct {
	t     *testing.T
	dir   string
	n     int
	base  int
	g     *genesis.Genesis
	homes []string // set when the homes are not dir/replica-i (operators' separate directories)
	procs []*exec.Cmd
	exits []chan error
}

// freeBase finds a base port whose whole range is free for TCP and UDP.
func freeBase(t *testing.T, n int) int {
	for try := 0; try < 50; try++ {
		base := 20000 + rand.IntN(3000)*10
		ok := true
		for p := base; p < base+10*n && ok; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			l.Close()
			u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				ok = false
				break
			}
			u.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free port range")
	return 0
}

func newTestnet(t *testing.T, n int) *testnet {
	t.Helper()
	tn := &testnet{t: t, dir: t.TempDir(), n: n, procs: make([]*exec.Cmd, n), exits: make([]chan error, n)}
	tn.base = freeBase(t, n)
	out, err := exec.Command(sbftBin, "testnet", "--replicas", fmt.Sprint(n), "--dir", tn.dir,
		"--base-port", fmt.Sprint(tn.base), "--clients", "2").CombinedOutput()
	if err != nil {
		t.Fatalf("sbft testnet: %v\n%s", err, out)
	}
	if tn.g, err = genesis.Load(filepath.Join(tn.dir, "genesis.json")); err != nil {
		t.Fatal(err)
	}
	tn.stopAtCleanup()
	return tn
}

// stopAtCleanup kills every replica when the test ends, with their logs' tails when it failed.
func (tn *testnet) stopAtCleanup() {
	t := tn.t
	t.Cleanup(func() {
		for i := range tn.procs {
			tn.stop(i, syscall.SIGKILL)
		}
		if t.Failed() {
			tn.dumpLogs()
		}
	})
}

func (tn *testnet) home(i int) string {
	if tn.homes != nil {
		return tn.homes[i]
	}
	return filepath.Join(tn.dir, fmt.Sprintf("replica-%d", i))
}

func (tn *testnet) start(i int, extra ...string) { tn.startBin(i, sbftBin, nil, extra...) }

// startBin starts replica i from binary bin with extra environment variables and flags.
func (tn *testnet) startBin(i int, bin string, env []string, extra ...string) {
	tn.t.Helper()
	args := append([]string{"start", "--home", tn.home(i)}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	logf, err := os.OpenFile(filepath.Join(tn.home(i), "replica.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		tn.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		tn.t.Fatalf("start replica %d: %v", i, err)
	}
	logf.Close()
	exit := make(chan error, 1)
	go func() { exit <- cmd.Wait() }()
	tn.procs[i], tn.exits[i] = cmd, exit
}

func (tn *testnet) startAll() { tn.startAllWith(nil) }

// startAllWith starts every replica, those in modes from the test build in the byzantine mode given, and waits
// until all are connected.
func (tn *testnet) startAllWith(modes map[int]string) {
	for i := 0; i < tn.n; i++ {
		if mode, ok := modes[i]; ok {
			tn.startBin(i, byzantineBin(tn.t), []string{byzantine.Env + "=" + mode})
		} else {
			tn.start(i)
		}
	}
	for i := 0; i < tn.n; i++ {
		tn.waitStatus(i, func(s *replica.Status) bool { return s.Peers == tn.n-1 }, "all peers connected")
	}
}

// stop signals replica i and waits for it to exit; it returns the exit error (nil for exit code 0).
func (tn *testnet) stop(i int, sig syscall.Signal) error {
	cmd := tn.procs[i]
	if cmd == nil {
		return nil
	}
	cmd.Process.Signal(sig)
	var err error
	select {
	case err = <-tn.exits[i]:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		err = <-tn.exits[i]
		tn.t.Errorf("replica %d did not exit within 20 s of %v", i, sig)
	}
	tn.procs[i] = nil
	return err
}

func (tn *testnet) httpAddr(i int) string { return fmt.Sprintf("127.0.0.1:%d", tn.base+10*i+2) }

func (tn *testnet) status(i int) (*replica.Status, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + tn.httpAddr(i) + "/status")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var s replica.Status
	return &s, json.NewDecoder(resp.Body).Decode(&s)
}

// waitStatus polls replica i's status until cond holds (a generous deadline, not a timing assertion).
func (tn *testnet) waitStatus(i int, cond func(*replica.Status) bool, what string) *replica.Status {
	tn.t.Helper()
	return tn.waitStatusFor(i, cond, what, 60*time.Second)
}

// waitStatusFor is waitStatus with a deadline for long workloads (CI runs other packages' tests beside).
func (tn *testnet) waitStatusFor(i int, cond func(*replica.Status) bool, what string, limit time.Duration) *replica.Status {
	tn.t.Helper()
	deadline := time.Now().Add(limit)
	var last *replica.Status
	for time.Now().Before(deadline) {
		if s, err := tn.status(i); err == nil {
			last = s
			if cond(s) {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond) // polling an external process
	}
	tn.t.Fatalf("replica %d: %s did not happen; last status %+v", i, what, last)
	return nil
}

// waitAgree waits until the given replicas report the same height, block hash and state root, at least minHeight.
func (tn *testnet) waitAgree(replicas []int, minHeight uint64) *replica.Status {
	tn.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var seen []*replica.Status
	for time.Now().Before(deadline) {
		seen = seen[:0]
		for _, i := range replicas {
			s, err := tn.status(i)
			if err != nil {
				break
			}
			seen = append(seen, s)
		}
		if len(seen) == len(replicas) && seen[0].Height >= minHeight && allSame(seen) {
			return seen[0]
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, s := range seen {
		tn.t.Logf("replica %d: height %d hash %s root %s", s.Replica, s.Height, s.LastBlockHash, s.StateRoot)
	}
	tn.t.Fatalf("replicas %v did not agree at height >= %d", replicas, minHeight)
	return nil
}

func allSame(ss []*replica.Status) bool {
	for _, s := range ss[1:] {
		if s.Height != ss[0].Height || s.LastBlockHash != ss[0].LastBlockHash || s.StateRoot != ss[0].StateRoot {
			return false
		}
	}
	return true
}

func (tn *testnet) client(j int) *client.Client {
	tn.t.Helper()
	key, err := genesis.LoadKey(filepath.Join(tn.dir, fmt.Sprintf("client-%d", j), "key.json"))
	if err != nil {
		tn.t.Fatal(err)
	}
	replicas, err := tn.g.P2PReplicas()
	if err != nil {
		tn.t.Fatal(err)
	}
	c, err := client.New(client.Config{Genesis: tn.g, Key: key}, replicas)
	if err != nil {
		tn.t.Fatal(err)
	}
	tn.t.Cleanup(func() { c.Close() })
	return c
}

// cli runs the sbft binary and returns stdout, stderr and the exit code.
func (tn *testnet) cli(args ...string) (string, string, int) {
	tn.t.Helper()
	cmd := exec.Command(sbftBin, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		tn.t.Fatalf("run sbft %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func (tn *testnet) dumpLogs() {
	for i := 0; i < tn.n; i++ {
		b, _ := os.ReadFile(filepath.Join(tn.home(i), "replica.log"))
		lines := strings.Split(string(b), "\n")
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		tn.t.Logf("replica %d log tail:\n%s", i, strings.Join(lines, "\n"))
	}
}

// putKeys writes prefix0..prefix(n-1) and returns the acknowledged keys.
func putKeys(t *testing.T, ctx context.Context, c *client.Client, prefix string, n int) []string {
	t.Helper()
	return putKeysWith(t, ctx, c, prefix, n, func(k string) []byte { return []byte("v-" + k) })
}

// putKeysWith writes prefix0..prefix(n-1), each with value(key), and returns the acknowledged keys.
func putKeysWith(t *testing.T, ctx context.Context, c *client.Client, prefix string, n int, value func(string) []byte) []string {
	t.Helper()
	var acked []string
	errs := make(chan error, n)
	keys := make(chan string, n)
	sem := make(chan struct{}, 32)
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			k := fmt.Sprintf("%s%d", prefix, i)
			if _, err := c.Put(ctx, []byte(k), value(k)); err != nil {
				errs <- err
				return
			}
			keys <- k
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case err := <-errs:
			t.Fatalf("put: %v", err)
		case k := <-keys:
			acked = append(acked, k)
		}
	}
	return acked
}
