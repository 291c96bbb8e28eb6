package consensus

import "fmt"

// restore rebuilds slots from the persisted log and the recent executed batches.
func (c *Core) restore(rs Restore) error {
	for i := range rs.Executed {
		b := &rs.Executed[i]
		if b.Seq > rs.LastExecuted || b.Seq+RetainExecutedSeqsMax <= rs.LastExecuted {
			return fmt.Errorf("%w: restored executed seq %d outside retained range", ErrConfig, b.Seq)
		}
		s := c.slotFor(b.Seq)
		reqDigests := b.ReqDigests
		if reqDigests == nil {
			reqDigests = RequestDigests(b.Requests)
		}
		s.prePrepare = &Message{Type: MsgPrePrepare, From: c.primaryOf(b.View), View: b.View, Seq: b.Seq,
			Digest: b.Digest, Requests: b.Requests, ReqDigests: reqDigests}
		s.digest, s.reqDigests = b.Digest, reqDigests
		s.committed, s.executed, s.cert = true, true, b.Cert
	}
	for _, r := range rs.Records {
		if r.Seq <= rs.LastExecuted || r.Msg == nil {
			continue // executed already; pruning may lag
		}
		if r.Seq > rs.LastExecuted+WindowSeqs {
			return fmt.Errorf("%w: log record seq %d beyond window of %d", ErrConfig, r.Seq, rs.LastExecuted)
		}
		if r.Msg.View != c.view {
			continue // votes of an older view bind nothing in this one
		}
		s := c.slotFor(r.Seq)
		switch r.Kind {
		case RecordPrePrepare:
			m := r.Msg
			if m.ReqDigests == nil {
				m.ReqDigests = RequestDigests(m.Requests)
			}
			s.prePrepare, s.digest, s.reqDigests = m, m.Digest, m.ReqDigests
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
			s.prepareCert = r.Msg.Cert
			if r.Msg.From == c.cfg.ID {
				// This replica, as primary, made the certificate: send it again with the slot's other messages.
				s.remember(Outbound{To: Broadcast, Msg: r.Msg})
			}
		default:
			return fmt.Errorf("%w: log record kind %d", ErrConfig, r.Kind)
		}
	}
	return nil
}
