package consensus

import "fmt"

// assert panics with context when an invariant of the core does not hold. It stays on in production: a
// replica in an unknown state must stop rather than sign or execute something wrong.
func assert(cond bool, format string, args ...any) {
	if !cond {
		panic(fmt.Sprintf("consensus invariant violated: "+format, args...))
	}
}
