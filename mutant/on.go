//go:build mutants

package mutant

import (
	"os"
	"sync/atomic"
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

// Set plants bug b (the empty Bug plants none).
func Set(b Bug) { active.Store(&b) }
