package consensus

// Commit: a slot commits on a fast-path or slow-path commit certificate once its batch is known; committed slots
// are delivered for execution strictly in sequence order.

func (c *Core) commitWith(s *slot, cert Certificate) {
	if s.committed {
		return
	}
	if cert.Kind == CertFast {
		c.counts.CommitsFast++
		c.observeFastLatency(c.tick - s.acceptedTick)
	} else {
		c.counts.CommitsSlow++
	}
	c.recordPathOutcome(s, cert.Kind == CertFast)
	c.markCommitted(s, cert)
}

func (c *Core) markCommitted(s *slot, cert Certificate) {
	assert(!s.committed || s.digest == cert.Digest, "seq %d committed twice with different digests", s.seq)
	s.committed = true
	s.cert = cert
	s.lastActivityTick = c.tick
	if gap := c.tick - c.lastCommitTick; c.busyAtLastCommit && gap > 0 {
		// EWMA (weight 1/8, in sixteenths of a tick) of the time between commits while requests waited: how
		// slow "normal" is now. Idle gaps do not count.
		c.commitGap16 += (int64(gap)*16 - c.commitGap16) / 8
	}
	c.lastCommitTick, c.busyAtLastCommit = c.tick, c.pending.len() > 0
	c.deliver()
}

// deliver appends committed slots to Ready.Committed while they are contiguous with what was delivered.
func (c *Core) deliver() {
	first := len(c.out.Committed)
	defer func() {
		// Planted bug: two batches that become executable together trade contents.
		if out := c.out.Committed; planted(bugOutOfOrder) && len(out)-first >= 2 {
			a, b := &out[len(out)-2], &out[len(out)-1]
			a.Requests, b.Requests = b.Requests, a.Requests
			a.ReqDigests, b.ReqDigests = b.ReqDigests, a.ReqDigests
		}
	}()
	for {
		s := c.slots[c.lastDelivered+1]
		if s == nil || !s.committed || s.missing {
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
