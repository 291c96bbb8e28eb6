//go:build race

package sim

// The race detector slows the simulation about tenfold; `make test` runs the full swarm and the scenario
// tests without it.
const (
	defaultSeeds = 20
	raceEnabled  = true
)
