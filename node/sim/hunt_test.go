package sim

import (
	"testing"

	"github.com/sbftnet/sbft/mutant"
)

// The scenarios planted bugs are hunted in are safe without the bugs: a catch in them is the bug's doing, not
// the scenario's (heavy crashes, a withholding coalition, a long outage).
func TestHuntScenariosAreSafeWithoutBugs(t *testing.T) {
	skipUnderRace(t)
	seen := map[string]bool{}
	for _, b := range mutant.Catalogue {
		o := HuntScenario(b)
		key := string(b)
		if o == (Options{}) {
			key = "swarm" // the random swarm has its own tests
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if key == "swarm" {
			continue
		}
		sum := Swarm(o, 1, 10, 0, func(r *Result) bool { _, _, ok := r.SafetyViolation(); return ok }, func(*Result) {})
		if r := sum.Stop; r != nil {
			_, v, _ := r.SafetyViolation()
			t.Errorf("scenario of %s, seed %d: safety violation without a planted bug: %s", b, r.Seed, v)
		}
	}
}
