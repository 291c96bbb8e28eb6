package consensus

import "slices"

// slot is one sequence number's agreement state in the current view, plus the evidence it keeps across views.
type slot struct {
	seq uint64

	// The PrePrepare accepted in the current view (nil until one arrives). missing: only its digest is known
	// (a NewView re-proposed a batch this replica never saw); the batch arrives with the commit certificate.
	prePrepare   *Message
	missing      bool
	fromNewView  bool // the PrePrepare came from a NewView's plan (the NewView is what gets retransmitted)
	digest       [32]byte
	reqDigests   [][32]byte
	acceptedTick uint64
	preparedTick uint64 // when it got its prepare certificate in the current view (0: not yet)

	sentFast        bool // sent this replica's fast-path share
	slowStarted     bool // sent this replica's prepare share
	sentCommitShare bool // sent this replica's commit share
	mine            []Outbound
	votes           [CertCommit + 1]vote // this replica's fast, prepare and commit votes (castVote)

	// Shares collected by this replica (as a collector or as the primary), by certificate kind.
	shares    [CertCommit + 1]map[ReplicaID]shareRec
	combining [CertCommit + 1]bool

	prepareCert *Certificate // the slot is prepared
	pendingCert *Certificate // a commit certificate that arrived before the PrePrepare

	committed bool
	executed  bool
	cert      Certificate

	// Evidence for view changes, kept across views: the highest-view PrePrepare accepted (with its batch, for
	// re-proposal) and the highest-view prepare certificate (prepareCert above).
	evidence *Message

	lastActivityTick uint64
}

// resetForView drops the slot's agreement state of the old view and keeps what outlives it.
func (s *slot) resetForView() *slot {
	return &slot{seq: s.seq, evidence: s.evidence, prepareCert: s.prepareCert, pendingCert: s.pendingCert,
		lastActivityTick: s.lastActivityTick}
}

// preparedIn reports whether the slot holds a prepare certificate of view v for its current digest.
func (s *slot) preparedIn(v uint64) bool {
	return s.prepareCert != nil && s.prepareCert.View == v && s.prepareCert.Digest == s.digest
}

// vote is the digest this replica voted for in one kind of share, and in which view.
type vote struct {
	view   uint64
	digest [32]byte
	cast   bool
}

// castVote records this replica's vote of kind k for the slot's digest in the current view, asserting it is
// the only one: a replica never votes for two digests of one (view, seq), whatever its crypto answers do.
func (c *Core) castVote(k CertKind, s *slot) {
	v := &s.votes[k]
	assert(!v.cast || v.view != c.view || v.digest == s.digest, "replica %d votes %v twice in view %d at seq %d",
		c.cfg.ID, k, c.view, s.seq)
	*v = vote{view: c.view, digest: s.digest, cast: true}
}

type shareRec struct {
	digest [32]byte
	sig    []byte
}

func (c *Core) slotFor(seq uint64) *slot {
	s := c.slots[seq]
	if s == nil {
		s = &slot{seq: seq, lastActivityTick: c.tick}
		c.slots[seq] = s
	}
	return s
}

// matchingShares returns the shares of kind k for the slot's digest, ordered by replica.
func (s *slot) matchingShares(k CertKind) []Share {
	var out []Share
	for from, r := range s.shares[k] {
		if r.digest == s.digest {
			out = append(out, Share{From: from, Sig: r.sig})
		}
	}
	slices.SortFunc(out, func(a, b Share) int { return int(a.From) - int(b.From) })
	return out
}

// remember keeps a message this replica sent for the slot, to send it again if the slot stalls.
func (s *slot) remember(o Outbound) { s.mine = append(s.mine, o) }
