// Package rules is the protocol's arithmetic as the simulator's checkers and adversaries know it: quorums and
// primaries, written from the consensus package doc. It is independent of the core's code on purpose: a planted
// bug (package mutant) weakens the core's quorums, never the ones the checkers hold the replicas to, nor the
// ones the coalition attacks.
package rules

import "github.com/sbftnet/sbft/consensus"

// Quorum is the number of distinct signers a certificate of kind k needs among n = 3f+2c+1 replicas: fast n (or
// 3f+c+1 when c > 0), execution f+1, prepare, commit and checkpoint 2f+c+1.
func Quorum(k consensus.CertKind, n, f, c int) int {
	switch k {
	case consensus.CertFast:
		if c > 0 {
			return 3*f + c + 1
		}
		return n
	case consensus.CertExec:
		return f + 1
	}
	return 2*f + c + 1
}

// ViewChangeQuorum is the number of ViewChanges from distinct replicas a NewView carries: 2f+2c+1.
func ViewChangeQuorum(f, c int) int { return 2*f + 2*c + 1 }

// Primary is the primary of view among n replicas.
func Primary(view uint64, n int) uint32 { return uint32(view % uint64(n)) }
