//go:build !mutants

package consensus

// planted reports whether the named bug is planted: never, without the mutants build tag.
func planted(string) bool { return false }
