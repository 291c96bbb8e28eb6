package consensus

// Heartbeats, catch-up inside the retained window, and retransmission.
//
// Every replica sends Status (view, last executed, and its last stable checkpoint in Seq) each
// StatusIntervalTicks (StatusIdleIntervalsMax times as seldom while the network is idle: statusIntervalTicks):
// to every peer, or in a network of more than StatusFanoutMax+1 replicas to
// StatusFanoutMax of them in rotation, so heartbeats cost each replica the same however large the network. A
// replica that sees a peer behind sends it the committed batches it still retains, each
// with its commit certificate, and its stable checkpoint certificate if the peer's is older (a peer that
// missed checkpoint shares cannot move its window otherwise); the peer (after the node verified the
// certificates) executes them. Slots that stay uncommitted for RetransmitTicks have this
// replica's messages for them (PrePrepare, shares, certificates) sent again, so lost frames and restarts do not
// stall agreement; slots committed without their batch have their certificate sent to those holding the batch.

// statusIntervalTicks is the heartbeat period: StatusIntervalTicks, or StatusIdleIntervalsMax times that
// while the network is idle as far as this replica knows (idle). An idle network of 16 replicas spent most of
// its CPU on heartbeats; a busy or faulty one needs them at the full rate (catch-up, joining a higher view,
// relaying a NewView).
func (c *Core) statusIntervalTicks() uint64 {
	if c.idle() {
		return uint64(c.cfg.StatusIntervalTicks) * StatusIdleIntervalsMax
	}
	return uint64(c.cfg.StatusIntervalTicks)
}

// Idle reports whether the replica is idle (see idle): the node may then tick it less often, several ticks
// at a time, since no timer of the core runs while it is.
func (c *Core) Idle() bool { return c.idle() }

// idle is true while this replica's view is active, it has no request pending and no sequence number above
// the last executed one under way, and every peer last reported this view (started) and this replica's last
// executed sequence number (a peer not heard from yet is not idle). Any news to the contrary (a peer behind or in another view, a request) ends it at
// once, so the next heartbeat goes out at the full rate.
func (c *Core) idle() bool {
	if !c.viewActive || c.pending.len() > 0 || c.slots[c.lastExecuted+1] != nil {
		return false
	}
	for i := range c.peers {
		p := &c.peers[i]
		if ReplicaID(i) != c.cfg.ID && (!p.heard || p.lastExecuted != c.lastExecuted || p.view != c.view || p.inViewChange) {
			return false
		}
	}
	return true
}

func (c *Core) broadcastStatus() {
	c.lastStatusTick = c.tick
	c.statusRounds++
	m := &Message{Type: MsgStatus, From: c.cfg.ID, View: c.view, Seq: c.stable.Seq, LastExecuted: c.lastExecuted}
	if !c.viewActive {
		m.Flags |= FlagInViewChange
	}
	m = c.sign(m)
	peers := c.cfg.N - 1
	if peers <= StatusFanoutMax {
		c.send(Broadcast, m)
		return
	}
	// The next StatusFanoutMax peers of a cycle through all of them, one step per heartbeat.
	for j := range uint64(StatusFanoutMax) {
		k := (c.statusRounds*StatusFanoutMax + j) % uint64(peers)
		c.send(ReplicaID((uint64(c.cfg.ID)+1+k)%uint64(c.cfg.N)), m)
	}
}

func (c *Core) onStatus(m *Message) {
	p := &c.peers[m.From]
	p.heard, p.lastExecuted = true, m.LastExecuted
	inViewChange := m.Flags&FlagInViewChange != 0
	c.notePeerView(m.From, m.View, inViewChange)
	if m.View == c.view && inViewChange && c.viewActive {
		c.sendNewViewTo(m.From)
	}
	if m.LastExecuted >= c.lastExecuted && m.Seq >= c.stable.Seq {
		return // not behind; a peer that only missed checkpoint shares still gets the stable certificate
	}
	// At most one catch-up burst per peer per status interval, however many Status messages it sends: a
	// faulty peer cannot turn small messages into a flood of batches.
	if p.caughtUp && c.tick-p.lastCatchUpTick < uint64(c.cfg.StatusIntervalTicks) {
		return
	}
	p.caughtUp, p.lastCatchUpTick = true, c.tick
	if m.LastExecuted < c.stable.Seq || m.Seq < c.stable.Seq {
		c.sendStableTo(m.From)
	}
	end := min(c.lastExecuted, m.LastExecuted+CatchUpBatchesPerStatus)
	for seq := m.LastExecuted + 1; seq <= end; seq++ {
		s := c.slots[seq]
		if s == nil || !s.committed || s.missing {
			return // pruned (the peer needs state transfer) or not here yet
		}
		pp := s.prePrepare
		cert := s.cert
		cm := c.sign(&Message{
			Type: MsgCommitted, From: c.cfg.ID, View: s.cert.View, Seq: seq, Digest: s.digest,
			Requests: pp.Requests, Cert: &cert,
		})
		c.counts.CatchUpSent++
		c.send(m.From, cm)
	}
}

// onCommitted accepts a batch with a commit certificate the node has verified, or a certificate alone
// (FlagBatchMissing) for a batch this replica holds.
func (c *Core) onCommitted(m *Message) {
	if m.Seq <= c.lastDelivered || !c.inWindow(m.Seq) {
		return
	}
	if m.Cert == nil || (m.Cert.Kind != CertFast && m.Cert.Kind != CertCommit) ||
		m.Cert.SignerCount() < c.cfg.quorumFor(m.Cert.Kind) || m.Cert.Signers.Beyond(c.cfg.N) {
		c.counts.DroppedInvalid++
		return
	}
	if m.Flags&FlagBatchMissing != 0 {
		if m = c.withLocalBatch(m); m == nil {
			return
		}
	}
	if m.ReqDigests == nil {
		m.ReqDigests = RequestDigests(m.Requests)
	}
	if BatchDigest(m.ReqDigests) != m.Digest {
		c.counts.DroppedInvalid++
		return
	}
	s := c.slotFor(m.Seq)
	if s.committed && (!s.missing || s.digest != m.Digest) {
		return
	}
	if s.prePrepare == nil || s.digest != m.Digest || s.missing {
		pp := &Message{Type: MsgPrePrepare, From: c.primaryOf(m.View), View: m.View, Seq: m.Seq, Digest: m.Digest,
			Requests: m.Requests, ReqDigests: m.ReqDigests}
		s.prePrepare, s.digest, s.reqDigests, s.missing = pp, m.Digest, m.ReqDigests, false
		if s.evidence == nil || s.evidence.Digest == m.Digest {
			s.evidence = pp
		}
	}
	c.counts.CatchUpReceived++
	if s.committed {
		c.deliver() // the batch of a slot committed by digest alone
		return
	}
	c.markCommitted(s, *m.Cert)
}

// withLocalBatch completes a certificate that came without its batch (FlagBatchMissing) with the batch this
// replica holds for its digest: the PrePrepare it accepted, or the evidence it kept from an earlier view. It
// returns nil when this replica does not hold the batch: the slot then commits by digest if its PrePrepare
// has that digest (as on a FullCommit), or keeps the certificate, so that a PrePrepare of that digest
// arriving later commits at once.
func (c *Core) withLocalBatch(m *Message) *Message {
	if len(m.Requests) != 0 {
		c.counts.DroppedInvalid++
		return nil
	}
	s := c.slotFor(m.Seq)
	for _, pp := range []*Message{s.prePrepare, s.evidence} {
		if pp != nil && pp.Digest == m.Digest && pp.Flags&FlagBatchMissing == 0 {
			return &Message{Type: MsgCommitted, From: m.From, View: m.View, Seq: m.Seq, Digest: m.Digest,
				Requests: pp.Requests, ReqDigests: pp.ReqDigests, Cert: m.Cert}
		}
	}
	switch {
	case s.committed:
	case s.prePrepare != nil && s.digest == m.Digest:
		c.markCommitted(s, *m.Cert)
	default:
		s.pendingCert = m.Cert
	}
	return nil
}

// retransmitStale sends again this replica's messages for slots in the window that made no progress for
// RetransmitTicks. A slot committed by digest alone (a NewView re-proposed a batch this replica never saw)
// has its certificate sent instead: the replicas that hold the batch may have missed the certificate, and
// until one of them commits and executes the batch, catch-up (which sends executed batches) cannot bring it
// here; without this, a certificate lost to one replica and a batch lost to the others stall every replica.
func (c *Core) retransmitStale() {
	c.forEachOpenSlot(func(s *slot) {
		if (s.committed && !s.missing) || c.tick-s.lastActivityTick < uint64(c.cfg.RetransmitTicks) {
			return
		}
		s.lastActivityTick = c.tick
		c.counts.Retransmissions++
		if s.committed {
			cert := s.cert
			c.send(Broadcast, c.sign(&Message{Type: MsgCommitted, From: c.cfg.ID, View: cert.View, Seq: s.seq,
				Digest: s.digest, Flags: FlagBatchMissing, Cert: &cert}))
			return
		}
		if s.prePrepare != nil && s.prePrepare.From == c.cfg.ID && s.prePrepare.View == c.view && !s.fromNewView {
			c.send(Broadcast, s.prePrepare)
		}
		c.out.Messages = append(c.out.Messages, s.mine...)
		// A restarted replica resumes what it had not sent yet.
		if s.prePrepare != nil && !s.sentFast && !s.slowStarted {
			c.sendShares(s)
		}
		c.sendCommitShare(s)
	})
}
