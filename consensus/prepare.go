package consensus

// Normal case, phase 2: backups' Prepare votes; 2f of them matching the PrePrepare make the slot prepared.

func (c *Core) onPrepare(m *Message) {
	if m.From == c.primaryOf(m.View) {
		c.counts.DroppedInvalid++ // the primary's PrePrepare is its prepare
		return
	}
	s := c.slotFor(m.Seq)
	if d, ok := s.prepares[m.From]; ok {
		if d != m.Digest {
			c.counts.Equivocations++
		}
		return
	}
	s.prepares[m.From] = m.Digest
	c.checkPrepared(s)
}

// checkPrepared sends this replica's Commit once the slot has its PrePrepare and 2f matching Prepares.
func (c *Core) checkPrepared(s *slot) {
	if s.prepared || s.prePrepare == nil || s.matchingPrepares() < c.cfg.prepareQuorum() {
		return
	}
	s.prepared = true
	s.lastActivityTick = c.tick
	cm := c.sign(&Message{Type: MsgCommit, From: c.cfg.ID, View: c.view, Seq: s.seq, Digest: s.digest})
	assert(s.sentCommit == nil || s.sentCommit.Digest == s.digest, "second commit vote for seq %d", s.seq)
	s.sentCommit = cm
	c.persist(RecordCommit, cm)
	c.send(Broadcast, cm)
	s.commits[c.cfg.ID] = Vote{From: c.cfg.ID, Sig: cm.Sig}
	s.commitDg[c.cfg.ID] = s.digest
	c.checkCommitted(s)
}
