package e2e

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/genesis"
)

// All replicas up: every sequence number commits on the fast path. One backup down: commits continue on the
// slow path and the primary switches to it; the backup back: the fast path resumes.
func TestCommitPathsWithBackupDownAndBack(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 5*time.Minute)
	c := tn.client(0)
	putKeys(t, ctx, c, "up", 200)
	st := tn.waitAgree([]int{0, 1, 2, 3}, 1)
	if st.CommitsSlow != 0 || st.CommitsFast == 0 {
		t.Fatalf("all replicas up: %d fast, %d slow commits", st.CommitsFast, st.CommitsSlow)
	}

	if err := tn.stop(3, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for round := 0; ; round++ {
		putKeys(t, ctx, c, fmt.Sprintf("down%d-", round), 100)
		if s, err := tn.status(0); err == nil && s.CommitPath == "slow" {
			t.Logf("primary on the slow path after %d slow commits", s.CommitsSlow)
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the primary never moved to the slow path with a backup down")
		}
	}
	before, _ := tn.status(0)

	tn.start(3)
	for round := 0; ; round++ {
		putKeys(t, ctx, c, fmt.Sprintf("back%d-", round), 100)
		s, err := tn.status(0)
		if err == nil && s.CommitPath == "fast" && s.CommitsFast > before.CommitsFast {
			t.Logf("fast path resumed: %d fast commits (were %d), %d slow", s.CommitsFast, before.CommitsFast, s.CommitsSlow)
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the fast path did not resume after the backup returned: %+v", s)
		}
	}
	tn.waitAgree([]int{0, 1, 2, 3}, before.Height)
}

// A client that accepts only execution proofs gets every result from one replica's single message: the block
// header, an execution certificate of f+1 replicas and the result's Merkle path.
func TestExecutionProofsAloneSuffice(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 2*time.Minute)
	key, err := genesis.LoadKey(filepath.Join(tn.dir, "client-1", "key.json"))
	if err != nil {
		t.Fatal(err)
	}
	replicas, _ := tn.g.P2PReplicas()
	c, err := client.New(client.Config{Genesis: tn.g, Key: key, RequireProof: true}, replicas)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	keys := putKeys(t, ctx, c, "proven", 50)
	if got := c.Proven(); got != uint64(len(keys)) {
		t.Fatalf("%d of %d results accepted on an execution proof", got, len(keys))
	}
	res, err := c.Get(ctx, []byte(keys[0]))
	if err != nil || !res.Found {
		t.Fatalf("get on a proof: %+v %v", res, err)
	}
}
