package p2p

import "fmt"

// assertf panics with context when an invariant of the host's own bookkeeping does not hold (a bug here, never
// something a peer sent).
func assertf(cond bool, format string, args ...any) {
	if !cond {
		panic(fmt.Sprintf("p2p invariant violated: "+format, args...))
	}
}
