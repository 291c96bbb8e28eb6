package replica

import (
	"strconv"
	"sync"
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
	repliesTotal                        *prometheus.CounterVec // results answered, by kind
	blockReplyFrames                    prometheus.Counter
	peerFrames, peerBytes               *prometheus.CounterVec // replica-to-replica traffic (traffic.go)
	persistSeconds, applySeconds        prometheus.Histogram
	blockInterval, blockTxs, blockBytes prometheus.Histogram
	commitLatency                       prometheus.Histogram
	lastBlockAt                         time.Time // driver goroutine only
	core                                *coreEvents
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
		return histogram(reg, name, help, prometheus.ExponentialBuckets(0.0001, 2, 16))
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
		core: &coreEvents{},
	}
	m.blockInterval = histogram(reg, "block_interval_seconds", "Time between blocks executed here (blocks executed together share the time since the previous ones).",
		prometheus.ExponentialBuckets(0.001, 2, 14))
	m.blockTxs = histogram(reg, "block_txs", "Transactions per executed block (the batch size).", prometheus.ExponentialBuckets(1, 2, 14))
	m.blockBytes = histogram(reg, "block_bytes", "Transaction bytes per executed block.", prometheus.ExponentialBuckets(256, 4, 10))
	m.commitLatency = histogram(reg, "commit_latency_seconds",
		"Time from a client transaction's arrival here to its durable execution here.", prometheus.ExponentialBuckets(0.001, 2, 16))
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
	m.repliesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sbft", Name: "client_results_total",
		Help: "Results of executed transactions sent to the clients waiting here, by kind (proven: in a block reply with the execution certificate; plain: the certificate did not come within the proof wait)."}, []string{"kind"})
	reg.MustRegister(m.repliesTotal)
	for _, k := range []string{"proven", "plain"} {
		m.repliesTotal.WithLabelValues(k) // exported as 0 before the first
	}
	m.blockReplyFrames = c("block_replies_total", "Block replies sent: one per client session per block, each carrying that session's results.")
	reg.MustRegister(m.rejectedTotal, m.forwardedTotal, m.core, m.viewChangeSeconds)
	m.registerTraffic(reg)
	return m
}

// registerTraffic registers the replica-to-replica traffic counters, every series at 0 before its first frame.
func (m *Metrics) registerTraffic(reg prometheus.Registerer) {
	labels := []string{"direction", "role", "type"}
	m.peerFrames = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sbft", Name: "peer_frames_total",
		Help: "Frames sent to (one per recipient) or received from other replicas, by direction, this replica's role for the frame (primary, collector of its sequence number, backup) and message type."}, labels)
	m.peerBytes = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sbft", Name: "peer_bytes_total",
		Help: "Bytes of the frames of sbft_peer_frames_total (message encoding, before stream framing and encryption)."}, labels)
	reg.MustRegister(m.peerFrames, m.peerBytes)
	for _, dir := range []bool{true, false} {
		for r := range RolesCount {
			for _, t := range trafficTypes {
				k := TrafficKey{Sent: dir, Role: r, Type: t}
				if r != RoleCollector || t == consensus.MsgPartialCommit || t == consensus.MsgFullCommit {
					m.peerFrames.WithLabelValues(k.labels()...)
					m.peerBytes.WithLabelValues(k.labels()...)
				}
			}
		}
	}
}

// trafficCounters are the frames and bytes counters of one key (nils without metrics).
func (m *Metrics) trafficCounters(k TrafficKey) [2]prometheus.Counter {
	if m == nil {
		return [2]prometheus.Counter{}
	}
	l := k.labels()
	return [2]prometheus.Counter{m.peerFrames.WithLabelValues(l...), m.peerBytes.WithLabelValues(l...)}
}

func histogram(reg prometheus.Registerer, name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "sbft", Name: name, Help: help, Buckets: buckets})
	reg.MustRegister(h)
	return h
}

// ObserveSync records a state transfer's progress (nil: none running).
func (m *Metrics) ObserveSync(p *bsync.Progress, completed bool) {
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

func (m *Metrics) Rejected(r wire.Reject) {
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

// blockReplies counts the block replies sent to sessions client sessions, with results results in all.
func (m *Metrics) blockReplies(sessions, results int) {
	if m != nil {
		m.blockReplyFrames.Add(float64(sessions))
		m.repliesTotal.WithLabelValues("proven").Add(float64(results))
	}
}

// plainReplies counts results answered without a certificate.
func (m *Metrics) plainReplies(n int) {
	if m != nil && n > 0 {
		m.repliesTotal.WithLabelValues("plain").Add(float64(n))
	}
}

// read counts one proven read with its outcome.
func (m *Metrics) Read(outcome string) {
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

// observeBlocks records the sizes of blocks executed together at at, and the time since the previous
// execution spread evenly over them (k blocks in one go after d: k intervals of d/k, not one of d and k-1 of 0).
func (m *Metrics) observeBlocks(batches []consensus.CommittedBatch, at time.Time) {
	if m == nil || len(batches) == 0 {
		return
	}
	if !m.lastBlockAt.IsZero() {
		each := at.Sub(m.lastBlockAt).Seconds() / float64(len(batches))
		for range batches {
			m.blockInterval.Observe(each)
		}
	}
	m.lastBlockAt = at
	for _, b := range batches {
		bytes := 0
		for _, r := range b.Requests {
			bytes += len(r)
		}
		m.blockTxs.Observe(float64(len(b.Requests)))
		m.blockBytes.Observe(float64(bytes))
	}
}

// observeCommit records one transaction's time from arrival to durable execution.
func (m *Metrics) observeCommit(d time.Duration) {
	if m != nil {
		m.commitLatency.Observe(d.Seconds())
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
	m.core.set(s.Counters)
}

// coreEvents exports the consensus core's event counts, cumulative since start, as counters
// (sbft_consensus_events_total{event}), from the latest status.
type coreEvents struct {
	mu   sync.Mutex
	last consensus.Counters
}

var coreEventsDesc = prometheus.NewDesc("sbft_consensus_events_total", "Consensus core events since start, by event.", []string{"event"}, nil)

func (c *coreEvents) set(counts consensus.Counters) {
	c.mu.Lock()
	c.last = counts
	c.mu.Unlock()
}

func (c *coreEvents) Describe(ch chan<- *prometheus.Desc) { ch <- coreEventsDesc }

func (c *coreEvents) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	s := c.last
	c.mu.Unlock()
	for name, v := range map[string]uint64{
		"dropped_other_view": s.DroppedOtherView, "dropped_out_of_window": s.DroppedOutOfWindow,
		"dropped_invalid": s.DroppedInvalid, "equivocations": s.Equivocations,
		"proposed": s.Proposed, "catch_up_sent": s.CatchUpSent,
		"catch_up_received": s.CatchUpReceived, "retransmissions": s.Retransmissions,
		"expired_requests": s.ExpiredRequests, "commits_fast": s.CommitsFast,
		"commits_slow": s.CommitsSlow, "collector_timeouts": s.CollectorTimeouts,
		"bad_shares": s.BadShares, "path_switches": s.PathSwitches,
		"complaints_sent": s.ComplaintsSent, "view_changes": s.ViewChanges,
		"requests_forwarded": s.RequestsForwarded, "complaints_stalled": s.ComplaintsStalled,
		"refused_busy": s.RefusedBusy, "discarded_requests": s.DiscardedRequests,
		"new_views": s.NewViews, "view_change_conflicts": s.ViewChangeConflicts,
		"stable_checkpoints": s.StableCheckpoints, "checkpoint_mismatches": s.CheckpointMismatches,
		"bad_checkpoints": s.BadCheckpoints,
	} {
		ch <- prometheus.MustNewConstMetric(coreEventsDesc, prometheus.CounterValue, float64(v), name)
	}
}
