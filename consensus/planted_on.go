//go:build mutants

package consensus

import "sync/atomic"

var plantedBug atomic.Pointer[string]

// planted reports whether the named bug is the one planted.
func planted(name string) bool {
	p := plantedBug.Load()
	return p != nil && *p == name
}

// PlantBug plants the named bug in the core ("" plants none). Package mutant calls it; it exists only in a
// build with the mutants tag.
func PlantBug(name string) { plantedBug.Store(&name) }

// PlantedBugs lists the core's planted bugs (mutants build only).
func PlantedBugs() []string { return append([]string(nil), plantedBugs...) }
