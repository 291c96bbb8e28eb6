package consensus

// Slow path (linear PBFT): when the fast path does not complete within the fast-path timer (or the primary's
// PrePrepare asks for it), replicas send prepare shares to the primary, which broadcasts a prepare certificate
// of 2f+c+1; replicas then send commit shares, and the primary broadcasts the commit certificate of 2f+c+1.

// startSlowPath sends this replica's prepare share to the primary.
func (c *Core) startSlowPath(s *slot) {
	if s.slowStarted || s.committed || s.prePrepare == nil {
		return
	}
	s.slowStarted = true
	c.requestShare(CertPrepare, s) // sent to the primary when signed (onSigned)
}

// checkSlowPathTimers starts the slow path for slots whose fast path did not finish in time.
func (c *Core) checkSlowPathTimers() {
	c.forEachOpenSlot(func(s *slot) {
		if s.prePrepare == nil || s.committed || s.slowStarted || c.tick-s.acceptedTick < uint64(c.slowPathTicks) {
			return
		}
		c.counts.CollectorTimeouts++
		c.startSlowPath(s)
	})
}

// forEachOpenSlot calls fn for the slots above the last executed sequence number, in order.
func (c *Core) forEachOpenSlot(fn func(*slot)) {
	for seq := c.lastExecuted + 1; seq <= c.stable.Seq+c.cfg.WindowSeqs(); seq++ {
		s := c.slots[seq]
		if s == nil {
			if seq > c.lastProposed && seq > c.lastDelivered {
				return
			}
			continue
		}
		fn(s)
	}
}

func (c *Core) onPrimaryShare(m *Message, k CertKind) {
	if c.primaryOf(m.View) != c.cfg.ID {
		c.counts.DroppedInvalid++
		return
	}
	c.addShare(c.slotFor(m.Seq), k, m.From, m.Digest, m.Share)
}

// onPrepareFull handles the primary's prepare certificate (verified by the node).
func (c *Core) onPrepareFull(m *Message) {
	if m.From != c.primaryOf(m.View) || m.Cert == nil || m.Cert.Kind != CertPrepare ||
		m.Cert.SignerCount() < c.cfg.slowQuorum() {
		c.counts.DroppedInvalid++
		return
	}
	s := c.slotFor(m.Seq)
	if s.prePrepare == nil || s.digest != m.Digest {
		return // the batch comes with the PrePrepare's retransmission or by catch-up
	}
	c.onPrepared(s, m)
}

// onPrepared records the slot's prepare certificate (persisted: a view change must not lose it) and sends
// this replica's commit share.
func (c *Core) onPrepared(s *slot, pf *Message) {
	if s.preparedIn(c.view) || s.committed {
		return
	}
	s.prepareCert = pf.Cert
	s.lastActivityTick, s.preparedTick = c.tick, c.tick
	c.persist(RecordPrepared, pf)
	c.sendCommitShare(s)
}

func (c *Core) sendCommitShare(s *slot) {
	if s.sentCommitShare || !s.preparedIn(c.view) {
		return
	}
	s.sentCommitShare = true
	c.requestShare(CertCommit, s) // sent to the primary when signed (onSigned)
}
