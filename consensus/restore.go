package consensus

import "fmt"

// restore rebuilds the view, the stable checkpoint and the slots from what the replica persisted.
func (c *Core) restore(rs Restore) error {
	hs := rs.HardState
	c.viewActive = !hs.InViewChange
	c.vcSent, c.newView = hs.ViewChange, hs.NewView
	if hs.InViewChange && hs.ViewChange == nil {
		return fmt.Errorf("%w: in view change to %d without its view change message", ErrConfig, hs.View)
	}
	if hs.InViewChange {
		// Its own ViewChange counts towards the view's quorum (the new primary's NewView includes it).
		c.viewChanges[hs.View] = map[ReplicaID]*Message{c.cfg.ID: hs.ViewChange}
	}
	if st := rs.Stable; st != nil {
		if st.Kind != CertCheckpoint || st.Seq%c.cfg.checkpointInterval() != 0 {
			return fmt.Errorf("%w: stable checkpoint %v at seq %d", ErrConfig, st.Kind, st.Seq)
		}
		c.stable = *st
	}
	for i := range rs.Executed {
		if err := c.restoreExecuted(&rs.Executed[i], rs.LastExecuted); err != nil {
			return err
		}
	}
	for _, r := range rs.Records {
		if r.Seq <= rs.LastExecuted || r.Msg == nil {
			continue // executed already; pruning may lag
		}
		if r.Seq > max(rs.LastExecuted, c.stable.Seq)+c.cfg.WindowSeqs() {
			return fmt.Errorf("%w: log record seq %d beyond window of %d", ErrConfig, r.Seq, rs.LastExecuted)
		}
		if err := c.restoreRecord(r); err != nil {
			return err
		}
	}
	return nil
}

func (c *Core) restoreExecuted(b *CommittedBatch, lastExecuted uint64) error {
	if b.Seq > lastExecuted || b.Seq+c.cfg.RetainExecutedSeqs() <= lastExecuted {
		return fmt.Errorf("%w: restored executed seq %d outside retained range", ErrConfig, b.Seq)
	}
	s := c.slotFor(b.Seq)
	reqDigests := b.ReqDigests
	if reqDigests == nil {
		reqDigests = RequestDigests(b.Requests)
	}
	s.prePrepare = &Message{Type: MsgPrePrepare, From: c.primaryOf(b.View), View: b.View, Seq: b.Seq,
		Digest: b.Digest, Requests: b.Requests, ReqDigests: reqDigests}
	s.evidence = s.prePrepare
	s.digest, s.reqDigests = b.Digest, reqDigests
	s.committed, s.executed, s.cert = true, true, b.Cert
	return nil
}

// restoreRecord puts one log record back: a PrePrepare of the current, started view is the slot's proposal;
// one of an older view (or of a view not started) is evidence for the next view change only.
func (c *Core) restoreRecord(r Record) error {
	s := c.slotFor(r.Seq)
	switch r.Kind {
	case RecordPrePrepare:
		m := r.Msg
		if m.ReqDigests == nil && m.Flags&FlagBatchMissing == 0 {
			m.ReqDigests = RequestDigests(m.Requests)
		}
		if s.evidence == nil || m.View >= s.evidence.View {
			s.evidence = m
		}
		if m.View != c.view || !c.viewActive {
			return nil
		}
		s.prePrepare, s.digest, s.reqDigests = m, m.Digest, m.ReqDigests
		s.missing = m.Flags&FlagBatchMissing != 0
		s.fromNewView = c.newView != nil && m.Sig == nil
		// Requests ordered but not executed must not be queued again (clients resend them).
		for i, d := range m.ReqDigests {
			c.pending.addProposed(d, len(m.Requests[i]))
		}
		if m.From == c.cfg.ID && m.Seq > c.lastProposed {
			c.lastProposed = m.Seq
		}
	case RecordPrepared:
		if r.Msg.Cert == nil {
			return fmt.Errorf("%w: prepared record of seq %d without certificate", ErrConfig, r.Seq)
		}
		if s.prepareCert == nil || r.Msg.Cert.View >= s.prepareCert.View {
			s.prepareCert = r.Msg.Cert
		}
		if r.Msg.From == c.cfg.ID && r.Msg.View == c.view {
			// This replica, as primary, made the certificate: send it again with the slot's other messages.
			s.remember(Outbound{To: Broadcast, Msg: r.Msg})
		}
	default:
		return fmt.Errorf("%w: log record kind %d", ErrConfig, r.Kind)
	}
	return nil
}
