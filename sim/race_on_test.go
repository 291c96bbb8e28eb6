//go:build race

package sim

// The race detector slows the simulation about tenfold, and a world is one goroutine: only the swarm's workers
// share memory. `make test` runs the swarm's tests under it on a few seeds (SIM_SEEDS=4) and every test without
// it; long scenario runs skip themselves here (skipUnderRace).
const (
	defaultSeeds = 10
	raceEnabled  = true
)
