package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With 2 of 4 replicas down nothing can commit until one returns, yet what the client sent may commit then: the
// client says the outcome is unknown (exit 75, the transaction's hash), never that the transaction failed. Once
// the replicas are back, the same signed transaction submitted again learns the outcome: it committed once.
func TestLostQuorumGivesUnknownOutcomeNotFailure(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	putKeys(t, ctxT(t, time.Minute), tn.client(0), "before", 1)
	for _, i := range []int{2, 3} {
		if err := tn.stop(i, syscall.SIGTERM); err != nil {
			t.Fatalf("stop replica %d: %v", i, err)
		}
	}
	home, gpath := filepath.Join(tn.dir, "client-1"), filepath.Join(tn.dir, "genesis.json")
	out, stderr, code := tn.cli("client", "put", "x", "y", "--home", home, "--network", gpath, "--timeout", "3s", "--json")
	var res struct {
		OK      bool   `json:"ok"`
		Outcome string `json:"outcome"`
		TxHash  string `json:"tx_hash"`
		Tx      string `json:"tx"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("put without a quorum: exit %d, output %q (%v), stderr %q", code, out, err, stderr)
	}
	if code != 75 || res.OK || res.Outcome != "unknown" || len(res.TxHash) != 64 {
		t.Fatalf("put without a quorum: exit %d, %+v; want exit 75, outcome unknown and the transaction's hash", code, res)
	}
	if msg := out + stderr; strings.Contains(msg, "failed") || !strings.Contains(stderr, "outcome unknown for transaction "+res.TxHash) {
		t.Fatalf("put without a quorum must say the outcome is unknown, with the hash, never failed: %q %q", out, stderr)
	}
	for _, i := range []int{2, 3} {
		tn.start(i)
	}
	// Submitting the same signed transaction again learns its outcome: committed, once.
	var again struct {
		OK      bool   `json:"ok"`
		Outcome string `json:"outcome"`
		Height  uint64 `json:"height"`
	}
	out, stderr, code = tn.cli("client", "resubmit", res.Tx, "--home", home, "--network", gpath, "--json")
	if err := json.Unmarshal([]byte(out), &again); err != nil || code != 0 || !again.OK || again.Outcome != "committed" {
		t.Fatalf("resubmit the unknown transaction: exit %d, %q %q", code, out, stderr)
	}
	out, _, code = tn.cli("client", "get", "x", "--home", home, "--network", gpath, "--json")
	if code != 0 || !strings.Contains(out, `"value":"y"`) {
		t.Fatalf("get x after the resubmission: exit %d, %s", code, out)
	}
	s := tn.waitAgree([]int{0, 1, 2, 3}, again.Height)
	t.Logf("the transaction of unknown outcome committed at height %d; all four replicas agree at %d", again.Height, s.Height)
}
