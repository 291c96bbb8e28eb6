package e2e

import (
	"os"
	"path/filepath"
	"strings"
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

	second := tn.procs[0]
	tn.start(0) // the same home again
	log := tn.waitExit(0, "second process on the same home")
	if !strings.Contains(log, "in use") || !strings.Contains(log, "process ") {
		t.Fatalf("second process on one home: log does not say the home is in use and by whom:\n%s", log)
	}
	tn.procs[0] = second
	tn.exits[0] = make(chan error, 1)
	go func() { tn.exits[0] <- second.Wait() }()
	tn.stop(0, 15) // SIGTERM

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
