package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's flow, through scripts/testnet.sh: up, write 1,000 keys, read one back, all replicas agree, down.
func TestTestnetScript(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "testnet")
	base := freeBase(t, 4)
	env := append(os.Environ(), "TESTNET_DIR="+dir, "SBFT_BIN="+sbftBin, fmt.Sprintf("BASE_PORT=%d", base))
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = "..", env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		down := exec.Command("scripts/testnet.sh", "down")
		down.Dir, down.Env = "..", env
		down.Run()
	})
	run("scripts/testnet.sh", "up", "4")
	genesis := filepath.Join(dir, "genesis.json")
	run(sbftBin, "client", "fill", "--home", filepath.Join(dir, "client-0"), "--network", genesis, "--count", "1000")
	if out := run(sbftBin, "client", "get", "--home", filepath.Join(dir, "client-1"), "--network", genesis, "key-999"); !strings.Contains(out, "value-999") {
		t.Fatalf("get key-999: %s", out)
	}
	if out := run("scripts/testnet.sh", "check", "30"); !strings.Contains(out, "all 4 replicas agree") {
		t.Fatalf("check: %s", out)
	}
}
