package sync

import "fmt"

// assert panics with context when an invariant of the planner does not hold (doc.go lists them). It stays on
// in production, as consensus's and chain's do: a replica must stop rather than install blocks the transfer
// cannot vouch for.
func assert(cond bool, format string, args ...any) {
	if !cond {
		panic(fmt.Sprintf("sync invariant violated: "+format, args...))
	}
}
