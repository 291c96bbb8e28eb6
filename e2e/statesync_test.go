package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sbftnet/sbft/replica"
)

// waitTransferred waits until replica i completed a state transfer and agrees with the others.
func (tn *testnet) waitTransferred(i int, minHeight uint64) *replica.Status {
	tn.t.Helper()
	s := tn.waitStatus(i, func(s *replica.Status) bool { return s.StateTransfers >= 1 && !s.Syncing && s.Height >= minHeight },
		"a completed state transfer")
	tn.t.Logf("replica %d: state transfer of %d blocks in %d ms, per source %+v", i, s.LastTransfer.Total, s.LastTransfer.TookMs, s.LastTransfer.PerSource)
	return s
}

// A replica stopped while the others commit 2,000 batches comes back by state transfer, agrees on height,
// block hash and state root, and votes again (the primary returns to the fast path). Then one whose data
// directory was deleted does the same from height 0.
func TestStateTransferAfterLongOutage(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAll()
	ctx := ctxT(t, 4*time.Minute)
	c := tn.client(0)
	l := startLoad(ctx, c, "st", 8)
	tn.waitStatus(0, func(s *replica.Status) bool { return s.Height >= 50 }, "height 50")
	if err := tn.stop(3, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s3 := tn.waitStatus(0, func(s *replica.Status) bool { return s.Height >= 50 }, "status")
	target := s3.Height + 2000
	tn.waitStatusFor(0, func(s *replica.Status) bool { return s.Height >= target }, "2,000 batches with replica 3 down", 5*time.Minute)
	keys := l.finish(t)
	watch := exec.Command(sbftBin, "status", "--home", tn.home(3), "--watch")
	var watched strings.Builder
	watch.Stdout = &watched
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	tn.start(3)
	tn.waitTransferred(3, target)
	watch.Process.Signal(syscall.SIGINT)
	if err := watch.Wait(); err != nil {
		t.Fatalf("status --watch did not exit cleanly on SIGINT: %v", err)
	}
	if !strings.Contains(watched.String(), "state transfers 1") {
		t.Fatalf("status --watch did not show the completed transfer:\n%s", watched.String())
	}
	t.Logf("status --watch printed:\n%s", watched.String())
	tn.waitAgree([]int{0, 1, 2, 3}, target)
	checkReadBack(t, ctx, c, keys[len(keys)-5:])

	// Replica 3 votes again: with all four up the primary's path controller returns to the fast path.
	before, _ := tn.status(0)
	l = startLoad(ctx, c, "st2", 8)
	tn.waitStatus(0, func(s *replica.Status) bool { return s.CommitPath == "fast" && s.CommitsFast > before.CommitsFast+50 },
		"fast-path commits with replica 3 back")
	l.finish(t)

	// Wipe replica 2's data and start it again.
	if err := tn.stop(2, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(tn.home(2), "data")); err != nil {
		t.Fatal(err)
	}
	s0, _ := tn.status(0)
	tn.start(2)
	tn.waitTransferred(2, s0.Height-s0.Height%150)
	tn.waitAgree([]int{0, 1, 2, 3}, s0.Height)
}

// One source serves corrupted blocks and another never answers in time: the transfer drops them and
// completes from the honest one.
func TestStateTransferSurvivesByzantineSources(t *testing.T) {
	tn := newTestnet(t, 4)
	tn.startAllWith(map[int]string{1: "corrupt-blocks", 2: "stall-blocks"})
	ctx := ctxT(t, 3*time.Minute)
	c := tn.client(0)
	l := startLoad(ctx, c, "bz", 8)
	tn.waitStatus(0, func(s *replica.Status) bool { return s.Height >= 20 }, "height 20")
	if err := tn.stop(3, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s0, _ := tn.status(0)
	target := s0.Height + 700
	tn.waitStatusFor(0, func(s *replica.Status) bool { return s.Height >= target }, "700 batches with replica 3 down", 3*time.Minute)
	l.finish(t)
	tn.start(3)
	s := tn.waitTransferred(3, target-target%150)
	if p := s.LastTransfer.PerSource; p[1].Failures == 0 || p[0].Blocks == 0 {
		t.Fatalf("per source %+v: the corrupting source was not caught, or the honest one not used", p)
	}
	tn.waitAgree([]int{0, 1, 2, 3}, target)
}
