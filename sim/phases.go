package sim

import (
	"slices"

	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/sim/check"
	bsync "github.com/sbftnet/sbft/sync"
)

// A run's phases: the safety phase with faults, then the liveness phase on a healed network, then the final
// checks.

// step advances the world one tick.
func (w *world) step(faults bool) {
	w.now++
	w.scriptedOutage()
	if o := w.opts.Isolate; o.Until > 0 && w.now == o.From {
		r := w.reps[o.Replica]
		r.cutOff, r.healAt = [2]bool{true, true}, o.Until
	}
	w.deliver()
	for i, r := range w.reps {
		if r.down {
			if w.now >= r.upAt {
				w.boot(uint32(i))
			}
			continue
		}
		if w.now%uint64(r.period) == 0 {
			r.driver.Tick()
			w.process(uint32(i))
		}
		if r.adv == nil {
			w.maybeSync(i)
		}
		if (r.cutOff[0] || r.cutOff[1]) && w.now >= r.healAt {
			r.cutOff = [2]bool{}
		}
	}
	for _, c := range w.clients {
		c.tick()
	}
	if w.follower != nil {
		w.follower.tick()
	}
	if w.now%50 == 0 {
		w.checkStableCheckpoints()
	}
	if faults {
		w.maybeCrash()
		w.maybePartition()
	}
}

func (w *world) process(i uint32) {
	transfer, err := w.reps[i].driver.Process()
	if err != nil {
		w.violate("replica %d failed: %v", i, err)
	}
	w.reps[i].syncAsked = w.reps[i].syncAsked || transfer
}

func (w *world) safetyPhase() {
	for t := 0; t < w.opts.Steps; t++ {
		w.step(true)
	}
}

// livenessPhase heals the network and the crashed replicas and requires progress.
func (w *world) livenessPhase() {
	w.faults.LossPct, w.faults.DupPct = 0, 0
	for _, r := range w.reps {
		r.cutOff = [2]bool{} // byzantine replicas stay byzantine: view changes replace a faulty primary
	}
	for _, c := range w.clients {
		c.stopSubmitting()
	}
	for t := 0; t < w.opts.LivenessTicks; t++ {
		w.step(false)
		if w.settled() {
			return
		}
	}
	w.obs.Stalled(w.opts.LivenessTicks, w.pending(), w.heights())
}

// pending is how many transactions each client has no outcome for.
func (w *world) pending() []int {
	out := make([]int, len(w.clients))
	for i, c := range w.clients {
		out[i] = c.waiting()
	}
	return out
}

func (w *world) heights() []uint64 {
	var hs []uint64
	for _, r := range w.reps {
		switch {
		case r.adv != nil:
		case r.down:
			hs = append(hs, 0)
		default:
			hs = append(hs, r.driver.App().LastHeader().Height)
		}
	}
	return hs
}

// settled is the liveness checker's goal (check.Settled).
func (w *world) settled() bool {
	down := slices.ContainsFunc(w.reps, func(r *simReplica) bool { return r.down })
	return check.Settled(w.pending(), w.heights(), down)
}

// checkStableCheckpoints checks the stable checkpoint certificate each correct replica stored.
func (w *world) checkStableCheckpoints() {
	for i, r := range w.reps {
		if r.adv != nil || r.down {
			continue
		}
		if p, err := bsync.ReadStableCheckpoint(r.store); err == nil {
			cert := p.Certificate(chainID)
			w.obs.CheckpointStored(uint32(i), &cert)
		}
	}
}

// finalChecks shows the checkers the end of the run, and fills in the result.
func (w *world) finalChecks() {
	w.checkStableCheckpoints()
	var end check.End
	for i, r := range w.reps {
		if r.adv == nil && !r.down {
			end.Replicas = append(end.Replicas, check.Final{ID: i, State: r.driver.App()})
		}
	}
	if w.follower != nil {
		h := w.follower.app.LastHeader().Height
		end.ClientNode, w.res.FollowerHeight = &h, h
	}
	hs := w.heights()
	w.res.Height = slices.Max(hs)
	for _, r := range w.reps {
		var st replica.Status
		if r.adv == nil && !r.down {
			st = r.driver.Status()
			w.res.View = max(w.res.View, st.View)
			w.res.StableCheckpoint = max(w.res.StableCheckpoint, st.LastStableCheckpoint)
		}
		w.res.Views = append(w.res.Views, st.View)
		w.res.ViewsActive = append(w.res.ViewsActive, st.ViewActive)
	}
	for _, c := range w.clients {
		c.endUnknown()
		w.res.Unknown += c.outcomes.unknown
		w.res.Failed += c.outcomes.failed
		w.res.Submitted += c.submitted
		w.res.Acked += len(c.ackedKeys) + c.sharedAcked
		w.res.ProvenAcks += c.provenAcks
		w.res.ProvenReads += c.provenReads
	}
	w.obs.Ended(end)
}
