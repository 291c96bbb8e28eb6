//go:build mutants

package mutant

import (
	"os"
	"sync/atomic"

	"github.com/sbftnet/sbft/consensus"
)

// Enabled reports whether this build can plant bugs.
const Enabled = true

var active atomic.Pointer[Bug]

func init() {
	if name := os.Getenv("SBFT_MUTANT"); name != "" {
		Set(Bug(name))
	}
}

// On reports whether bug b is the planted one.
func On(b Bug) bool {
	p := active.Load()
	return p != nil && *p == b
}

// Set plants bug b (the empty Bug plants none), also in the consensus core, which keeps its own switch so
// that it imports nothing outside the standard library.
func Set(b Bug) {
	active.Store(&b)
	consensus.PlantBug(string(b))
}
