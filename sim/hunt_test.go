package sim

import (
	"slices"
	"testing"

	"github.com/sbftnet/sbft/mutant"
)

// The scenarios planted bugs are hunted in are safe without the bugs: a catch in them is the bug's doing, not
// the scenario's (heavy crashes, a withholding coalition, a long outage).
//
// huntScenarioSeeds per scenario: the hunts catch their bugs at seeds 1-18 but skip-persist (189, in a scenario
// of crashes the swarm also covers); CI must end within 25 minutes.
const huntScenarioSeeds = 8

func TestHuntScenariosAreSafeWithoutBugs(t *testing.T) {
	skipUnderRace(t)
	var scenarios []Options // the distinct ones; the random swarm (zero Options) has its own tests
	for _, b := range mutant.Catalogue {
		if o := HuntScenario(b); o != (Options{}) && !slices.Contains(scenarios, o) {
			scenarios = append(scenarios, o)
		}
	}
	if len(scenarios) == 0 {
		t.Fatal("no hunt scenario to check")
	}
	for _, o := range scenarios {
		sum := Swarm(o, 1, huntScenarioSeeds, 0, func(r *Result) bool { _, _, ok := r.SafetyViolation(); return ok }, func(*Result) {})
		if r := sum.Stop; r != nil {
			_, v, _ := r.SafetyViolation()
			t.Errorf("hunt scenario %+v, seed %d: safety violation without a planted bug: %s", o, r.Seed, v)
		}
	}
}
