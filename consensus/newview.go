package consensus

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// View change, phase 2: starting a view.
//
// The primary of view v waits for ViewChange messages for v from 2f+2c+1 replicas (its own included) and
// broadcasts them as the NewView. Every replica recomputes the same plan from them:
//   - lo is the highest stable checkpoint among them (certified); sequence numbers up to lo are settled and
//     lagging replicas fetch them with their commit certificates;
//   - for each sequence number above lo, the batch is the one a commit certificate names if any; otherwise
//     the one of the highest-view prepare certificate, unless a digest reported as pre-prepared by at least
//     f+c+1 replicas has a higher view among its f+1 highest reports (a batch that may have committed on the
//     fast path); otherwise a null batch;
//   - the plan ends at the highest sequence number with such evidence; gaps below it are null batches.
//
// Why this never loses a committed batch: a slow-path commit means f+c+1 correct replicas hold its prepare
// certificate, and any 2f+2c+1 ViewChanges include at least c+1 of them; a fast-path commit means any
// 2f+2c+1 ViewChanges include f+c+1 correct replicas that accepted it at its view or later (later views
// re-proposed the same batch), while a different digest can gather at most f+c reports. Replicas then accept
// the plan's batches as PrePrepares of view v and run the normal case on them.

// ErrBadNewView is returned for a NewView whose ViewChanges do not form a valid quorum.
var ErrBadNewView = errors.New("invalid new view")

// nullDigest is the digest of the empty batch that fills a gap.
var nullDigest = BatchDigest(nil)

type viewPlan struct {
	stable  *Certificate // the highest stable checkpoint among the ViewChanges (nil: none)
	lo      uint64
	digests [][32]byte // for lo+1, lo+2, ...
}

// viewChangeQuorum is the number of ViewChange messages a NewView needs: 2f+2c+1.
func (c Config) viewChangeQuorum() int {
	if planted(bugViewChangeQuorum) {
		return 2*c.F + 2*c.C
	}
	return 2*c.F + 2*c.C + 1
}

// checkViewChange checks the structure of a ViewChange for view v (signatures and certificates are the node's).
func (c *Core) checkViewChange(m *Message, v uint64) error {
	if m.Type != MsgViewChange || m.View != v || v == 0 || int(m.From) >= c.cfg.N {
		return fmt.Errorf("%w: not a view change for view %d", ErrBadNewView, v)
	}
	low := uint64(0)
	if st := m.Stable; st != nil {
		if st.Kind != CertCheckpoint || st.Seq == 0 || st.Seq%c.cfg.checkpointInterval() != 0 {
			return fmt.Errorf("%w: stable checkpoint %d", ErrBadNewView, st.Seq)
		}
		low = st.Seq
	}
	prev := low
	for i := range m.Entries {
		e := &m.Entries[i]
		if e.Seq <= prev || e.Seq > low+c.cfg.WindowSeqs() || (e.HasPP && e.PPView >= v) {
			return fmt.Errorf("%w: entry for seq %d", ErrBadNewView, e.Seq)
		}
		prev = e.Seq
		if p := e.Prepared; p != nil && (p.Kind != CertPrepare || p.Seq != e.Seq || p.View >= v || p.SignerCount() < c.cfg.slowQuorum()) {
			return fmt.Errorf("%w: prepare certificate for seq %d", ErrBadNewView, e.Seq)
		}
		if k := e.Committed; k != nil && ((k.Kind != CertFast && k.Kind != CertCommit) || k.Seq != e.Seq ||
			k.View >= v || k.SignerCount() < c.cfg.quorumFor(k.Kind)) {
			return fmt.Errorf("%w: commit certificate for seq %d", ErrBadNewView, e.Seq)
		}
	}
	return nil
}

// planNewView validates the ViewChanges of a NewView for view v and computes its plan.
func (c *Core) planNewView(v uint64, vcs []*Message) (viewPlan, error) {
	var plan viewPlan
	if len(vcs) < c.cfg.viewChangeQuorum() {
		return plan, fmt.Errorf("%w: %d view changes, need %d", ErrBadNewView, len(vcs), c.cfg.viewChangeQuorum())
	}
	var senders ReplicaSet
	for _, vc := range vcs {
		if err := c.checkViewChange(vc, v); err != nil {
			return plan, err
		}
		if senders.Has(vc.From) && !planted(bugNewViewDupes) { // planted: a replica counted twice
			return plan, fmt.Errorf("%w: two view changes from %d", ErrBadNewView, vc.From)
		}
		senders.Add(vc.From)
		if vc.Stable != nil && vc.Stable.Seq > plan.lo {
			plan.lo, plan.stable = vc.Stable.Seq, vc.Stable
		}
	}
	bySeq := map[uint64][]*ViewEntry{}
	for _, vc := range vcs {
		for i := range vc.Entries {
			if e := &vc.Entries[i]; e.Seq > plan.lo && e.Seq <= plan.lo+c.cfg.WindowSeqs() {
				bySeq[e.Seq] = append(bySeq[e.Seq], e)
			}
		}
	}
	hi := plan.lo
	chosen := map[uint64][32]byte{}
	for seq, entries := range bySeq {
		if d, ok := c.chooseBatch(entries); ok {
			chosen[seq] = d
			hi = max(hi, seq)
		}
	}
	for seq := plan.lo + 1; seq <= hi; seq++ {
		d, ok := chosen[seq]
		if !ok {
			d = nullDigest
		}
		plan.digests = append(plan.digests, d)
	}
	return plan, nil
}

// chooseBatch applies the selection rule to the reports about one sequence number.
func (c *Core) chooseBatch(entries []*ViewEntry) ([32]byte, bool) {
	var prepared *Certificate
	reports := map[[32]byte][]uint64{}
	for _, e := range entries {
		if e.Committed != nil {
			return e.Committed.Digest, true
		}
		if p := e.Prepared; p != nil && (prepared == nil || p.View > prepared.View ||
			(planted(bugNewViewLowest) && p.View < prepared.View)) {
			prepared = p
		}
		if e.HasPP {
			reports[e.PPDigest] = append(reports[e.PPDigest], e.PPView)
		}
	}
	var fastDigest [32]byte
	fastView, haveFast := uint64(0), false
	for d, views := range reports {
		if len(views) < c.cfg.F+c.cfg.C+1 {
			continue
		}
		slices.SortFunc(views, func(a, b uint64) int { return cmp.Compare(b, a) }) // highest first
		w := views[c.cfg.F]                                                        // the (f+1)-th highest: some correct replica reported at least this view
		if !haveFast || w > fastView || (w == fastView && bytes.Compare(d[:], fastDigest[:]) < 0) {
			fastDigest, fastView, haveFast = d, w, true
		}
	}
	switch {
	case prepared != nil && (!haveFast || prepared.View >= fastView):
		return prepared.Digest, true
	case haveFast:
		return fastDigest, true
	}
	return [32]byte{}, false
}

// maybeSendNewView lets the primary of a view that has not started send its NewView once it holds a quorum of
// ViewChanges.
func (c *Core) maybeSendNewView() {
	if c.viewActive || !c.isPrimary() {
		return
	}
	vcs := c.viewChanges[c.view]
	if len(vcs) < c.cfg.viewChangeQuorum() {
		return
	}
	ids := make([]ReplicaID, 0, len(vcs))
	for id := range vcs {
		if id != c.cfg.ID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	picked := []*Message{vcs[c.cfg.ID]}
	for _, id := range ids[:c.cfg.viewChangeQuorum()-1] {
		picked = append(picked, vcs[id])
	}
	plan, err := c.planNewView(c.view, picked)
	assert(err == nil, "own new view for %d invalid: %v", c.view, err)
	nv := c.sign(&Message{Type: MsgNewView, From: c.cfg.ID, View: c.view, ViewChanges: picked})
	c.send(Broadcast, nv)
	c.install(plan, nv)
}

func (c *Core) onNewView(m *Message) {
	if m.From != c.primaryOf(m.View) || m.View < c.view || (m.View == c.view && c.viewActive) {
		if m.View < c.view {
			c.counts.DroppedOtherView++
		}
		return
	}
	plan, err := c.planNewView(m.View, m.ViewChanges)
	if err != nil {
		c.counts.DroppedInvalid++
		return
	}
	if m.View > c.view {
		c.counts.ViewChanges++
		c.failedViews++
	}
	c.install(plan, m)
}

// install starts view nv.View with the plan computed from nv.
func (c *Core) install(plan viewPlan, nv *Message) {
	c.view, c.viewActive, c.viewStartTick = nv.View, true, c.tick
	c.newView, c.vcSent, c.complaint = nv, nil, nil
	c.counts.NewViews++
	c.out.HardState = &HardState{View: nv.View, NewView: nv}
	for w := range c.viewChanges {
		if w <= nv.View {
			delete(c.viewChanges, w)
		}
	}
	if plan.stable != nil {
		c.adoptStable(*plan.stable)
	}
	// Agreement state of uncommitted slots belongs to the old view; their evidence stays.
	for seq, s := range c.slots {
		if seq > c.lastExecuted && !s.committed {
			c.slots[seq] = s.resetForView()
		}
	}
	c.lastProposed = max(c.lastExecuted, plan.lo+uint64(len(plan.digests)))
	for i, d := range plan.digests {
		c.installSlot(plan.lo+1+uint64(i), d)
	}
	c.requeueDropped()
	if c.isPrimary() {
		c.startViewPath()
		// Requests in batches the view keeps, or that committed, must not be proposed again.
		for seq, s := range c.slots {
			if seq > c.lastExecuted && s.prePrepare != nil {
				for _, rd := range s.reqDigests {
					c.pending.markProposed(rd)
				}
			}
		}
	}
}

// installSlot makes the plan's batch d the PrePrepare of seq in the new view.
func (c *Core) installSlot(seq uint64, d [32]byte) {
	if seq <= c.lastExecuted {
		return
	}
	s := c.slotFor(seq)
	if s.committed {
		if s.digest != d {
			c.counts.ViewChangeConflicts++
		}
		if !s.missing {
			// Peers that did not commit it get it now rather than through the new view's agreement.
			cert := s.cert
			c.send(Broadcast, c.sign(&Message{Type: MsgCommitted, From: c.cfg.ID, View: cert.View, Seq: seq,
				Digest: s.digest, Requests: s.prePrepare.Requests, Cert: &cert}))
		}
		return
	}
	pp := &Message{Type: MsgPrePrepare, From: c.primaryOf(c.view), View: c.view, Seq: seq, Digest: d}
	switch {
	case d == nullDigest:
	case s.evidence != nil && s.evidence.Digest == d && s.evidence.Flags&FlagBatchMissing == 0:
		pp.Requests, pp.ReqDigests = s.evidence.Requests, s.evidence.ReqDigests
	default:
		pp.Flags |= FlagBatchMissing // voted on by digest; the batch comes with the commit certificate
	}
	s.fromNewView = true
	c.persist(RecordPrePrepare, pp)
	c.acceptPrePrepare(pp)
}

// requeueDropped puts back in the queue the requests of batches this replica proposed that the new view
// did not keep, so they are ordered again.
func (c *Core) requeueDropped() {
	// In sequence order: the queue's order becomes the next batches' order, the same on every run.
	for _, seq := range slices.Sorted(maps.Keys(c.slots)) {
		s := c.slots[seq]
		ev := s.evidence
		if seq <= c.lastExecuted || ev == nil || ev.From != c.cfg.ID || ev.View == c.view {
			continue
		}
		for i, d := range ev.ReqDigests {
			c.pending.requeue(Request{Digest: d, Data: ev.Requests[i]}, c.tick)
		}
	}
}
