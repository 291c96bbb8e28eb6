//go:build mutants

package mutant

import (
	"slices"
	"testing"

	"github.com/sbftnet/sbft/consensus"
)

// The core's planted bugs (its own switch, set by Set) carry catalogue names.
func TestCoreBugsAreInTheCatalogue(t *testing.T) {
	for _, name := range consensus.PlantedBugs() {
		if !slices.Contains(Catalogue, Bug(name)) {
			t.Errorf("consensus plants %q, which the catalogue does not list", name)
		}
	}
}
