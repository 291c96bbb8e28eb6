package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"
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
