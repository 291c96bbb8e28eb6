package sim

import (
	"slices"
	"testing"

	"github.com/sbftnet/sbft/sim/adversary"
)

// A primary that is silent, equivocates or censors one client is replaced, and every client's writes are
// acknowledged and present on every correct replica (the run's checkers), for n = 4 and n = 7. (The equivocator
// draws per recipient which PrePrepares to falsify, and only stalls a slot when no version reaches a quorum: on
// some seeds, 11 for one, it never does and the primary rightly stays.)
func TestFaultyPrimaryIsReplaced(t *testing.T) {
	t.Parallel() // one world on one core: beside the other single-world scenarios
	skipUnderRace(t)
	for _, role := range []adversary.Role{adversary.Silent, adversary.Equivocator, adversary.Censor} {
		for _, n := range []int{4, 7} {
			r := Run(Options{Seed: 12, Replicas: n, Clients: 2, Quiet: true, Adversary: role})
			if !r.OK() {
				t.Fatalf("%v primary, n=%d: %v", role, n, r)
			}
			if r.View == 0 || r.Acked == 0 {
				t.Fatalf("%v primary, n=%d: view %d, %d acknowledged: the primary was not replaced", role, n, r.View, r.Acked)
			}
		}
	}
}

// A primary cut off from the backups (not from clients) is replaced; once healed it joins the new view and
// catches up to the same height (the run's liveness check).
func TestPartitionedPrimaryIsReplacedAndRejoins(t *testing.T) {
	t.Parallel() // one world on one core: beside the other single-world scenarios
	skipUnderRace(t)
	for _, n := range []int{4, 7} {
		r := Run(Options{Seed: 5, Replicas: n, Clients: 2, Quiet: true, Steps: 1500, Isolate: Outage{Replica: 0, From: 100, Until: 900}})
		if !r.OK() {
			t.Fatalf("n=%d: %v", n, r)
		}
		if r.View == 0 {
			t.Fatalf("n=%d: the partitioned primary was not replaced", n)
		}
		if slices.Contains(r.ViewsActive, false) || slices.Min(r.Views) != r.View {
			t.Fatalf("n=%d: views %v (started %v): the healed primary did not join view %d", n, r.Views, r.ViewsActive, r.View)
		}
	}
}

// A replica down for far longer than the window comes back by state transfer (n = 7, one source serving
// corrupted blocks and one never answering) and converges with the others (the run's liveness check).
func TestStateTransferWithByzantineSources(t *testing.T) {
	t.Parallel() // one world on one core: beside the other single-world scenarios
	skipUnderRace(t)
	for _, role := range []adversary.Role{adversary.BadSigner, adversary.Silent, adversary.Colluder} {
		r := Run(Options{Seed: 3, Replicas: 7, Clients: 3, Quiet: true, Steps: 3000, Adversary: role, AdversaryReplica: 1,
			Colluders: 1, Outage: Outage{Replica: 6, From: 100, Until: 2700}})
		if !r.OK() {
			t.Fatalf("%v source: %v", role, r)
		}
		if r.StateTransfers == 0 || r.Height < 250 {
			t.Fatalf("%v source: %d state transfers, height %d: the outage did not need one", role, r.StateTransfers, r.Height)
		}
		t.Logf("%v source: height %d after %d state transfer(s)", role, r.Height, r.StateTransfers)
	}
}

// The coalition's attacks fail against the correct protocol: the withholding strategy (adversary/withhold.go),
// which breaks the new-view rule when it keeps the lowest-view prepare certificate, and the default one, whose
// certificates a share short of the quorum must all be refused.
func TestCoalitionAttacksFail(t *testing.T) {
	skipUnderRace(t)
	for _, o := range []Options{
		{Replicas: 4, Adversary: adversary.Colluder, Withhold: true, Steps: 1500},
		{Replicas: 7, Adversary: adversary.Colluder, Withhold: true, Steps: 1500},
		{Replicas: 4, Adversary: adversary.Colluder},
		{Replicas: 7, Adversary: adversary.Colluder},
		{Replicas: 6, Adversary: adversary.Colluder},
	} {
		sum := Swarm(o, 1, int(seeds()/4), 0, func(r *Result) bool { return !r.OK() }, func(*Result) {})
		if r := sum.Stop; r != nil {
			t.Fatalf("%+v\n%v\nreproduce: go test -run TestCoalitionAttacksFail ./sim", o, r)
		}
		t.Logf("n=%d withhold=%v: %d seeds pass; %s", o.Replicas, o.Withhold, sum.Seeds, sum.Coverage())
	}
}

// Seeds from a swarm outside the ones CI runs (sbft-sim --seed 60001500 --seeds 1000) where n = 4 with replica
// 0 byzantine stalled for good after the faults healed, at the height given, with correct primaries in view:
// a NewView re-proposed a batch some correct replicas never saw, they committed its digest on a certificate
// the replicas holding the batch missed, and no replica could execute it (consensus/status.go,
// retransmitStale). Each must now make progress and acknowledge every transaction.
func TestByzantineReplicaCannotStallHealedNetwork(t *testing.T) {
	t.Parallel() // one world on one core: beside the other single-world scenarios
	skipUnderRace(t)
	for _, tc := range []struct {
		seed      uint64
		byzantine string // what the seed draws; if the draw changes, the seed no longer tests this
		stalledAt uint64
	}{
		{seed: 60001665, byzantine: "0:colluder", stalledAt: 8},
		{seed: 60001708, byzantine: "0:equivocator", stalledAt: 2},
	} {
		r := Run(Options{Seed: tc.seed})
		if len(r.Faults.Byzantine) == 0 || r.Faults.Byzantine[0] != tc.byzantine || r.N != 4 {
			t.Fatalf("seed %d no longer draws n=4 with %s: %v", tc.seed, tc.byzantine, r)
		}
		if !r.OK() {
			t.Fatalf("%v\nreproduce: go run ./cmd/sbft-sim --seed %d", r, tc.seed)
		}
		if r.Acked != r.Submitted || r.Height <= tc.stalledAt {
			t.Fatalf("seed %d: %d of %d acknowledged, height %d: %v", tc.seed, r.Acked, r.Submitted, r.Height, r)
		}
	}
}

// A collector that withholds (silent: no share, no certificate for the sequence numbers it collects) at n=31
// costs timeouts and the slow path (with c = 0 the fast path needs every share, so the primary's path
// controller moves to the slow path), never a view change: collectors rotate with the sequence number, and
// the slow path's collector is the primary.
func TestSilentCollectorCostsNoViewChange(t *testing.T) {
	t.Parallel() // one world on one core: beside the other single-world scenarios
	skipUnderRace(t)
	r := Run(Options{Seed: 9, Replicas: 31, Clients: 3, Quiet: true, Steps: 800, Adversary: adversary.Silent, AdversaryReplica: 1})
	if !r.OK() {
		t.Fatalf("seed 9: %v", r)
	}
	if r.View != 0 || r.Height < 50 {
		t.Fatalf("seed 9: view %d at height %d: a silent collector cost a view change or stalled the network", r.View, r.Height)
	}
	t.Logf("%v", r)
}
