package replica

import (
	"fmt"
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/wire"
)

// The loop's round: carry out the core's Ready in the order the consensus package documents (persist, send,
// hand the crypto requests to the workers, execute, advance).

// Process carries out every Ready of the core, and reports whether one asked for a state transfer: that one
// thing the caller does (the core asks again every few hundred milliseconds while it needs one, so an ask
// made while a transfer runs may be dropped). An error is fatal: the store failed, and the replica must stop
// rather than send or acknowledge what it could not persist.
func (d *Driver) Process() (transfer bool, err error) {
	for {
		d.runCompletions()
		rd := d.core.Ready()
		if rd.Empty() {
			if len(d.completions) == 0 {
				return transfer, nil
			}
			continue
		}
		if err := d.persist(rd); err != nil {
			return false, err
		}
		d.send(rd)
		d.requestCrypto(&rd)
		transfer = transfer || rd.NeedStateTransfer
		ckpts, err := d.apply(rd)
		if err != nil {
			return false, err
		}
		var ap consensus.Applied
		for _, h := range ckpts {
			ap.Checkpoints = append(ap.Checkpoints, consensus.CheckpointDigest{Seq: h.Seq,
				Digest: wire.CheckpointDigest(d.cfg.ChainID, h.Seq, h.Height, h.Hash(), h.StateRoot)})
		}
		d.core.Advance(rd, ap)
		d.statusStale = d.statusStale || len(rd.Committed) > 0 || rd.SoftState != nil || rd.Stable != nil
		if rd.SoftState != nil {
			d.observeSoftState(*rd.SoftState)
		}
	}
}

func (d *Driver) persist(rd consensus.Ready) error {
	if rd.HardState == nil && rd.Stable == nil && len(rd.Records) == 0 && rd.PruneLogBelow == 0 || mutant.On(mutant.SkipPersist) {
		return nil
	}
	start := time.Now()
	b := d.cfg.Store.NewBatch()
	defer b.Close()
	if rd.HardState != nil {
		b.Set(chain.ConsensusHardStateKey(), wire.MarshalHardState(*rd.HardState))
	}
	if rd.Stable != nil {
		b.Set(chain.StableCheckpointKey(), wire.MarshalCertificate(*rd.Stable))
	}
	for _, r := range rd.Records {
		b.Set(chain.ConsensusLogKey(r.Seq, byte(r.Kind)), wire.MarshalMessage(r.Msg))
	}
	if rd.PruneLogBelow > 0 {
		lo, hi := chain.ConsensusLogRange(0, rd.PruneLogBelow)
		b.DeleteRange(lo, hi)
	}
	if err := b.Commit(true); err != nil {
		return fmt.Errorf("persist consensus log: %w", err)
	}
	if err := d.advanceMark(consensus.Ready{HardState: rd.HardState, Records: rd.Records}); err != nil {
		return err
	}
	d.cfg.Metrics.observePersist(time.Since(start))
	return nil
}

// advanceMark records in the mark what a synced write covered, before any of it is sent: the view and the
// highest consensus record of a Ready, or the highest batch executed.
func (d *Driver) advanceMark(rd consensus.Ready) error {
	if d.cfg.Mark == nil {
		return nil
	}
	var r MarkRecord
	if rd.HardState != nil {
		r.View = rd.HardState.View
	}
	for _, rec := range rd.Records {
		r.Signed = max(r.Signed, rec.Seq)
	}
	for _, cb := range rd.Committed {
		r.Executed = max(r.Executed, cb.Seq)
	}
	if mutant.On(mutant.SignedMarkLazy) && (r.Executed == 0 || r.Executed%uint64(d.cc.CheckpointIntervalSeqs) != 0) {
		return nil // the old rule: once per checkpoint
	}
	if err := d.cfg.Mark.Advance(r); err != nil {
		return fmt.Errorf("advance the signed mark: %w", err)
	}
	return nil
}

// send carries out a Ready's sends: forwarded requests (in a frame of the node's, signed here), messages, and
// checkpoint shares, gossiped when there is an announcer.
func (d *Driver) send(rd consensus.Ready) {
	for _, f := range rd.Forward {
		m := wire.ForwardMessage(d.cfg.ID, f)
		m.Sig = d.cfg.Signer.SignMessage(m)
		d.sendTo(f.To, m)
	}
	for _, o := range rd.Messages {
		d.sendTo(o.To, o.Msg)
	}
	for _, m := range rd.Announce {
		if !d.announce(m) {
			d.sendTo(consensus.Broadcast, m)
		}
	}
}

func (d *Driver) sendTo(to consensus.ReplicaID, m *consensus.Message) {
	frame := wire.MarshalMessage(m)
	if to == consensus.Broadcast {
		d.cfg.Transport.Broadcast(frame)
	} else {
		d.cfg.Transport.Send(to, frame)
	}
}

// announce publishes this replica's checkpoint share through the announcer; false: send it normally.
func (d *Driver) announce(m *consensus.Message) bool {
	if d.cfg.Announcer == nil {
		return false
	}
	blk, err := d.app.Block(m.Seq) // one block per sequence number: height = seq
	if err != nil || blk.Header.Seq != m.Seq {
		d.log.Warn("checkpoint block not found; sending the share directly", "seq", m.Seq, "err", err)
		return false
	}
	h := blk.Header
	a := &wire.CheckpointAnnouncement{Replica: d.cfg.ID, Seq: m.Seq, Height: h.Height,
		BlockHash: h.Hash(), StateRoot: h.StateRoot, Share: m.Share, Sig: m.Sig}
	d.cfg.Announcer.AnnounceCheckpoint(a)
	return true
}

// apply executes the committed batches, writes blocks, state and certificates in one synced batch, and only
// then hands the blocks to the replies component. It returns the headers of blocks that end a checkpoint interval.
func (d *Driver) apply(rd consensus.Ready) ([]chain.Header, error) {
	if len(rd.Committed) == 0 {
		return nil, nil
	}
	start := time.Now()
	batches := make([]chain.Certified, len(rd.Committed))
	txs := 0
	for i := range rd.Committed {
		cb := &rd.Committed[i]
		// The verifier (or the intake, for this primary's own) hashed each request once: execution reuses it.
		batches[i] = chain.Certified{Seq: cb.Seq, Txs: cb.Requests, Hashes: cb.ReqDigests, Cert: wire.MarshalCertificate(cb.Cert)}
		txs += len(cb.Requests)
	}
	executed, err := d.app.ExecuteAndCommit(batches, d.sigChecked, true, nil)
	if err != nil {
		return nil, err
	}
	if err := d.advanceMark(consensus.Ready{Committed: rd.Committed}); err != nil {
		return nil, err
	}
	d.cfg.Metrics.observeBlocks(rd.Committed, time.Now())
	var ckpts []chain.Header
	for _, e := range executed {
		if d.cfg.OnBlock != nil {
			d.cfg.OnBlock(e.Block, e.Results)
		}
		d.replies.blockExecuted(e.Block, e.Results)
		if e.Block.Header.Seq%uint64(d.cc.CheckpointIntervalSeqs) == 0 {
			ckpts = append(ckpts, e.Block.Header)
		}
	}
	d.notifyCertified() // a certificate may have come before this replica executed its block
	d.cfg.Metrics.observeApply(time.Since(start), len(rd.Committed), txs, d.app.LastHeader().Height)
	return ckpts, nil
}

// sigChecked reports whether transaction h's client signature was checked here (at intake, or in an ordered
// batch by the verifier): execution checks the others.
func (d *Driver) sigChecked(h [32]byte) bool {
	return d.cfg.VerifiedTxs.Has(h) || mutant.On(mutant.PrePrepareUnverified) // planted: every ordered transaction taken as checked
}
