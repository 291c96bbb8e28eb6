package consensus

// Crypto requests: the expensive signature work the core needs (its BLS certificate shares, and combining
// shares into certificates) is not done by the core but asked for in the Ready, so that the node can run it on
// other goroutines while the core goes on. The answers come back as local messages through Step, in any order
// and at any later time; the core checks on arrival that the answer still matters (same view, same digest, not
// yet stable) and drops it otherwise. A replica decides what to sign when it asks (the slot's "sent" flags are
// set then), so an answer can never make it vote twice.
//
// Message signatures (Ed25519, ~25 µs, deterministic) stay synchronous through Config.Signer: they are cheap,
// and the core's own ViewChange must carry its signature before it is persisted.

// SignRequest asks for this replica's certificate share of Kind over (View, Seq, Digest): the node signs the
// share signing bytes with its BLS key and answers with Step(SignedShare(req, share)).
type SignRequest struct {
	Kind   CertKind
	View   uint64
	Seq    uint64
	Digest [32]byte
}

// SignedShare is the local message that answers req with this replica's share.
func SignedShare(self ReplicaID, req SignRequest, share []byte) *Message {
	return &Message{Type: MsgSigned, From: self, Kind: req.Kind, View: req.View, Seq: req.Seq, Digest: req.Digest, Share: share}
}

// Message is the local message that answers the CombineRequest res.Request with its result.
func (res CombineResult) Message(self ReplicaID) *Message {
	req := res.Request
	return &Message{Type: MsgCombined, From: self, Kind: req.Kind, View: req.View, Seq: req.Seq, Digest: req.Digest,
		Cert: res.Cert, Bad: res.Bad}
}

// stepLocal takes the answer to one of this replica's crypto requests.
func (c *Core) stepLocal(m *Message) {
	if m.From != c.cfg.ID {
		c.counts.DroppedInvalid++
		return
	}
	switch m.Type {
	case MsgSigned:
		c.onSigned(m)
	case MsgCombined:
		c.combined(CombineResult{Request: CombineRequest{Kind: m.Kind, View: m.View, Seq: m.Seq, Digest: m.Digest},
			Cert: m.Cert, Bad: m.Bad})
	}
}

// requestShare asks the node to sign this replica's share of kind k for slot s in the current view.
func (c *Core) requestShare(k CertKind, s *slot) {
	c.castVote(k, s)
	c.out.Sign = append(c.out.Sign, SignRequest{Kind: k, View: c.view, Seq: s.seq, Digest: s.digest})
}

// onSigned sends (or keeps) this replica's signed share where it belongs, if it still matters.
func (c *Core) onSigned(m *Message) {
	if m.Kind == CertCheckpoint {
		c.checkpointSigned(m.Seq, m.Digest, m.Share)
		return
	}
	s := c.slots[m.Seq]
	if s == nil || m.View != c.view || s.prePrepare == nil || s.digest != m.Digest {
		return // the view moved on, or the slot was replaced: the share is for nothing now
	}
	switch m.Kind {
	case CertFast:
		for _, col := range c.collectors(c.view, s.seq) {
			c.deliverShare(s, CertFast, MsgPartialCommit, col, m.Share)
		}
	case CertPrepare:
		c.deliverShare(s, CertPrepare, MsgPreparePart, c.primaryOf(c.view), m.Share)
	case CertCommit:
		c.deliverShare(s, CertCommit, MsgCommitPart, c.primaryOf(c.view), m.Share)
		c.maybeCombine(s, CertCommit)
	}
}
