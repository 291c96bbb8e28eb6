package e2e

import (
	"syscall"
	"testing"
	"time"
)

// Sixteen replica processes (f = 5) under load: the primary is SIGKILLed and replaced, a backup is wiped and
// comes back (from its peers' retained batches, or by state transfer once the network is a window ahead),
// the killed primary returns, and every replica ends on the same height, block
// hash and state root (so every acknowledged write is on every replica), the last writes read back.
func TestSixteenReplicasUnderFaults(t *testing.T) {
	const n = 16
	tn := newTestnet(t, n)
	ctx := ctxT(t, 4*time.Minute)
	c, l, _ := tn.killPrimaryUnderLoad(ctx, "s")
	wiped := n - 1
	if err := tn.stop(wiped, syscall.SIGTERM); err != nil {
		t.Fatalf("stop replica %d: %v", wiped, err)
	}
	if out, stderr, code := tn.cli("reset", "--home", tn.home(wiped), "--yes"); code != 0 {
		t.Fatalf("reset replica %d: exit %d %s %s", wiped, code, out, stderr)
	}
	l.waitMore(t, 200, "after the view change")
	keys := l.finish(t)
	tn.start(wiped)
	tn.start(0)
	checkReadBack(t, ctx, c, keys[len(keys)-20:])
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	s := tn.waitAgree(all, uint64(len(keys)/20))
	transfers := uint64(0)
	if sw, err := tn.status(wiped); err == nil {
		transfers = sw.StateTransfers
	}
	t.Logf("n=%d: %d acknowledged writes; all replicas agree at height %d in view %d; the wiped replica ran %d state transfers",
		n, len(keys), s.Height, s.View, transfers)
}
