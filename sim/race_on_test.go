//go:build race

package sim

// The race detector slows the simulation about tenfold; `make test` runs the full swarm and the scenario
// tests without it, so the race pass runs few seeds: enough to exercise every goroutine the swarm and the
// driver start (the simulator took 280 s under -race with 20, in a CI run that must end within 25 minutes).
const (
	defaultSeeds = 10
	raceEnabled  = true
)
