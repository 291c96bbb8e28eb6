package sim

import (
	"os"
	"strconv"
	"testing"
)

// seeds is how many seeds the swarm runs in `go test` (SIM_SEEDS overrides; CI keeps the default).
func seeds() uint64 {
	if s, err := strconv.ParseUint(os.Getenv("SIM_SEEDS"), 10, 64); err == nil {
		return s
	}
	return defaultSeeds
}

func TestSwarm(t *testing.T) {
	for seed := uint64(1); seed <= seeds(); seed++ {
		r := Run(Options{Seed: seed})
		if !r.OK() {
			t.Fatalf("%v\nreproduce: go run ./cmd/sbft sim --seed %d", r, seed)
		}
		if r.Acked == 0 {
			t.Fatalf("seed %d: nothing was acknowledged: %v", seed, r)
		}
	}
}

func TestSameSeedSameTrace(t *testing.T) {
	for _, seed := range []uint64{3, 17, 99} {
		a, b := Run(Options{Seed: seed}), Run(Options{Seed: seed})
		if a.Trace != b.Trace || a.String() != b.String() {
			t.Fatalf("seed %d is not deterministic:\n%v\n%v", seed, a, b)
		}
	}
}

func FuzzSim(f *testing.F) {
	f.Add(uint64(1))
	f.Fuzz(func(t *testing.T, seed uint64) {
		if r := Run(Options{Seed: seed, Steps: 300}); !r.OK() {
			t.Fatalf("%v", r)
		}
	})
}
