package consensus

// Bounds on every window, queue, map and message of the core. Config values are checked against them
// (Config.Validate). The config fields that are themselves maxima (Config.BatchRequestsMax, BatchBytesMax,
// InFlightSeqsMax, a network's setting) are capped by the constants of the same stem ending in Cap, so that
// one name never means both a setting and its ceiling.
const (
	// ReplicasMax bounds n; certificates and vote maps hold at most this many entries. 256 keeps a ReplicaSet
	// a small value (32 bytes, copied with every certificate) whose wire form has a one-byte length, and keeps
	// a NewView's ViewChange count (one byte) above any quorum; the all-to-all phases (view change,
	// checkpoints) cost O(n^2) messages well before n reaches it. A multiple of 64: ReplicaSet is 64-bit words.
	ReplicasMax = 256
	// CheckpointIntervalSeqsDefault is Config.CheckpointIntervalSeqs in production: replicas sign a checkpoint
	// at every multiple of the interval; 2f+c+1 make it stable. Config.Validate bounds the interval by
	// CheckpointIntervalSeqsMin and CheckpointIntervalSeqsMax.
	CheckpointIntervalSeqsDefault = 150
	CheckpointIntervalSeqsMin     = 4
	CheckpointIntervalSeqsMax     = 1000
	// WindowSeqsMax bounds the work window of any valid config (Config.WindowSeqs, two intervals): a replica
	// accepts sequence numbers in (stable, stable+window], where stable is its last stable checkpoint. Decoding
	// bounds what a message may carry by it.
	WindowSeqsMax = 2 * CheckpointIntervalSeqsMax
	// CheckpointsAheadMax bounds the checkpoints above the last stable one whose shares are kept.
	CheckpointsAheadMax = 4
	// ForwardRequestsMax bounds the client requests a backup forwards to the primary per retransmission period.
	ForwardRequestsMax = 256
	// ViewsAheadMax bounds how far above the current view ViewChange messages and complaints are kept.
	ViewsAheadMax = 16
	// ViewChangeBackoffShiftMax caps the growth of the view change timeout over consecutive failed views
	// (timeout << min(failed views, this)).
	ViewChangeBackoffShiftMax = 3
	// InFlightSeqsCap caps Config.InFlightSeqsMax, the sequence numbers a primary keeps proposed but not
	// executed.
	InFlightSeqsCap = 64
	// BatchRequestsCap caps Config.BatchRequestsMax, the requests in one batch; decoding bounds a message's
	// requests by it.
	BatchRequestsCap = 4096
	// BatchBytesCap caps Config.BatchBytesMax, the summed request bytes of one batch; decoding bounds a
	// message's request bytes by it.
	BatchBytesCap = 8 << 20
	// BatchRequestsDefault and BatchBytesDefault are the batch caps of DefaultConfig (and of a node's default
	// config); Config.Validate demands Config.BatchBytesMax >= RequestBytesMax so any one request fits a batch.
	BatchRequestsDefault = 2000
	BatchBytesDefault    = 4 << 20
	// RequestBytesMax caps one client request. It must hold the largest transaction (chain.TxBytesMax, about
	// 64 KiB; consensus imports only the standard library, so client/limits_test.go checks the order).
	RequestBytesMax = 128 << 10
	// PendingRequestsMax bounds the queue of client requests not yet executed.
	PendingRequestsMax = 50_000
	// AdmitQueueMinDefault is Config.AdmitQueueMin of DefaultConfig: the queue length admission control
	// always allows (two default batches: the pipeline must never run dry because of admission).
	AdmitQueueMinDefault = 2 * BatchRequestsDefault
	// PendingBytesMax bounds the summed bytes of that queue.
	PendingBytesMax = 64 << 20
	// PendingCompactMin is the FIFO length below which the pending queue never compacts (compaction is also
	// postponed until consumed entries outnumber live ones), so small queues are not copied on every pop.
	PendingCompactMin = 1024
	// PendingSweepIntervalTicks is how often queued requests are checked for expiry.
	PendingSweepIntervalTicks = 500
	// StatusFanoutMax bounds the peers one heartbeat (Status) goes to: every peer in a network of up to
	// StatusFanoutMax+1 replicas, else StatusFanoutMax peers rotating with each heartbeat, so a replica's
	// heartbeat traffic (and the signature checks it costs others) stays constant as n grows, and it still hears
	// from every peer every ceil((n-1)/StatusFanoutMax) intervals: all-to-all heartbeats every 100 ms cost a
	// 31-replica network on one machine about half a core in signature checks alone.
	StatusFanoutMax = 8
	// StatusIdleIntervalsMax stretches the heartbeat period while the network is idle (consensus/status.go,
	// idle): a second at the default 100 ms, so an idle replica of 16 sends 8 heartbeats a second, not 80.
	StatusIdleIntervalsMax = 10
	// CatchUpBatchesPerStatus bounds how many committed batches are sent to a lagging peer per Status.
	CatchUpBatchesPerStatus = 32
	// SigBytesMax caps a signature carried in a message.
	SigBytesMax = 128
	// MessageBytesMax caps one encoded message (a full batch plus certificate and framing): the batch's request
	// bytes, a 4-byte length per request, room for a few signatures, and MessageFixedBytesMax for the fixed
	// fields.
	MessageBytesMax = BatchBytesCap + BatchRequestsCap*4 + 4*SigBytesMax + MessageFixedBytesMax
	// MessageFixedBytesMax is the allowance in MessageBytesMax for a message's fixed fields (kind, view, seq,
	// digests, counts), which take well under this.
	MessageFixedBytesMax = 1024
	// SlowPathTicksMin and SlowPathTicksMax bound the adaptive fast-path timer; PathEvaluationSeqs is how
	// many sequence numbers the primary's path controller looks back over.
	SlowPathTicksMin   = 2
	SlowPathTicksMax   = 200
	PathEvaluationSeqs = 64
	// PathSlowStreakMax: this many slots in a row committed on the slow path move the primary there at once
	// (pathcontrol.go), without waiting for the end of its evaluation period.
	PathSlowStreakMax = 4
)
