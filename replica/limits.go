package replica

import "time"

// Bounds of the replica driver's queues, caches and maps, in one place.
const (
	// QueueCheckIntervalTicks and QueueCheckRequestsMax: this often, the driver checks this many of the
	// oldest queued client requests and discards those whose nonce can no longer execute. The check reads each
	// client's nonce state once (about 0.2 µs a request, BenchmarkDeadRequestSweep), and it must cover what a
	// backup forwards next: after an overload a backup may hold thousands of requests made dead by their
	// clients' later transactions.
	QueueCheckIntervalTicks = 50
	QueueCheckRequestsMax   = 16_384
	// StatusPublishIntervalTicks: this often the driver publishes its status snapshot (Driver.Status, the
	// gauges) when nothing changed; after a Ready that executed or changed the view it publishes on the next
	// tick. Publishing on every tick took 15% of an idle replica's CPU.
	StatusPublishIntervalTicks = 10
	// SignedMarkFile is the file in the data directory that records how far the replica signed (mark.go).
	SignedMarkFile = "SIGNED"
	// WaitersMax bounds transactions with a client waiting for their result at this replica.
	WaitersMax = 200_000
	// WaiterTTL is how long a waiting client is remembered; clients time out before that.
	WaiterTTL = 2 * time.Minute
	// WaiterExpireIntervalTicks is how often (in ticks) waiters are scanned for expiry; the scan walks every
	// waiter, so it runs rarely. WaiterTTLTicksUntimed is the TTL in ticks when the tick length is unknown.
	WaiterExpireIntervalTicks = 1024
	WaiterTTLTicksUntimed     = 1 << 20
	// VerifiedTxCacheMax bounds the transaction hashes whose client signature this replica checked.
	VerifiedTxCacheMax = 400_000
	// FIFOSetShards is how many parts, each with its own lock and an equal share of the bound, a set of
	// verified hashes (FIFOSet) has (fewer when the bound is under twice that): the intake, one verifier
	// goroutine per peer and the driver use the transactions' set at once. A power of two, so a hash's first
	// byte picks its shard evenly.
	FIFOSetShards = 32
	// ResultCacheMax bounds the replies of recently executed transactions kept for late copies.
	ResultCacheMax = 100_000
	// ExecBlocksMax bounds the blocks an execution collector keeps shares for, and how far from its own height
	// it accepts shares.
	ExecBlocksMax = 256
	// ExecProofWait is how long clients waiting here for an executed block's transactions wait for its
	// execution certificate before they get plain replies (each one of the f+1 they then need; a collector
	// that is down or slow costs this once). ExecProofWaitTicksUntimed is it in ticks when the tick length is
	// unknown (the simulator).
	ExecProofWait             = 500 * time.Millisecond
	ExecProofWaitTicksUntimed = 10
	// ExecCertsKept bounds the execution certificates a replica keeps in memory for reads (certified.go): of
	// heights within this distance of its own.
	ExecCertsKept = 64
	// CryptoJobsInFlightMax bounds BLS jobs handed to the crypto workers and not yet taken back; beyond it
	// the driver runs them itself (slower, never stuck).
	CryptoJobsInFlightMax = 1024
	// VerifiedCertCacheMax bounds the hashes of verified quorum certificates remembered (view changes repeat
	// the same certificates in many messages).
	VerifiedCertCacheMax = 4096
	// AdmitWindow: a replica's queue of client requests may hold what it executed in this long (at least
	// consensus.AdmitQueueMinDefault); new requests beyond that are refused as busy (consensus/admission.go).
	AdmitWindow = time.Second
	// SyncCheckInterval is how often the node asks whether it needs a state transfer; SyncStallTimeout is how
	// long it may execute nothing while f+1 peers are ahead before it transfers state.
	SyncCheckInterval = 500 * time.Millisecond
	SyncStallTimeout  = 5 * time.Second
)
