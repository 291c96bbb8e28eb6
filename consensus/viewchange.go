package consensus

import (
	"slices"
)

// View change, phase 1: leaving a view.
//
// A backup holding a client request or an uncommitted PrePrepare that has waited longer than the view change
// timeout (counted from when it arrived or the view started, whichever is later; oldestWork) broadcasts a Complain for its view if the
// primary is not making progress either: nothing committed for a whole timeout (a silent, crashed or
// equivocating primary), or, after this backup forwarded its oldest request to the primary, requests that
// arrived here half a timeout after the forwarding executed first (a primary that censors; only a forwarded
// request counts, since admission control lets a primary refuse what a backup took). A primary that orders requests first come, first served under overload is not complained about,
// however long the queue. A replica whose new view has not started within the timeout complains too. f+1 complaints about view v (at least one from a
// correct replica) make every replica move to v+1; so does seeing f+1 other replicas in higher views (the
// replica moves to the lowest view f+1 of them have reached). Moving to a view means broadcasting a signed
// ViewChange with the replica's last stable checkpoint and its evidence for every sequence number above it,
// persisting the view first. The timeout doubles with every view change that brings no execution, up to
// 2^ViewChangeBackoffShiftMax times the configured one.

func (c *Core) viewChangeTimeout() uint64 {
	return uint64(c.cfg.ViewChangeTicks) << min(c.failedViews, ViewChangeBackoffShiftMax)
}

// checkViewTimers runs every tick: complaints, and retransmission of this replica's view change messages.
func (c *Core) checkViewTimers() {
	if c.tick-c.viewMsgTick >= uint64(c.cfg.RetransmitTicks) {
		c.viewMsgTick = c.tick
		switch {
		case !c.viewActive && c.vcSent != nil:
			c.send(Broadcast, c.vcSent)
		case c.complaint != nil && c.complaint.View == c.view:
			c.send(Broadcast, c.complaint)
		}
	}
	if c.complaint != nil && c.complaint.View == c.view {
		return
	}
	timeout := c.viewChangeTimeout()
	reason := ComplaintReason{View: c.view, Pending: c.pending.len(), SinceCommitTicks: c.tick - c.lastCommitTick}
	if c.viewActive {
		if c.isPrimary() {
			return
		}
		c.forwardRequests(timeout / 2)
		since, ok := c.oldestWork()
		if !ok || c.tick-max(since, c.viewStartTick) < timeout {
			return
		}
		reason.Stalled, reason.IgnoredForwarded = c.stalled(timeout), c.ignoresForwarded(timeout/2)
		if !reason.Stalled && !reason.IgnoredForwarded {
			return
		}
		if reason.Stalled {
			c.counts.ComplaintsStalled++
		}
		reason.OldestWaitTicks = c.tick - since
	} else if c.tick-c.viewStartTick < timeout {
		return
	} else {
		reason.ViewNotStarted = true
	}
	c.complain()
	reason.Seq = c.counts.ComplaintsSent
	c.lastComplaint = reason
}

// oldestWork is when the oldest work waiting here arrived: a queued request, or a PrePrepare accepted and
// not committed. Clients send to the primary first, so when it dies its backups hold no request until the
// clients give up on it (a second or two later), but they hold the slots it had proposed: counted from those,
// the timeout starts when the primary stopped.
func (c *Core) oldestWork() (uint64, bool) {
	since, ok := c.pending.oldestQueued()
	if s := c.oldestOpenSlot(); s != nil && (!ok || s.acceptedTick < since) {
		since, ok = s.acceptedTick, true
	}
	return since, ok
}

// ComplaintReason says why this replica complained about a view (for the node's log: a view change under
// load must be explainable).
type ComplaintReason struct {
	Seq              uint64 // the complaint's number (Counters.ComplaintsSent after it); 0: none yet
	View             uint64
	Stalled          bool   // nothing committed for the (adaptive) timeout
	IgnoredForwarded bool   // the primary ordered later requests over one this backup forwarded
	ViewNotStarted   bool   // the view never started within the timeout
	OldestWaitTicks  uint64 // how long the oldest queued request waited here
	SinceCommitTicks uint64 // ticks since this replica last committed
	Pending          int    // requests queued here
}

// stalled reports whether nothing committed here for `after` ticks, or for four times the recent average gap
// between busy commits if that is longer (a saturated network commits big batches slowly and is not stalled),
// but never more than 4x `after`. The oldest open slot getting its prepare certificate counts as progress
// once: a new primary's first batch holds what queued up during the view change, and at n = 31 on two cores
// it took longer than the timeout, so a working primary was replaced. A primary can stretch each slot by
// one timeout this way, never stall without committing.
func (c *Core) stalled(after uint64) bool {
	limit := min(max(after, uint64(4*c.commitGap16/16)), 4*after)
	progress := max(c.lastCommitTick, c.viewStartTick)
	if s := c.oldestOpenSlot(); s != nil {
		progress = max(progress, s.preparedTick)
	}
	return c.tick-progress >= limit
}

// oldestOpenSlot is the lowest slot above the last executed one with a PrePrepare accepted in this view and
// not committed (nil if none is among the next InFlightSeqsMax).
func (c *Core) oldestOpenSlot() *slot {
	for seq := c.lastExecuted + 1; seq <= c.lastExecuted+uint64(c.cfg.InFlightSeqsMax); seq++ {
		if s := c.slots[seq]; s != nil && s.prePrepare != nil && !s.committed {
			return s
		}
	}
	return nil
}

// overtaken reports whether a request that arrived here at least slack ticks after `since` has executed
// while the network was not saturated: the primary skipped older requests (it never got them, or it censors
// them). A primary that serves first come, first served never overtakes by more than the spread of arrival
// times; a saturated one (more than a batch of requests waits here) sheds load by refusing requests as busy,
// which clients resend later, so its order says nothing, and a censor hiding in such load is found only once
// the load drops.
func (c *Core) overtaken(since, slack uint64) bool {
	saturated := c.pending.len() > c.cfg.BatchRequestsMax || c.refusingRecently(c.viewChangeTimeout())
	return c.latestExecutedArrival >= since+slack && !saturated
}

// ignoresForwarded reports whether the primary left out a request this backup forwarded to it at least slack
// ticks ago while ordering requests that arrived here after the forwarding, in a network that is not
// saturated. Only a forwarded request is evidence: under admission control the primary may have refused a
// request this backup took (admission.go), and it cannot be blamed for what it never had.
func (c *Core) ignoresForwarded(slack uint64) bool {
	fwd, ok := c.pending.oldestForwarded(c.view)
	return ok && c.tick-fwd >= slack && c.overtaken(fwd, slack)
}

// forwardRequests sends the primary the requests that waited age ticks here while younger ones executed or
// nothing executed: a client that cannot reach the primary must not cost a view change. (Under overload
// requests execute in order and nothing is forwarded: the primary has every request already.)
func (c *Core) forwardRequests(age uint64) {
	if c.forwardedAny && c.tick-c.lastForwardTick < uint64(c.cfg.RetransmitTicks) {
		return // a rescue path for a few requests: at most ForwardRequestsMax per retransmission period
	}
	since, ok := c.pending.oldestQueued()
	if !ok || c.tick-max(since, c.viewStartTick) < age {
		return
	}
	if !c.stalled(age) && !c.overtaken(since, age/2) {
		return
	}
	reqs := c.pending.forward(c.tick, age, c.view, ForwardRequestsMax)
	if len(reqs) == 0 {
		return
	}
	f := Forward{To: c.primaryOf(c.view), View: c.view, Requests: make([][]byte, len(reqs))}
	for i, r := range reqs {
		f.Requests[i] = r.Data
	}
	c.counts.RequestsForwarded += uint64(len(reqs))
	c.forwardedAny, c.lastForwardTick = true, c.tick
	c.out.Forward = append(c.out.Forward, f)
}

func (c *Core) complain() {
	c.complaint = c.sign(&Message{Type: MsgComplain, From: c.cfg.ID, View: c.view})
	c.viewMsgTick = c.tick
	c.counts.ComplaintsSent++
	c.send(Broadcast, c.complaint)
	c.addComplaint(c.cfg.ID, c.view)
}

func (c *Core) onComplain(m *Message) {
	c.notePeerView(m.From, m.View, false)
	if m.View < c.view || m.View > c.view+ViewsAheadMax {
		c.counts.DroppedOtherView++
		return
	}
	c.addComplaint(m.From, m.View)
}

// addComplaint records a complaint about view v and leaves the current view once f+1 replicas complained.
func (c *Core) addComplaint(from ReplicaID, v uint64) {
	set := c.complaints[v]
	set.Add(from)
	c.complaints[v] = set
	if v == c.view && set.Count() >= c.cfg.F+1 {
		c.startViewChange(c.view + 1)
	}
}

// notePeerView records the view a peer showed and follows f+1 peers into higher views.
func (c *Core) notePeerView(from ReplicaID, view uint64, inViewChange bool) {
	p := &c.peers[from]
	if view > p.view || (view == p.view && !inViewChange) {
		p.view, p.inViewChange = view, inViewChange
	}
	c.maybeJoinHigherView()
}

// maybeJoinHigherView moves to the highest view that at least f+1 other replicas have reached, if above ours.
func (c *Core) maybeJoinHigherView() {
	var views []uint64
	for i := range c.peers {
		if ReplicaID(i) != c.cfg.ID && c.peers[i].view > c.view {
			views = append(views, c.peers[i].view)
		}
	}
	if len(views) < c.cfg.F+1 {
		return
	}
	slices.Sort(views)
	c.startViewChange(views[len(views)-c.cfg.F-1])
}

// startViewChange moves this replica to view v (not yet started) and broadcasts its ViewChange.
func (c *Core) startViewChange(v uint64) {
	assert(v > c.view, "view change to %d from %d", v, c.view)
	c.view, c.viewActive, c.viewStartTick = v, false, c.tick
	c.newView, c.complaint = nil, nil
	c.failedViews++
	c.counts.ViewChanges++
	for w := range c.complaints {
		if w < v {
			delete(c.complaints, w)
		}
	}
	for w := range c.viewChanges {
		if w < v {
			delete(c.viewChanges, w)
		}
	}
	vc := c.buildViewChange()
	c.vcSent, c.viewMsgTick = vc, c.tick
	c.out.HardState = &HardState{View: v, InViewChange: true, ViewChange: vc}
	c.send(Broadcast, vc)
	c.addViewChange(vc)
	// Complaints about v that arrived early count now.
	if c.complaints[v].Count() >= c.cfg.F+1 {
		c.startViewChange(v + 1)
	}
}

// buildViewChange reports this replica's evidence for every sequence number above its last stable checkpoint.
func (c *Core) buildViewChange() *Message {
	m := &Message{Type: MsgViewChange, From: c.cfg.ID, View: c.view}
	if c.stable.Seq > 0 {
		st := c.stable
		m.Stable = &st
	}
	for seq := c.stable.Seq + 1; seq <= c.stable.Seq+c.cfg.WindowSeqs(); seq++ {
		s := c.slots[seq]
		if s == nil {
			continue
		}
		e := ViewEntry{Seq: seq, Prepared: s.prepareCert}
		if s.evidence != nil {
			e.HasPP, e.PPView, e.PPDigest = true, s.evidence.View, s.evidence.Digest
		}
		if s.committed {
			cert := s.cert
			e.Committed = &cert
		}
		if e.HasPP || e.Prepared != nil || e.Committed != nil {
			m.Entries = append(m.Entries, e)
		}
	}
	return c.sign(m)
}

func (c *Core) onViewChange(m *Message) {
	if err := c.checkViewChange(m, m.View); err != nil {
		c.counts.DroppedInvalid++
		return
	}
	c.notePeerView(m.From, m.View, true)
	switch {
	case m.View < c.view:
		c.counts.DroppedOtherView++
	case m.View == c.view && c.viewActive:
		// The sender is still waiting for this view's NewView.
		c.sendNewViewTo(m.From)
	case m.View <= c.view+ViewsAheadMax:
		c.addViewChange(m)
	}
}

func (c *Core) addViewChange(m *Message) {
	vcs := c.viewChanges[m.View]
	if vcs == nil {
		vcs = make(map[ReplicaID]*Message, c.cfg.N)
		c.viewChanges[m.View] = vcs
	}
	if _, ok := vcs[m.From]; !ok {
		vcs[m.From] = m
	}
	if m.View == c.view {
		c.maybeSendNewView()
	}
}

// sendNewViewTo sends the current view's NewView to a replica that has not installed it, at most once per
// status interval per peer.
func (c *Core) sendNewViewTo(to ReplicaID) {
	p := &c.peers[to]
	if c.newView == nil || (p.sentNewView && c.tick-p.newViewTick < uint64(c.cfg.StatusIntervalTicks)) {
		return
	}
	p.sentNewView, p.newViewTick = true, c.tick
	c.send(to, c.newView)
}
