//go:build !mutants

package mutant

// On reports whether bug b is planted: never, in a build without the mutants tag.
func On(Bug) bool { return false }

// Enabled reports whether this build can plant bugs.
const Enabled = false

// Set is a no-op without the mutants tag.
func Set(Bug) {}
