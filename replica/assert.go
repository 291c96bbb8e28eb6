package replica

import "fmt"

// assert panics with context when an invariant of the driver does not hold (doc.go lists them). It stays on in
// production, as consensus's and chain's do: a replica in an unknown state must stop rather than answer
// clients wrongly.
func assert(cond bool, format string, args ...any) {
	if !cond {
		panic(fmt.Sprintf("replica invariant violated: "+format, args...))
	}
}
