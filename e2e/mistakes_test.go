package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sbftnet/sbft/node"
	"github.com/sbftnet/sbft/replica"
)

// waitExit waits for replica i to exit by itself and returns its log.
func (tn *testnet) waitExit(i int, what string) string {
	tn.t.Helper()
	select {
	case err := <-tn.exits[i]:
		tn.procs[i] = nil
		if err == nil {
			tn.t.Fatalf("%s: replica %d exited with status 0", what, i)
		}
	case <-time.After(30 * time.Second):
		tn.t.Fatalf("%s: replica %d still running", what, i)
	}
	b, _ := os.ReadFile(filepath.Join(tn.home(i), "replica.log"))
	return string(b)
}

// Operator mistakes end in one line that says what is wrong, with a non-zero exit: a second process on a home
// in use names the process holding it, and a data directory of one network refuses another network's genesis
// (before, it opened and restored its height).
func TestOperatorMistakesEndInOneClearLine(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.start(0)
	tn.waitStatus(0, func(s *replica.Status) bool { return true }, "replica 0 serving")

	first, firstExit := tn.procs[0], tn.exits[0]
	tn.start(0) // the same home again
	log := tn.waitExit(0, "second process on the same home")
	if !strings.Contains(log, "in use") || !strings.Contains(log, "process ") {
		t.Fatalf("second process on one home: log does not say the home is in use and by whom:\n%s", log)
	}
	tn.procs[0], tn.exits[0] = first, firstExit
	tn.stop(0, syscall.SIGTERM)

	// The same replica keys in a genesis of another chain.
	raw, err := os.ReadFile(filepath.Join(tn.dir, "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(tn.dir, "other-genesis.json")
	os.WriteFile(other, []byte(strings.Replace(string(raw), tn.g.ChainID, "another-chain", 1)), 0o644)
	cfgPath := filepath.Join(tn.home(0), node.ConfigFileName)
	cfg, _ := os.ReadFile(cfgPath)
	os.WriteFile(cfgPath, []byte(strings.Replace(string(cfg), `genesis = "../genesis.json"`, `genesis = "`+other+`"`, 1)), 0o644)
	tn.start(0)
	log = tn.waitExit(0, "data directory under another genesis")
	if !strings.Contains(log, "belongs to another network") || !strings.Contains(log, "another-chain") {
		t.Fatalf("another network's genesis: log does not say so:\n%s", log)
	}
}

// A write-ahead log that lost its tail (SIGKILL under load, then the newest data/*.log cut by 100 KB) would roll
// the replica back in silence (before: "replica restored" at a lower height, 16 acknowledged blocks gone). The
// mark, advanced with every synced write, is above the store: the replica refuses to start with one line that
// says what was lost and what to do; with --recover it starts and catches up from the others. A normal
// restart after SIGKILL starts as usual.
func TestTruncatedLogIsRefused(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 2*time.Minute)
	l := startLoad(ctx, tn.client(0), "mark", 4)
	defer l.stop()
	tn.waitStatus(0, func(s *replica.Status) bool { return s.Height >= 40 }, "40 blocks")
	tn.stop(0, syscall.SIGKILL)
	tn.start(0)
	tn.waitStatus(0, func(s *replica.Status) bool { return s.Height >= 60 }, "replica 0 back after SIGKILL")
	tn.stop(0, syscall.SIGKILL)
	before := tn.waitStatus(1, func(*replica.Status) bool { return true }, "replica 1").Height

	wal := newestFile(t, filepath.Join(tn.home(0), "data"), ".log")
	info, _ := os.Stat(wal)
	if err := os.Truncate(wal, max(0, info.Size()-100<<10)); err != nil {
		t.Fatal(err)
	}
	tn.start(0)
	log := tn.waitExit(0, "a store that lost synced writes")
	for _, want := range []string{"the store lost what this replica signed and acknowledged", "--recover", "sbft reset"} {
		if !strings.Contains(log, want) {
			t.Fatalf("refusal does not say %q:\n%s", want, log)
		}
	}
	lines := strings.Split(strings.TrimSpace(log), "\n")
	t.Logf("refused: %s", lines[len(lines)-1])
	tn.start(0, "--recover")
	tn.waitStatus(0, func(s *replica.Status) bool { return s.Height > before }, "replica 0 caught up after --recover")
}

// newestFile is the most recently modified file in dir whose name ends in suffix.
func newestFile(t *testing.T, dir, suffix string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var newest string
	var at time.Time
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && strings.HasSuffix(e.Name(), suffix) && info.ModTime().After(at) {
			newest, at = filepath.Join(dir, e.Name()), info.ModTime()
		}
	}
	if newest == "" {
		t.Fatalf("no %s file in %s", suffix, dir)
	}
	return newest
}
