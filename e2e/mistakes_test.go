package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sbftnet/sbft/node"
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
	tn.waitStatus(0, func(s *node.Status) bool { return true }, "replica 0 serving")

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

// A store restored below what the replica signed before (here: the mark says it signed a checkpoint the store
// never reached, as after a truncated write-ahead log) is reported at start.
func TestRestoredBelowSignedIsReported(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 2*time.Minute)
	l := startLoad(ctx, tn.client(0), "mark", 4)
	tn.waitStatus(0, func(s *node.Status) bool { return s.LastCheckpoint >= 150 }, "a signed checkpoint")
	l.stop()
	tn.stop(0, syscall.SIGTERM)
	mark := filepath.Join(tn.home(0), "data", node.SignedMarkFile)
	b, err := os.ReadFile(mark)
	if err != nil || !strings.Contains(string(b), "seq 150") {
		t.Fatalf("mark after signing checkpoint 150: %q %v", b, err)
	}
	// A normal restart does not warn; a store below the mark does (as after a truncated write-ahead log).
	tn.start(0)
	tn.waitStatus(0, func(s *node.Status) bool { return true }, "replica 0 serving again")
	tn.stop(0, syscall.SIGTERM)
	log, _ := os.ReadFile(filepath.Join(tn.home(0), "replica.log"))
	const warning = "restored below what this replica signed"
	if strings.Contains(string(log), warning) {
		t.Fatalf("a normal restart warned of a rollback:\n%s", log)
	}
	os.WriteFile(mark, []byte("view 0 seq 100000\n"), 0o644)
	tn.start(0)
	tn.waitStatus(0, func(s *node.Status) bool { return true }, "replica 0 serving a third time")
	log, _ = os.ReadFile(filepath.Join(tn.home(0), "replica.log"))
	if !strings.Contains(string(log), warning) {
		t.Fatalf("no warning about the rollback:\n%s", log)
	}
}
