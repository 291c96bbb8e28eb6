//go:build mutants

package sim

import (
	"os"
	"strconv"
	"testing"

	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/sim/adversary"
)

// Every planted bug is caught by a safety checker of the swarm within SIM_MUTANT_SEEDS seeds (300 by
// default). `make mutants` runs the same hunt through `sbft-sim mutants`.
func TestMutantsCaught(t *testing.T) {
	seedsMax := 300
	if s, err := strconv.Atoi(os.Getenv("SIM_MUTANT_SEEDS")); err == nil {
		seedsMax = s
	}
	for _, b := range mutant.Catalogue {
		t.Run(string(b), func(t *testing.T) {
			h := HuntMutant(b, seedsMax, 0)
			t.Log(h)
			if !h.Caught {
				t.Fatalf("planted bug %s survived %d seeds of the swarm", b, seedsMax)
			}
		})
	}
}

// The coalition does not merely break rules, it wins: with the certificate-validity checker off, the planted
// quorum and new-view bugs let it make correct replicas disagree or clients see what never happened.
func TestCoalitionWinsAgainstPlantedBugs(t *testing.T) {
	for _, tc := range []struct {
		bug  mutant.Bug
		opts Options
	}{
		{mutant.SlowQuorum, Options{Adversary: adversary.Colluder}},
		{mutant.NewViewLowest, HuntScenario(mutant.NewViewLowest)},
	} {
		t.Run(string(tc.bug), func(t *testing.T) {
			mutant.Set(tc.bug)
			defer mutant.Set("")
			o := tc.opts
			o.NoCertificateChecker = true
			sum := Swarm(o, 1, 300, 0, func(r *Result) bool { _, _, ok := r.SafetyViolation(); return ok }, func(*Result) {})
			if sum.Stop == nil {
				t.Fatalf("the coalition did not win against %s in %d seeds", tc.bug, sum.Seeds)
			}
			_, v, _ := sum.Stop.SafetyViolation()
			t.Logf("won at seed %d: %s", sum.Stop.Seed, v)
		})
	}
}
