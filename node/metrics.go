package node

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sbftnet/sbft/consensus"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// Metrics are the replica's prometheus metrics (namespace sbft). A nil *Metrics records nothing.
type Metrics struct {
	height, view, lastExecuted, pending prometheus.Gauge
	viewActive, stableSeq, diverged     prometheus.Gauge
	lastCkpt                            prometheus.Gauge
	viewChangeSeconds                   prometheus.Histogram
	syncing, syncFetched, syncTotal     prometheus.Gauge
	stateTransfers                      prometheus.Counter
	syncSourceBlocks                    *prometheus.GaugeVec
	blocks, txs                         prometheus.Counter
	rejectedTotal, forwardedTotal       *prometheus.CounterVec
	readsTotal                          *prometheus.CounterVec
	persistSeconds, applySeconds        prometheus.Histogram
	coreCounters                        *prometheus.GaugeVec
}

// NewMetrics registers the replica's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	g := func(name, help string) prometheus.Gauge {
		m := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "sbft", Name: name, Help: help})
		reg.MustRegister(m)
		return m
	}
	c := func(name, help string) prometheus.Counter {
		m := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "sbft", Name: name, Help: help})
		reg.MustRegister(m)
		return m
	}
	h := func(name, help string) prometheus.Histogram {
		m := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "sbft", Name: name, Help: help,
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)})
		reg.MustRegister(m)
		return m
	}
	m := &Metrics{
		height:         g("height", "Height of the last executed block."),
		view:           g("view", "Current view."),
		lastExecuted:   g("last_executed_seq", "Last executed sequence number."),
		pending:        g("pending_requests", "Client requests waiting to be ordered or executed."),
		viewActive:     g("view_active", "1 when the current view has started, 0 while waiting for its NewView."),
		stableSeq:      g("last_stable_checkpoint", "Sequence number of the last stable checkpoint."),
		lastCkpt:       g("last_checkpoint", "Sequence number of the last checkpoint this replica signed."),
		diverged:       g("diverged_checkpoint", "Highest checkpoint where this replica's state differed from the stable one (0: never)."),
		blocks:         c("blocks_total", "Blocks executed."),
		txs:            c("txs_total", "Transactions executed."),
		persistSeconds: h("persist_seconds", "Synced write of the consensus log."),
		applySeconds:   h("apply_seconds", "Execution and synced write of committed blocks."),
		rejectedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sbft", Name: "tx_rejected_total",
			Help: "Client transactions rejected at intake, by reason."}, []string{"reason"}),
		forwardedTotal: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sbft", Name: "forwarded_requests_total",
			Help: "Client requests backups forwarded to this replica as primary, by what became of them (queued, held: queued already, executed, unverified, dead nonce, refused)."}, []string{"outcome"}),
		coreCounters: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "sbft", Name: "consensus_events",
			Help: "Consensus core event counts since start, by event."}, []string{"event"}),
	}
	m.syncing = g("syncing", "1 while a state transfer runs.")
	m.syncFetched = g("sync_fetched_blocks", "Blocks the running state transfer fetched (verified or buffered).")
	m.syncTotal = g("sync_total_blocks", "Blocks the running state transfer needs.")
	m.stateTransfers = c("state_transfers_total", "State transfers completed.")
	m.syncSourceBlocks = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "sbft", Name: "sync_source_blocks",
		Help: "Blocks the running (or last) state transfer got from each source replica."}, []string{"source"})
	reg.MustRegister(m.syncSourceBlocks)
	m.viewChangeSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "sbft", Name: "view_change_seconds",
		Help: "Time from leaving a started view to starting the next one.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 10)})
	m.readsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sbft", Name: "proven_reads_total",
		Help: "Proven reads asked of this replica, by outcome (proven, uncertified: no certified recent state, busy, timeout)."}, []string{"outcome"})
	reg.MustRegister(m.readsTotal)
	reg.MustRegister(m.rejectedTotal, m.forwardedTotal, m.coreCounters, m.viewChangeSeconds)
	return m
}

// observeSync records a state transfer's progress (nil: none running).
func (m *Metrics) observeSync(p *bsync.Progress, completed bool) {
	if m == nil {
		return
	}
	if completed {
		m.stateTransfers.Inc()
	}
	if p == nil {
		m.syncing.Set(0)
		return
	}
	m.syncing.Set(1)
	m.syncFetched.Set(float64(p.Verified + p.Buffered))
	m.syncTotal.Set(float64(p.Target - p.Base))
	for id, sp := range p.PerSource {
		m.syncSourceBlocks.WithLabelValues(strconv.FormatUint(uint64(id), 10)).Set(float64(sp.Blocks))
	}
}

func (m *Metrics) observeViewChange(d time.Duration) {
	if m != nil && d > 0 {
		m.viewChangeSeconds.Observe(d.Seconds())
	}
}

func (m *Metrics) rejected(r wire.Reject) {
	if m != nil {
		m.rejectedTotal.WithLabelValues(r.String()).Inc()
	}
}

// forwarded counts n forwarded requests with outcome (see forwardedTotal's help).
func (m *Metrics) forwarded(outcome string, n int) {
	if m != nil && n > 0 {
		m.forwardedTotal.WithLabelValues(outcome).Add(float64(n))
	}
}

// read counts one proven read with its outcome.
func (m *Metrics) read(outcome string) {
	if m != nil {
		m.readsTotal.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) observePersist(d time.Duration) {
	if m != nil {
		m.persistSeconds.Observe(d.Seconds())
	}
}

func (m *Metrics) observeApply(d time.Duration, blocks, txs int, height uint64) {
	if m != nil {
		m.applySeconds.Observe(d.Seconds())
		m.blocks.Add(float64(blocks))
		m.txs.Add(float64(txs))
		m.height.Set(float64(height))
	}
}

func (m *Metrics) observeStatus(s consensus.Status) {
	if m == nil {
		return
	}
	m.view.Set(float64(s.View))
	m.lastExecuted.Set(float64(s.LastExecuted))
	m.pending.Set(float64(s.PendingRequests))
	m.stableSeq.Set(float64(s.StableSeq))
	m.lastCkpt.Set(float64(s.LastCheckpoint))
	m.diverged.Set(float64(s.DivergedAt))
	active := 0.0
	if s.ViewActive {
		active = 1
	}
	m.viewActive.Set(active)
	for name, v := range map[string]uint64{
		"dropped_other_view": s.Counters.DroppedOtherView, "dropped_out_of_window": s.Counters.DroppedOutOfWindow,
		"dropped_invalid": s.Counters.DroppedInvalid, "equivocations": s.Counters.Equivocations,
		"proposed": s.Counters.Proposed, "catch_up_sent": s.Counters.CatchUpSent,
		"catch_up_received": s.Counters.CatchUpReceived, "retransmissions": s.Counters.Retransmissions,
		"expired_requests": s.Counters.ExpiredRequests, "commits_fast": s.Counters.CommitsFast,
		"commits_slow": s.Counters.CommitsSlow, "collector_timeouts": s.Counters.CollectorTimeouts,
		"bad_shares": s.Counters.BadShares, "path_switches": s.Counters.PathSwitches,
		"complaints_sent": s.Counters.ComplaintsSent, "view_changes": s.Counters.ViewChanges,
		"requests_forwarded": s.Counters.RequestsForwarded, "complaints_stalled": s.Counters.ComplaintsStalled,
		"refused_busy": s.Counters.RefusedBusy, "discarded_requests": s.Counters.DiscardedRequests,
		"new_views": s.Counters.NewViews, "view_change_conflicts": s.Counters.ViewChangeConflicts,
		"stable_checkpoints": s.Counters.StableCheckpoints, "checkpoint_mismatches": s.Counters.CheckpointMismatches,
		"bad_checkpoints": s.Counters.BadCheckpoints,
	} {
		m.coreCounters.WithLabelValues(name).Set(float64(v))
	}
}

// followerMetrics are a client node's.
type followerMetrics struct {
	height, certifiedHeight, lag prometheus.Gauge
	applied, refused, dropped    prometheus.Counter
	reads                        *prometheus.CounterVec
}

func newFollowerMetrics(reg prometheus.Registerer) *followerMetrics {
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "sbft", Subsystem: "follower", Name: name, Help: help})
	}
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "sbft", Subsystem: "follower", Name: name, Help: help})
	}
	m := &followerMetrics{
		height:          g("height", "Height of the last block executed here."),
		certifiedHeight: g("certified_height", "Highest height executed here whose execution certificate this node holds (reads are answered there)."),
		lag:             g("lag_blocks", "Blocks behind the highest height the network is known to have."),
		applied:         c("blocks_applied_total", "Blocks verified, executed and stored."),
		refused:         c("blocks_refused_total", "Blocks refused: forged, out of order, or not proven by their certificate."),
		dropped:         c("sources_dropped_total", "Replicas dropped as block source for a bad block or for withholding."),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sbft", Subsystem: "follower", Name: "reads_total",
			Help: "Proven reads served, by outcome (proven, uncertified, bad_key)."}, []string{"outcome"}),
	}
	reg.MustRegister(m.height, m.certifiedHeight, m.lag, m.applied, m.refused, m.dropped, m.reads)
	return m
}
