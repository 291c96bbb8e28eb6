package replica

import (
	"time"

	"github.com/sbftnet/sbft/consensus"
)

// resetSoftState starts from a new core's soft state (the core reports changes from it).
func (d *Driver) resetSoftState(ss consensus.SoftState) {
	d.views.view, d.views.active = ss.View, ss.ViewActive
	d.traffic.view.Store(ss.View)
	d.busy.Store(!ss.Admitting)
}

// observeSoftState tells intake whether the core takes client requests, and logs what changed.
func (d *Driver) observeSoftState(ss consensus.SoftState) {
	d.busy.Store(!ss.Admitting)
	d.observeViews(ss.View, ss.ViewActive)
	d.observeComplaints(ss.LastComplaint)
	d.observeCheckpoints(ss.DivergedAt, ss.BadCheckpointFrom)
}

// observeCheckpoints reports, once each, a divergence of this replica's state and replicas whose checkpoints
// differ from stable ones.
func (d *Driver) observeCheckpoints(diverged uint64, bad consensus.ReplicaSet) {
	if diverged != d.views.divergedAt {
		d.views.divergedAt = diverged
		d.log.Error("STATE DIVERGED: this replica's checkpoint differs from the stable checkpoint the network signed; "+
			"the replica is unhealthy and must be repaired by state transfer", "seq", diverged)
	}
	if bad != d.views.badCheckpointFrom {
		d.views.badCheckpointFrom = bad
		d.log.Warn("replicas announced checkpoints that differ from the stable ones (faulty or diverged)",
			"replicas", bad.String())
	}
}

// viewTracker notices view changes in the driver's loop, to log them and time them.
type viewTracker struct {
	view      uint64
	active    bool
	leftAt    time.Time // when the replica left its last started view
	leftView  uint64
	lastTaken time.Duration

	divergedAt        uint64               // last reported checkpoint health
	badCheckpointFrom consensus.ReplicaSet // ...and the replicas whose checkpoints differed
	complaints        uint64               // complaints this replica sent, as last logged
}

// observeComplaints logs every complaint this replica sends about a primary, with the core's reason: a view
// change must be explainable from the logs, above all one under load.
func (d *Driver) observeComplaints(r consensus.ComplaintReason) {
	if r.Seq == d.views.complaints {
		return
	}
	d.views.complaints = r.Seq
	tick := d.cfg.TickInterval
	d.log.Warn("complaining about the primary", "view", r.View, "stalled", r.Stalled,
		"ignored_forwarded", r.IgnoredForwarded, "view_not_started", r.ViewNotStarted,
		"oldest_wait", time.Duration(r.OldestWaitTicks)*tick, "since_commit", time.Duration(r.SinceCommitTicks)*tick,
		"pending", r.Pending)
}

// observeViews logs and measures the view changes the last Ready made.
func (d *Driver) observeViews(view uint64, active bool) {
	t := &d.views
	if view == t.view && active == t.active {
		return
	}
	d.traffic.view.Store(view)
	now := time.Now()
	if t.active && !active || t.active && view != t.view {
		t.leftAt, t.leftView = now, t.view
		d.log.Warn("leaving view", "view", t.view, "to", view)
	}
	if active {
		t.lastTaken = now.Sub(t.leftAt)
		if t.leftAt.IsZero() {
			t.lastTaken = 0
		}
		d.log.Info("view started", "view", view, "primary", view%uint64(d.cfg.N), "from_view", t.leftView,
			"took", t.lastTaken.Round(time.Millisecond))
		d.cfg.Metrics.observeViewChange(t.lastTaken)
	}
	t.view, t.active = view, active
}
