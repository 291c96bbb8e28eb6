package sim

import (
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/node"
)

// The checkers bite: each planted bug is found by the swarm within a bounded number of seeds. (AcceptOlderViews
// needs a stale message to land in a slot the new view left empty, which the swarm rarely produces since
// complaints wait for a real lack of progress; consensus.TestAcceptOlderViewsBugBites shows it directly.)
func TestCheckersFindPlantedBugs(t *testing.T) {
	skipUnderRace(t)
	cases := []struct {
		name     string
		opts     Options
		seedsMax uint64
	}{
		{"commit with 2f votes, equivocating primary",
			Options{Bugs: node.PlantedBugs{Consensus: consensus.PlantedBugs{WeakQuorum: true}}, Adversary: Equivocator, Replicas: 4}, 100},
		{"execute out of order",
			Options{Bugs: node.PlantedBugs{Consensus: consensus.PlantedBugs{ExecuteOutOfOrder: true}}}, 100},
		{"skip the persist before send",
			Options{Bugs: node.PlantedBugs{SkipPersist: true}, CrashPerMille: 30, Replicas: 4}, 300},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sum := Swarm(tc.opts, 1, int(tc.seedsMax), 0, func(r *Result) bool { return !r.OK() }, nil)
			if r := sum.Stop; r != nil {
				t.Logf("found at seed %d: %v", r.Seed, r.Violations[0])
				return
			}
			t.Fatalf("the swarm did not find the planted bug in %d seeds", tc.seedsMax)
		})
	}
}

// The linearizability checker rejects a history no sequential execution explains.
func TestLinearizabilityCheckerBites(t *testing.T) {
	put := func(c int, call, ret int64, v string, ver uint64) porcupine.Operation {
		return porcupine.Operation{ClientId: c, Call: call, Return: ret,
			Input: kvInput{Op: chain.OpPut, Key: "k", Value: v}, Output: kvOutput{Version: ver}}
	}
	get := func(c int, call, ret int64, v string, ver uint64) porcupine.Operation {
		return porcupine.Operation{ClientId: c, Call: call, Return: ret, Input: kvInput{Op: chain.OpGet, Key: "k"},
			Output: kvOutput{Value: v, Version: ver, Found: ver > 0}}
	}
	good := []porcupine.Operation{put(0, 1, 2, "a", 1), get(1, 3, 4, "a", 1), put(0, 5, 8, "b", 2), get(1, 6, 7, "a", 1)}
	if !porcupine.CheckOperations(kvModel, good) {
		t.Fatal("a linearizable history was rejected")
	}
	stale := []porcupine.Operation{put(0, 1, 2, "a", 1), put(0, 3, 4, "b", 2), get(1, 5, 6, "a", 1)}
	if porcupine.CheckOperations(kvModel, stale) {
		t.Fatal("a stale read after a completed write was accepted")
	}
}
