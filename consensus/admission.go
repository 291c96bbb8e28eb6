package consensus

import "errors"

// Admission control. A replica takes a new client request only while its queue of unexecuted requests is
// shorter than what it executed over the last AdmitWindowTicks (never less than AdmitQueueMin, never more
// than PendingRequestsMax); beyond that Propose answers ErrBusy, so a client hears "busy" at once instead of
// joining a queue that would outlast its timeout. The bound follows the measured execution rate: a fast
// network queues more than a slow one, and an overloaded one keeps committing at its capacity with a queue
// of about one window of work. Requests a backup forwards are not subject to it (Request.Forwarded): a
// replica vouches that they waited.
//
// Refusing requests makes the order of execution differ from the order of arrival at a backup (the primary
// may refuse what a backup took), so while this replica refuses requests the network counts as saturated
// and overtaking is no evidence against the primary (viewchange.go).

// ErrBusy is returned by Propose for a client request while the queue is at its admission bound.
var ErrBusy = errors.New("replica at capacity")

type admission struct {
	windowStart uint64 // tick the current rate sample began
	windowReqs  int    // requests executed in the current sample
	rate        int    // requests executed per window, smoothed
	limit       int    // current bound on queued requests
	refusedTick uint64 // last tick a request was refused; valid when refusedAny
	refusedAny  bool
}

// admitExecuted counts requests executed here and, at the end of each window, recomputes the bound.
func (c *Core) admitExecuted(reqs int) {
	c.admit.windowReqs += reqs
	c.admitSample()
}

// admitSample closes the rate sample once a window has passed (called on ticks and executions).
func (c *Core) admitSample() {
	a := &c.admit
	if c.tick-a.windowStart < uint64(c.cfg.AdmitWindowTicks) {
		return
	}
	// Smooth over windows, but follow a rising rate at once: under load the queue must be allowed to grow
	// to what the network executes.
	a.rate = max(a.windowReqs, (a.rate+a.windowReqs)/2)
	a.windowStart, a.windowReqs = c.tick, 0
	// Twice the work of a window: the queue holds requests in flight as well as waiting ones, and a bound
	// at exactly the executed rate would let a dip in throughput lower the bound, and the bound throughput.
	a.limit = min(max(2*a.rate, c.cfg.AdmitQueueMin), PendingRequestsMax)
}

// admitting reports whether Propose would take one more client request now (SoftState.Admitting).
func (c *Core) admitting() bool { return c.pending.len() < c.admitLimit() }

func (c *Core) admitLimit() int {
	if c.admit.limit == 0 {
		return c.cfg.AdmitQueueMin
	}
	return c.admit.limit
}

// refusingRecently reports whether this replica refused a request as busy within the last `within` ticks.
func (c *Core) refusingRecently(within uint64) bool {
	return c.admit.refusedAny && c.tick-c.admit.refusedTick < within
}
