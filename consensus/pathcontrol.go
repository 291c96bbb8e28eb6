package consensus

// The primary's path controller and the adaptive fast-path timer.
//
// The primary of view 0 starts on the fast path; the primary of a later view on the slow path, since a view
// change means a replica failed (with c = 0 one missing replica makes every fast-path slot wait out its timer:
// at n = 16 the first commit after a primary was killed came 2.9 s after the new view started). Over every
// PathEvaluationSeqs commits the primary looks at how many committed on the fast path: under 85% (a replica is
// down or slow) it moves to the slow path, flagging its PrePrepares so replicas skip the fast-path wait; so
// it does at once after PathSlowStreakMax slots in a row committed on the slow path. On the slow path it watches whether all n replicas sent prepare shares:
// at 95% or more of a period it returns to the fast path. The fast-path timer follows observed fast-commit
// latency (an EWMA, doubled) within [SlowPathTicksMin, SlowPathTicksMax].

const (
	fastPathKeepPct   = 85
	fastPathReturnPct = 95
)

type pathController struct {
	slowMode bool
	window   int // outcomes recorded in the current period
	good     int // fast commits (fast mode) or slots with all prepare shares (slow mode)
	streak   int // slots in a row committed on the slow path in fast mode
}

// startViewPath sets the controller of the primary of a view that starts after a view change.
func (c *Core) startViewPath() {
	c.path = pathController{slowMode: true}
}

// recordPathOutcome feeds the controller when this replica, as primary, sees a slot it proposed commit.
func (c *Core) recordPathOutcome(s *slot, fast bool) {
	if !c.isPrimary() || s.prePrepare == nil || s.prePrepare.From != c.cfg.ID {
		return
	}
	p := &c.path
	if !p.slowMode && fast {
		p.good++
		p.streak = 0
	} else if !p.slowMode {
		p.streak++
	}
	p.window++
	if !p.slowMode && p.streak >= PathSlowStreakMax {
		*p = pathController{slowMode: true}
		c.counts.PathSwitches++
		return
	}
	if p.window < PathEvaluationSeqs {
		return
	}
	pct := 100 * min(p.good, p.window) / p.window
	switch {
	case !p.slowMode && pct < fastPathKeepPct:
		p.slowMode = true
		c.counts.PathSwitches++
	case p.slowMode && pct >= fastPathReturnPct:
		p.slowMode = false
		c.counts.PathSwitches++
	}
	p.window, p.good, p.streak = 0, 0, 0
}

// observePrepareShares counts, on the slow path, the slots for which every replica sent its prepare share
// (counted when the last share arrives, which may be after the slot committed).
func (c *Core) observePrepareShares(s *slot) {
	if c.path.slowMode && c.isPrimary() && len(s.shares[CertPrepare]) == c.cfg.N &&
		s.prePrepare != nil && s.prePrepare.From == c.cfg.ID {
		c.path.good++
	}
}

// observeFastLatency adapts the fast-path timer to the latency of fast commits (in ticks).
func (c *Core) observeFastLatency(ticks uint64) {
	// EWMA with weight 1/8, in sixteenths of a tick.
	c.fastLatency16 += (int64(ticks)*16 - c.fastLatency16) / 8
	t := int(2*c.fastLatency16/16) + SlowPathTicksMin
	c.slowPathTicks = min(max(t, SlowPathTicksMin), SlowPathTicksMax)
}
