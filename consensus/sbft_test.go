package consensus

import (
	"fmt"
	"testing"
)

// feed submits batches one at a time so each becomes its own sequence number.
func (cl *cluster) feed(prefix string, batches, perBatch, ticks int) {
	for b := 0; b < batches; b++ {
		cl.submit(requests(fmt.Sprintf("%s-%d", prefix, b), perBatch)...)
		cl.run(0, 1) // deliver what is in flight
		for t := 0; t < ticks; t++ {
			cl.tickAll()
			for cl.step() {
			}
		}
	}
}

func TestFastPathWhenAllUp(t *testing.T) {
	for _, n := range []int{4, 7} {
		cl := newCluster(t, n, (n-1)/3, 1)
		cl.feed("fast", 20, 5, 1)
		for i, r := range cl.reps {
			st := r.core.Status().Counters
			if st.CommitsFast == 0 || st.CommitsSlow != 0 {
				t.Fatalf("n=%d replica %d: %d fast, %d slow commits with every replica up", n, i, st.CommitsFast, st.CommitsSlow)
			}
		}
		cl.checkAgreement(1)
	}
}

// With a backup down the fast path cannot finish: the slow path commits, the primary switches to it, and
// when the backup returns the fast path resumes.
func TestSlowPathWithBackupDownThenFastAgain(t *testing.T) {
	cl := newCluster(t, 4, 1, 2)
	cl.reps[3].down = true
	cl.feed("down", PathEvaluationSeqs+10, 3, 40)
	p := cl.reps[0].core.Status()
	if p.Counters.CommitsSlow < PathEvaluationSeqs || !p.SlowPathMode {
		t.Fatalf("with a backup down: %d slow commits, slow mode %v", p.Counters.CommitsSlow, p.SlowPathMode)
	}
	cl.reps[3].down = false
	fastBefore := p.Counters.CommitsFast
	cl.feed("back", 3*PathEvaluationSeqs, 3, 3)
	p = cl.reps[0].core.Status()
	if p.SlowPathMode || p.Counters.CommitsFast <= fastBefore {
		t.Fatalf("after the backup returned: slow mode %v, fast commits %d (were %d)", p.SlowPathMode, p.Counters.CommitsFast, fastBefore)
	}
	cl.checkAgreement(2)
}

// Messages per committed batch grow linearly in n on the fast path.
func TestMessagesPerBatchLinear(t *testing.T) {
	const batches = 20
	for _, n := range []int{4, 7, 10, 13} {
		cl := newCluster(t, n, (n-1)/3, 3)
		cl.feed("m", batches, 2, 0)
		total := 0
		for typ, k := range cl.sent {
			if typ != MsgStatus {
				total += k
			}
		}
		perBatch := float64(total) / batches
		t.Logf("n=%d: %.1f messages per batch", n, perBatch)
		// PrePrepare to n-1, shares to the collector (n-1), certificate to n-1: 3(n-1).
		if perBatch > float64(3*(n-1)) {
			t.Fatalf("n=%d: %.1f messages per batch, more than 3(n-1)=%d", n, perBatch, 3*(n-1))
		}
	}
}

func TestBadShareIsReportedAndSlowPathCommits(t *testing.T) {
	cl := newCluster(t, 4, 1, 4)
	cl.badShare[2] = true
	cl.feed("bad", 10, 2, 40)
	bad := uint64(0)
	for _, r := range cl.reps {
		bad += r.core.Status().Counters.BadShares
	}
	if bad == 0 {
		t.Fatal("bad shares were not reported")
	}
	if got := countRequests(cl.reps[0].executed); got != 20 {
		t.Fatalf("executed %d of 20 requests with one bad share sender", got)
	}
	cl.checkAgreement(4)
}

// With c = 1 (n = 6, f = 1) the fast path needs 3f+c+1 = 5 shares: it survives one replica down.
func TestFastPathToleratesCSlowReplicas(t *testing.T) {
	cl := newClusterC(t, 6, 1, 1, 5)
	cl.reps[4].down = true
	cl.feed("c", 20, 3, 1)
	st := cl.reps[0].core.Status().Counters
	if st.CommitsFast != 20 || st.CommitsSlow != 0 {
		t.Fatalf("c=1 with one replica down: %d fast, %d slow commits", st.CommitsFast, st.CommitsSlow)
	}
	cl.checkAgreement(5)
}
