package consensus

// slot is one sequence number's agreement state in the current view.
type slot struct {
	seq uint64

	// The accepted PrePrepare (nil until one arrives).
	prePrepare *Message
	digest     [32]byte
	reqDigests [][32]byte

	prepares map[ReplicaID][32]byte // backups' Prepare digests in this view
	commits  map[ReplicaID]Vote     // Commit votes in this view
	commitDg map[ReplicaID][32]byte // the digest each Commit vote is for

	sentPrepare *Message
	sentCommit  *Message

	prepared  bool
	committed bool
	executed  bool
	cert      Certificate

	lastActivityTick uint64
}

func (c *Core) slotFor(seq uint64) *slot {
	s := c.slots[seq]
	if s == nil {
		s = &slot{
			seq:              seq,
			prepares:         make(map[ReplicaID][32]byte, c.cfg.N),
			commits:          make(map[ReplicaID]Vote, c.cfg.N),
			commitDg:         make(map[ReplicaID][32]byte, c.cfg.N),
			lastActivityTick: c.tick,
		}
		c.slots[seq] = s
	}
	return s
}

// matchingPrepares counts Prepare votes from backups for the accepted digest.
func (s *slot) matchingPrepares() int {
	n := 0
	for _, d := range s.prepares {
		if d == s.digest {
			n++
		}
	}
	return n
}

// matchingCommits returns the Commit votes for digest d.
func (s *slot) matchingCommits(d [32]byte) []Vote {
	var votes []Vote
	for from, v := range s.commits {
		if s.commitDg[from] == d {
			votes = append(votes, v)
		}
	}
	return votes
}
