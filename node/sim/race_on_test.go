//go:build race

package sim

// The race detector slows the simulation about tenfold; `make test` runs the full swarm without it.
const defaultSeeds = 20
