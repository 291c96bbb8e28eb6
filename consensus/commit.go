package consensus

// Normal case, phase 3: Commit votes; 2f+1 matching ones form the commit certificate, and committed slots
// are delivered for execution in sequence order.

func (c *Core) onCommit(m *Message) {
	s := c.slotFor(m.Seq)
	if _, ok := s.commits[m.From]; ok {
		if s.commitDg[m.From] != m.Digest {
			c.counts.Equivocations++
		}
		return
	}
	s.commits[m.From] = Vote{From: m.From, Sig: m.Sig}
	s.commitDg[m.From] = m.Digest
	c.checkCommitted(s)
}

// checkCommitted commits the slot on 2f+1 matching Commit votes once the batch itself is known. A quorum of
// Commits implies f+1 correct replicas prepared the digest, so the batch is committed even if this replica
// missed some Prepares.
func (c *Core) checkCommitted(s *slot) {
	if s.committed || s.prePrepare == nil {
		return
	}
	votes := s.matchingCommits(s.digest)
	if len(votes) < c.cfg.quorum() {
		return
	}
	sortVotes(votes)
	c.markCommitted(s, Certificate{View: s.prePrepare.View, Seq: s.seq, Digest: s.digest, Votes: votes[:c.cfg.quorum()]})
}

func (c *Core) markCommitted(s *slot, cert Certificate) {
	assert(!s.committed || s.digest == cert.Digest, "seq %d committed twice with different digests", s.seq)
	s.committed = true
	s.cert = cert
	s.lastActivityTick = c.tick
	c.deliver()
}

// deliver appends committed slots to Ready.Committed while they are contiguous with what was delivered.
func (c *Core) deliver() {
	first := len(c.out.Committed)
	defer func() {
		// Planted bug: two batches that become executable together trade contents.
		if out := c.out.Committed; c.cfg.Bugs.ExecuteOutOfOrder && len(out)-first >= 2 {
			a, b := &out[len(out)-2], &out[len(out)-1]
			a.Requests, b.Requests = b.Requests, a.Requests
			a.ReqDigests, b.ReqDigests = b.ReqDigests, a.ReqDigests
		}
	}()
	for {
		s := c.slots[c.lastDelivered+1]
		if s == nil || !s.committed {
			return
		}
		pp := s.prePrepare
		c.out.Committed = append(c.out.Committed, CommittedBatch{
			Seq: s.seq, View: pp.View, Digest: s.digest,
			Requests: pp.Requests, ReqDigests: s.reqDigests, Cert: s.cert,
		})
		c.lastDelivered = s.seq
	}
}

// sortVotes orders votes by replica so certificates are canonical.
func sortVotes(v []Vote) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].From < v[j-1].From; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
