package consensus

import (
	"bytes"
	"maps"
	"slices"
)

// Checkpoints: after executing a sequence number divisible by the checkpoint interval, every replica signs a
// share over (checkpoint, seq, state digest), where the state digest is the node's summary of the chain at seq
// (the core treats it as opaque), and broadcasts it. 2f+c+1 matching shares combine into the stable checkpoint
// certificate: the window's low mark moves up to it, the log below it is pruned, and view changes start
// above it. A replica whose own digest differs from a stable one has diverged and says so in its status.

// checkpoint records that the replica executed seq (a multiple of the checkpoint interval) and that its state
// there has the given digest (reported with Advance), and asks for its share (announced in checkpointSigned).
func (c *Core) checkpoint(seq uint64, digest [32]byte) {
	assert(seq%c.cfg.checkpointInterval() == 0 && seq <= c.lastExecuted, "checkpoint at seq %d (executed %d)", seq, c.lastExecuted)
	c.lastCheckpoint = max(c.lastCheckpoint, seq)
	if seq <= c.stable.Seq {
		if seq == c.stable.Seq && digest != c.stable.Digest {
			c.diverged(seq)
		}
		return
	}
	c.out.Sign = append(c.out.Sign, SignRequest{Kind: CertCheckpoint, Seq: seq, Digest: digest})
}

// checkpointSigned announces this replica's signed checkpoint share, unless the checkpoint became stable
// meanwhile. Answers may come out of order: only a newer checkpoint replaces the one being retransmitted.
func (c *Core) checkpointSigned(seq uint64, digest [32]byte, share []byte) {
	if seq <= c.stable.Seq {
		return
	}
	m := c.sign(&Message{Type: MsgCheckpoint, From: c.cfg.ID, Seq: seq, Digest: digest, Share: share})
	if c.myCheckpoint == nil || c.myCheckpoint.Seq < seq {
		c.myCheckpoint, c.myCheckpointTick = m, c.tick
	}
	c.out.Announce = append(c.out.Announce, m)
	c.addCheckpointShare(c.cfg.ID, seq, digest, share)
}

// retransmitCheckpoint sends this replica's latest checkpoint share again while it is not stable: lost shares
// must not stop the window from moving.
func (c *Core) retransmitCheckpoint() {
	m := c.myCheckpoint
	if m == nil || m.Seq <= c.stable.Seq || c.tick-c.myCheckpointTick < uint64(c.cfg.RetransmitTicks) {
		return
	}
	c.myCheckpointTick = c.tick
	c.out.Announce = append(c.out.Announce, m)
}

// sendStableTo gives a lagging peer this replica's stable checkpoint certificate, so its window can move.
func (c *Core) sendStableTo(to ReplicaID) {
	if c.stable.Seq == 0 {
		return
	}
	cert := c.stable
	c.send(to, c.sign(&Message{Type: MsgCheckpoint, From: c.cfg.ID, Seq: cert.Seq, Digest: cert.Digest, Cert: &cert}))
}

// onCheckpoint takes a checkpoint share, or a stable checkpoint certificate (verified by the node).
func (c *Core) onCheckpoint(m *Message) {
	if m.Seq%c.cfg.checkpointInterval() != 0 || m.Seq == 0 || m.View != 0 {
		c.counts.DroppedInvalid++
		return
	}
	if m.Cert != nil {
		if m.Cert.Kind != CertCheckpoint || m.Cert.SignerCount() < c.cfg.checkpointQuorum() {
			c.counts.DroppedInvalid++
			return
		}
		c.adoptStable(*m.Cert)
		return
	}
	if len(m.Share) == 0 {
		c.counts.DroppedInvalid++
		return
	}
	c.addCheckpointShare(m.From, m.Seq, m.Digest, m.Share)
}

// addCheckpointShare keeps the first share of each replica for checkpoints in (stable, stable +
// CheckpointsAheadMax intervals] and asks for the certificate once 2f+c+1 match.
func (c *Core) addCheckpointShare(from ReplicaID, seq uint64, digest [32]byte, sig []byte) {
	if seq <= c.stable.Seq || seq > c.stable.Seq+CheckpointsAheadMax*c.cfg.checkpointInterval() {
		c.counts.DroppedOutOfWindow++
		return
	}
	shares := c.ckpts[seq]
	if shares == nil {
		shares = make(map[ReplicaID]shareRec, c.cfg.N)
		c.ckpts[seq] = shares
	}
	if _, ok := shares[from]; ok {
		return
	}
	shares[from] = shareRec{digest: digest, sig: sig}
	c.maybeCombineCheckpoint(seq)
}

func (c *Core) maybeCombineCheckpoint(seq uint64) {
	if c.ckptCombining[seq] {
		return
	}
	// In replica order, so the request (and the certificate's signers) is the same on every run.
	byDigest := map[[32]byte][]Share{}
	for _, from := range slices.Sorted(maps.Keys(c.ckpts[seq])) {
		r := c.ckpts[seq][from]
		byDigest[r.digest] = append(byDigest[r.digest], Share{From: from, Sig: r.sig})
	}
	q := c.cfg.checkpointQuorum()
	for _, d := range slices.SortedFunc(maps.Keys(byDigest), func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) }) {
		shares := byDigest[d]
		if len(shares) < q {
			continue
		}
		c.ckptCombining[seq] = true
		c.out.Combine = append(c.out.Combine, CombineRequest{Kind: CertCheckpoint, Seq: seq, Digest: d, Shares: shares[:q]})
		return
	}
}

// checkpointCombined takes the node's answer for a checkpoint certificate.
func (c *Core) checkpointCombined(res CombineResult) {
	seq := res.Request.Seq
	delete(c.ckptCombining, seq)
	if res.Cert == nil {
		for _, bad := range res.Bad {
			delete(c.ckpts[seq], bad)
		}
		c.counts.BadShares += uint64(len(res.Bad))
		c.maybeCombineCheckpoint(seq)
		return
	}
	c.adoptStable(*res.Cert)
}

// adoptStable makes cert (verified) the last stable checkpoint if it is newer than the current one.
func (c *Core) adoptStable(cert Certificate) {
	if cert.Kind != CertCheckpoint || cert.Seq <= c.stable.Seq {
		return
	}
	for from, sh := range c.ckpts[cert.Seq] {
		if sh.digest == cert.Digest {
			continue
		}
		if from == c.cfg.ID {
			c.diverged(cert.Seq)
		} else {
			// Its state differs from what 2f+c+1 agreed on: faulty, or diverged. Report it.
			c.counts.BadCheckpoints++
			c.badCheckpointFrom.Add(from)
		}
	}
	c.stable = cert
	c.out.Stable = &cert
	c.counts.StableCheckpoints++
	for seq := range c.ckpts {
		if seq <= cert.Seq {
			delete(c.ckpts, seq)
			delete(c.ckptCombining, seq)
		}
	}
	if low := min(cert.Seq, c.lastExecuted); low > 0 {
		c.out.PruneLogBelow = low + 1
	}
}

// diverged records that this replica's state at seq differs from what the network agreed on.
func (c *Core) diverged(seq uint64) {
	c.counts.CheckpointMismatches++
	if seq > c.divergedAt {
		c.divergedAt = seq
	}
}
