package consensus

// Normal case, phase 1: the primary orders requests into PrePrepares; backups accept them.

// maybePropose lets the primary cut batches while it has queued requests, room in flight and room in the
// window. Batches grow by themselves under load: while Config.InFlightSeqsMax batches are out, requests queue up.
func (c *Core) maybePropose() {
	if !c.isPrimary() || !c.viewActive {
		return
	}
	for c.pending.hasQueued() &&
		c.lastProposed-c.lastExecuted < uint64(c.cfg.InFlightSeqsMax) &&
		c.inWindow(c.lastProposed+1) {
		if s := c.slots[c.lastProposed+1]; s != nil && (s.prePrepare != nil || s.committed) {
			// Decided already (a restarted primary got it with its certificate by catch-up): skip it.
			c.lastProposed++
			continue
		}
		reqs := c.pending.next(c.cfg.BatchRequestsMax, c.cfg.BatchBytesMax)
		if len(reqs) == 0 {
			return
		}
		c.propose(reqs)
	}
}

func (c *Core) propose(reqs []Request) {
	seq := c.lastProposed + 1
	assert(c.slots[seq] == nil || c.slots[seq].prePrepare == nil, "primary reuses seq %d", seq)
	m := &Message{Type: MsgPrePrepare, From: c.cfg.ID, View: c.view, Seq: seq}
	if c.path.slowMode {
		m.Flags |= FlagSlowPath
	}
	m.Requests = make([][]byte, len(reqs))
	m.ReqDigests = make([][32]byte, len(reqs))
	for i, r := range reqs {
		m.Requests[i] = r.Data
		m.ReqDigests[i] = r.Digest
	}
	m.Digest = BatchDigest(m.ReqDigests)
	c.sign(m)
	c.lastProposed = seq
	c.counts.Proposed++
	c.persist(RecordPrePrepare, m)
	c.send(Broadcast, m)
	c.acceptPrePrepare(m)
}

// onPrePrepare handles a PrePrepare from the primary of the current view (view and window already checked).
func (c *Core) onPrePrepare(m *Message) {
	if (m.From != c.primaryOf(m.View) && !planted(bugAnyPrimary)) || m.Flags&FlagBatchMissing != 0 || m.Seq <= c.stable.Seq {
		c.counts.DroppedInvalid++
		return
	}
	s := c.slotFor(m.Seq)
	if s.prePrepare != nil {
		if s.digest != m.Digest {
			c.counts.Equivocations++
		}
		return
	}
	if m.ReqDigests == nil {
		m.ReqDigests = RequestDigests(m.Requests)
	}
	if BatchDigest(m.ReqDigests) != m.Digest {
		c.counts.DroppedInvalid++
		return
	}
	c.persist(RecordPrePrepare, m)
	c.acceptPrePrepare(m)
}

// acceptPrePrepare records m as the slot's proposal (persisted by the caller before anything is sent) and
// starts agreement on it.
func (c *Core) acceptPrePrepare(m *Message) {
	s := c.slotFor(m.Seq)
	s.prePrepare, s.evidence = m, m
	s.missing = m.Flags&FlagBatchMissing != 0
	s.digest = m.Digest
	s.reqDigests = m.ReqDigests
	s.acceptedTick, s.lastActivityTick = c.tick, c.tick
	if pc := s.pendingCert; pc != nil && pc.Digest == s.digest {
		c.commitWith(s, *pc)
		return
	}
	c.sendShares(s)
	// Shares that arrived before the PrePrepare count now.
	for k := CertFast; k <= CertCommit; k++ {
		c.maybeCombine(s, k)
	}
}
