//go:build mutants

package replica

import (
	"testing"

	"github.com/sbftnet/sbft/mutant"
)

// Each planted bug of this package's rules is caught by the checker its ordinary test runs.
func TestMutantsCaughtByCheckers(t *testing.T) {
	for _, tc := range []struct {
		bug   mutant.Bug
		check func(t *testing.T) error
	}{

		{mutant.SignedMarkLazy, checkRollbackRefused},
	} {
		t.Run(string(tc.bug), func(t *testing.T) {
			mutant.Set(tc.bug)
			defer mutant.Set("")
			err := tc.check(t)
			if err == nil {
				t.Fatalf("planted bug %s: its checker did not notice", tc.bug)
			}
			t.Logf("planted bug %s caught: %v", tc.bug, err)
		})
	}
}
