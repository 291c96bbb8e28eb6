package chain

import "fmt"

// assert panics with context when an invariant does not hold: a replica whose state is in doubt must stop.
func assert(cond bool, format string, args ...any) {
	if !cond {
		panic(fmt.Sprintf("chain invariant violated: "+format, args...))
	}
}
