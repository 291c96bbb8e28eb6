package sim

import (
	"cmp"
	"os"
	"strconv"
	"testing"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/sim/adversary"
)

// seeds is how many seeds the swarm runs in `go test` (SIM_SEEDS overrides: make test runs 100, to keep CI
// within its 25 minutes on 2 cores; make sim runs as many as asked).
func seeds() uint64 {
	if s, err := strconv.ParseUint(os.Getenv("SIM_SEEDS"), 10, 64); err == nil {
		return s
	}
	return defaultSeeds
}

// skipUnderRace skips long scenario runs under the race detector; `make test` runs them without it.
func skipUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("scenario runs take minutes under -race; make test runs them without it")
	}
}

// TestSwarm runs seeds 1..seeds() on every core and fails on the lowest seed that breaks a checker or acknowledges
// nothing (the same seed whatever the scheduling), or if no call of the swarm ended with an unknown outcome (the
// checkers must see some, and the liveness checker that each is learned once submitted again).
func TestSwarm(t *testing.T) {
	bad := func(r *Result) bool { return !r.OK() || r.Acked == 0 }
	unknown := 0
	sum := Swarm(Options{}, 1, int(seeds()), 0, bad, func(r *Result) { unknown += r.Unknown })
	t.Logf("%d seeds (%d..%d): %d passed, %d failed in %.1fs (%.1f seeds/s)", sum.Seeds, sum.First, sum.Last,
		sum.Passed, sum.Failed, sum.Elapsed.Seconds(), sum.SeedsPerSecond())
	t.Log(sum.Coverage())
	if r := sum.Stop; r != nil {
		if !r.OK() {
			t.Fatalf("%v\nreproduce: go run ./cmd/sbft-sim --seed %d", r, r.Seed)
		}
		t.Fatalf("seed %d: nothing was acknowledged: %v\nreproduce: go run ./cmd/sbft-sim --seed %d", r.Seed, r, r.Seed)
	}
	if t.Logf("%d calls ended with an unknown outcome", unknown); unknown == 0 && sum.Seeds >= 8 {
		t.Fatalf("no call of %d seeds ended with an unknown outcome", sum.Seeds)
	}
}

// The same seed gives the same run: every seed of a swarm, run twice (in parallel, in whatever order the
// workers take them), gives the same trace and verdict.
func TestSameSeedSameTrace(t *testing.T) {
	o, n := Options{Steps: 400}, int(seeds())
	first := map[uint64]string{}
	Swarm(o, 1, n, 0, nil, func(r *Result) { first[r.Seed] = r.String() })
	Swarm(o, 1, n, 0, nil, func(r *Result) {
		if again := r.String(); again != first[r.Seed] {
			t.Errorf("seed %d is not deterministic:\n%s\n%s", r.Seed, first[r.Seed], again)
		}
	})
}

func FuzzSim(f *testing.F) {
	f.Add(uint64(1))
	f.Fuzz(func(t *testing.T, seed uint64) {
		if r := Run(Options{Seed: seed, Steps: 300}); !r.OK() {
			t.Fatalf("%v", r)
		}
	})
}

// A backup crashes and comes back (n=4, no other faults): while it is down the primary commits on the slow path;
// after it returns the fast path resumes within a few hundred sequence numbers.
func TestFastPathResumesAfterOutage(t *testing.T) {
	t.Parallel() // one world on one core: beside the other single-world scenarios
	// With the production interval the outage is short enough that the returning replica catches up from its
	// peers' retained batches (no state transfer; the simulator's short window would need one).
	r := Run(Options{Seed: 7, Replicas: 4, Clients: 1, Quiet: true, Steps: 2000,
		Outage: Outage{Replica: 2, From: 100, Until: 700}, CheckpointInterval: consensus.CheckpointIntervalSeqsDefault})
	if !r.OK() {
		t.Fatalf("%v", r)
	}
	t.Logf("during the outage: %d fast, %d slow commits; after: %d fast", r.FastDuringOutage, r.SlowDuringOutage, r.FastAfterOutage)
	if r.SlowDuringOutage == 0 || r.FastAfterOutage == 0 || r.StateTransfers != 0 {
		t.Fatalf("slow commits during the outage %d, fast commits after it %d, state transfers %d", r.SlowDuringOutage,
			r.FastAfterOutage, r.StateTransfers)
	}
}

// A quiet run reaches many stable checkpoints, each at a multiple of the configured interval (the simulator's
// default, or another one).
func TestStableCheckpointsAtTheInterval(t *testing.T) {
	t.Parallel() // one world on one core: beside the other single-world scenarios
	for _, interval := range []int{0, 7} {
		r := Run(Options{Seed: 1, Replicas: 4, Clients: 1, Quiet: true, CheckpointInterval: interval})
		want := uint64(cmp.Or(interval, CheckpointIntervalDefault))
		if !r.OK() || r.StableCheckpoint < 5*want || r.StableCheckpoint%want != 0 {
			t.Fatalf("interval %d: stable checkpoint %d: %v", want, r.StableCheckpoint, r)
		}
	}
}

// Colluders answer clients with forged execution proofs (adversary/coalition_proofs.go) and forged proven
// reads (adversary/coalition_reads.go); clients refuse every one of them, and still accept correct replicas'
// proofs and reads.
func TestClientsRefuseForgedProofs(t *testing.T) {
	t.Parallel() // one world on one core: beside the other single-world scenarios
	skipUnderRace(t)
	forged, proven, forgedReads, reads := 0, 0, 0, 0
	// Proofs win the race with f+1 plain replies rarely (a correct replica down or slow): 8 seeds give a few.
	for seed := uint64(1); seed <= 8; seed++ {
		r := Run(Options{Seed: seed, Steps: 600, Adversary: adversary.Colluder, AdversaryReplica: 1 + int(seed%3)}) // around a backup
		if !r.OK() {
			t.Fatalf("%v", r)
		}
		forged, proven = forged+r.ForgedProofs, proven+r.ProvenAcks
		forgedReads, reads = forgedReads+r.ForgedReads, reads+r.ProvenReads
	}
	if forged == 0 || proven == 0 || forgedReads == 0 || reads == 0 {
		t.Fatalf("%d forged proofs sent, %d transactions acknowledged on a proof, %d forged reads, %d proven reads accepted: want all",
			forged, proven, forgedReads, reads)
	}
	t.Logf("%d forged proofs and %d forged reads refused; %d transactions acknowledged on a correct proof, %d proven reads accepted",
		forged, forgedReads, proven, reads)
}

// The client node refuses every block a colluder forges for it (other batches under real certificates, other
// state roots) and still keeps up with the correct replicas through the others.
func TestClientNodeRefusesForgedBlocks(t *testing.T) {
	t.Parallel() // one world on one core: beside the other single-world scenarios
	skipUnderRace(t)
	forged := 0
	for seed := uint64(1); seed <= 4; seed++ {
		r := Run(Options{Seed: seed, Steps: 600, Replicas: 4, Adversary: adversary.Colluder})
		if !r.OK() {
			t.Fatalf("%v", r)
		}
		// At most one block behind: the run ends as soon as the replicas settle.
		if r.FollowerHeight == 0 || r.FollowerHeight+1 < r.Height {
			t.Fatalf("seed %d: the client node reached height %d, the replicas %d", seed, r.FollowerHeight, r.Height)
		}
		t.Logf("seed %d: client node at %d, replicas at %d", seed, r.FollowerHeight, r.Height)
		forged += r.ForgedBlocks
	}
	if forged == 0 {
		t.Fatal("the coalition forged no block for the client node")
	}
	t.Logf("%d forged blocks refused", forged)
}
