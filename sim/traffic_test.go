package sim

import (
	"math"
	"testing"
)

// SBFT's communication is linear: per committed block a backup sends one fast-path share (to the collector)
// and one execution share (to the primary) however many replicas there are, while the primary's PrePrepare and
// the collector's certificate go to the n-1 others. Measured from quiet runs' traffic accounts.
func TestTrafficIsLinear(t *testing.T) {
	for _, n := range []int{4, 16} {
		res := Run(Options{Seed: 11, Replicas: n, Quiet: true, Steps: 400, Clients: 4})
		if !res.OK() {
			t.Fatalf("n=%d: %v", n, res)
		}
		tr := res.Traffic
		if tr.Blocks < 20 {
			t.Fatalf("n=%d: only %d blocks committed: %v", n, tr.Blocks, res)
		}
		peers := float64(n - 1)
		perBackup := func(typ string) float64 { return tr.ByType[typ].Frames / peers }
		for _, c := range []struct {
			what      string
			got, want float64
		}{
			{"PartialCommit frames per backup per block", perBackup("PartialCommit"), 1},
			{"ExecShare share frames per backup per block", (tr.ByType["ExecShare"].Frames - peers) / peers, 1},
			{"PrePrepare frames per block", tr.ByType["PrePrepare"].Frames, peers},
			{"FullCommit frames per block", tr.ByType["FullCommit"].Frames, peers},
		} {
			if math.Abs(c.got-c.want) > 0.1*c.want {
				t.Errorf("n=%d: %s = %.2f, want %.0f (seed 11)", n, c.what, c.got, c.want)
			}
		}
		if tr.BytesSent >= tr.PBFTBytes && n > 4 {
			t.Errorf("n=%d: SBFT sent %.0f bytes per block, PBFT's all-to-all would send %.0f", n, tr.BytesSent, tr.PBFTBytes)
		}
		t.Logf("%v", tr)
	}
}
