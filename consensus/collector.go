package consensus

// SBFT fast path: every replica signs a share over (fast, view, seq, digest) and sends it to the slot's
// collector(s), never to everyone; a collector with all n shares (3f+c+1 when c > 0) has the node aggregate them
// into one certificate and sends it to every replica, which commits on it. Messages per batch grow linearly in n.

// collectors returns the replicas that collect fast-path shares of (view, seq) in this core's network.
func (c *Core) collectors(view, seq uint64) []ReplicaID {
	return Collectors(c.cfg.N, c.cfg.C, view, seq)
}

// Collectors returns the replicas that collect fast-path shares of (view, seq) in a network of n replicas with
// c: one replica rotating with seq that is not the primary, or two from opposite halves when c > 0.
func Collectors(n, c int, view, seq uint64) []ReplicaID {
	a, b := collectorPair(n, c, view, seq)
	if c == 0 {
		return []ReplicaID{a}
	}
	return []ReplicaID{a, b}
}

// IsCollector reports whether replica id collects the fast-path shares of (view, seq) (Collectors, without
// building the list: traffic accounting asks for every frame).
func IsCollector(n, c int, view, seq uint64, id ReplicaID) bool {
	a, b := collectorPair(n, c, view, seq)
	return id == a || c > 0 && id == b
}

// collectorPair is the first collector, and the second when c > 0.
func collectorPair(n, c int, view, seq uint64) (ReplicaID, ReplicaID) {
	nn := uint64(n)
	primary := ReplicaID(view % nn)
	skip := func(id uint64) ReplicaID {
		if ReplicaID(id%nn) == primary {
			id++
		}
		return ReplicaID(id % nn)
	}
	if c == 0 {
		a := skip(seq)
		return a, a
	}
	a := skip(seq % (nn / 2))
	b := skip(seq%(nn/2) + nn/2)
	if a == b {
		b = skip(uint64(b) + 1)
	}
	return a, b
}

func (c *Core) isCollector(view, seq uint64) bool {
	return IsCollector(c.cfg.N, c.cfg.C, view, seq, c.cfg.ID)
}

// sendShares starts agreement on an accepted PrePrepare: the fast-path share, or straight to the slow path
// when the primary asked for it.
func (c *Core) sendShares(s *slot) {
	if s.prePrepare.Flags&FlagSlowPath != 0 {
		c.startSlowPath(s)
		return
	}
	c.sendFastShare(s)
}

func (c *Core) sendFastShare(s *slot) {
	if s.sentFast {
		return
	}
	s.sentFast = true
	c.requestShare(CertFast, s)
}

// deliverShare hands this replica's share of kind k to replica `to`: kept when that is this replica, else sent
// in a message of type t and remembered for retransmission.
func (c *Core) deliverShare(s *slot, k CertKind, t MsgType, to ReplicaID, share []byte) {
	c.castVote(k, s) // the same vote it asked for (a core rebuilt meanwhile casts it here)
	if to == c.cfg.ID {
		c.addShare(s, k, c.cfg.ID, s.digest, share)
		return
	}
	m := c.sign(&Message{Type: t, From: c.cfg.ID, View: c.view, Seq: s.seq, Digest: s.digest, Share: share})
	o := Outbound{To: to, Msg: m}
	s.remember(o)
	c.out.Messages = append(c.out.Messages, o)
}

func (c *Core) onPartialCommit(m *Message) {
	if !c.isCollector(m.View, m.Seq) {
		c.counts.DroppedInvalid++
		return
	}
	c.addShare(c.slotFor(m.Seq), CertFast, m.From, m.Digest, m.Share)
}

// addShare records a share (the first from each replica counts) and asks for a certificate once enough match.
func (c *Core) addShare(s *slot, k CertKind, from ReplicaID, digest [32]byte, sig []byte) {
	if s.shares[k] == nil {
		s.shares[k] = make(map[ReplicaID]shareRec, c.cfg.N)
	}
	if old, ok := s.shares[k][from]; ok {
		if old.digest != digest {
			c.counts.Equivocations++
		}
		return
	}
	s.shares[k][from] = shareRec{digest: digest, sig: sig}
	if k == CertPrepare {
		c.observePrepareShares(s)
	}
	c.maybeCombine(s, k)
}

// maybeCombine asks the node for a certificate of kind k when the slot has enough matching shares.
func (c *Core) maybeCombine(s *slot, k CertKind) {
	if s.prePrepare == nil || s.combining[k] || s.committed {
		return
	}
	if k == CertPrepare && s.preparedIn(c.view) {
		return
	}
	if k == CertCommit && !s.preparedIn(c.view) {
		return
	}
	shares := s.matchingShares(k)
	q := c.cfg.quorumFor(k)
	if len(shares) < q {
		return
	}
	s.combining[k] = true
	c.out.Combine = append(c.out.Combine, CombineRequest{Kind: k, View: c.view, Seq: s.seq, Digest: s.digest, Shares: shares[:q]})
}

// combined takes the node's answer to a CombineRequest.
func (c *Core) combined(res CombineResult) {
	req := res.Request
	if req.Kind == CertCheckpoint {
		c.checkpointCombined(res)
		return
	}
	s := c.slots[req.Seq]
	if s == nil || req.View != c.view || s.digest != req.Digest {
		return
	}
	s.combining[req.Kind] = false
	if res.Cert == nil {
		// Some shares did not verify: forget them, report them, and wait for others.
		for _, bad := range res.Bad {
			delete(s.shares[req.Kind], bad)
		}
		c.counts.BadShares += uint64(len(res.Bad))
		c.maybeCombine(s, req.Kind)
		return
	}
	cert := *res.Cert
	switch req.Kind {
	case CertFast:
		c.broadcastCert(s, MsgFullCommit, &cert)
		c.commitWith(s, cert)
	case CertPrepare:
		pf := c.broadcastCert(s, MsgPrepareFull, &cert)
		c.onPrepared(s, pf)
	case CertCommit:
		c.broadcastCert(s, MsgCommitFull, &cert)
		c.commitWith(s, cert)
	}
}

func (c *Core) broadcastCert(s *slot, t MsgType, cert *Certificate) *Message {
	m := c.sign(&Message{Type: t, From: c.cfg.ID, View: c.view, Seq: s.seq, Digest: s.digest, Cert: cert})
	o := Outbound{To: Broadcast, Msg: m}
	s.remember(o)
	c.out.Messages = append(c.out.Messages, o)
	return m
}

// onCommitCert handles a FullCommit or CommitFull: a certificate the node verified.
func (c *Core) onCommitCert(m *Message, want CertKind) {
	if m.Cert == nil || m.Cert.Kind != want || m.Cert.SignerCount() < c.cfg.quorumFor(want) {
		c.counts.DroppedInvalid++
		return
	}
	s := c.slotFor(m.Seq)
	if s.prePrepare == nil || s.digest != m.Digest {
		s.pendingCert = m.Cert // commit once the batch itself is known
		return
	}
	c.commitWith(s, *m.Cert)
}
