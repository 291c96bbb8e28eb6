package node

import (
	"time"
)

// Bounds of the node's queues and maps, in one place.
const (
	// InboundMessagesMax bounds verified consensus messages waiting for the driver; readers block beyond it
	// (back-pressure on the peer's stream).
	InboundMessagesMax = 4096
	// IntakeQueueMax bounds client transactions waiting for the driver; beyond it intake answers "busy".
	IntakeQueueMax = 2048
	// UnverifiedQueueMax bounds client transactions waiting for signature verification.
	UnverifiedQueueMax = 2048
	// AdmitWindow: a replica's queue of client requests may hold what it executed in this long (at least
	// consensus.AdmitQueueMinDefault); new requests beyond that are refused as busy (consensus/admission.go).
	AdmitWindow = time.Second
	// QueueCheckIntervalTicks and QueueCheckRequestsMax: this often, the driver checks this many of the
	// oldest queued client requests and discards those whose nonce can no longer execute. The check reads each
	// client's nonce state once (about 0.2 µs a request, BenchmarkDeadRequestSweep), and it must cover what a
	// backup forwards next: after an overload a backup may hold thousands of requests made dead by their
	// clients' later transactions.
	QueueCheckIntervalTicks = 50
	QueueCheckRequestsMax   = 16_384
	// InstanceCheckInterval is how often a replica asks the others whether another process uses its key
	// (identity.go); another process counts if f+1 replicas saw it within InstanceSeenWindow (and within the
	// replica's uptime less InstanceGrace, so the process before a restart does not).
	InstanceCheckInterval = 5 * time.Second
	InstanceSeenWindow    = 30 * time.Second
	InstanceGrace         = 10 * time.Second
	// SubscribersMax bounds the block subscriptions a replica serves at once; SubscribeQueueFrames the blocks
	// queued for one (each up to a batch, so a subscriber that does not read holds little); SubscriberStallTimeout
	// is how long the replica waits for a subscriber to make room before dropping it (subscribe.go).
	SubscribersMax         = 16
	SubscribeQueueFrames   = 4
	SubscriberStallTimeout = 10 * time.Second
	// SignedMarkFile is the file in the data directory that records how far the replica signed (mark.go).
	SignedMarkFile = "SIGNED"
	// BadSignaturesPerPeerMax client transactions with a bad signature per BadSignatureWindow get a client peer
	// disconnected and banned for PeerBanDuration (peerbudget.go); PeerBudgetsMax bounds the peers counted.
	BadSignaturesPerPeerMax = 32
	BadSignatureWindow      = time.Minute
	PeerBanDuration         = 5 * time.Minute
	PeerBudgetsMax          = 4096
	// ClientTxPerPeerRate and ClientTxPerPeerBurst: one client peer's transactions a second (and burst) a replica
	// takes; beyond, it answers busy before checking signatures (peerbudget.go). Above what one replica set
	// executes on small machines, so only a client that would take the whole intake of a large one is held.
	ClientTxPerPeerRate  = 5000
	ClientTxPerPeerBurst = 10000
	// VerifyChunkMin is the fewest client signatures one verification goroutine gets when a batch is split
	// across cores.
	VerifyChunkMin = 16
	// VerifyBatchMax is the most client signatures checked in one batch verification.
	VerifyBatchMax = 256
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
	// ResultCacheMax bounds the replies of recently executed transactions kept for late copies.
	ResultCacheMax = 100_000
	// ExecBlocksMax bounds the blocks an execution collector keeps shares for, and how far from its own height
	// it accepts shares.
	ExecBlocksMax = 256
	// ExecCertsKept bounds the execution certificates a replica keeps in memory for reads (certified.go): of
	// heights within this distance of its own.
	ExecCertsKept = 64
	// ReadsQueuedMax bounds the proven reads waiting for the loop; more are answered busy at once.
	ReadsQueuedMax = 256
	// ReadAnswerTimeout is how long a read waits for the loop before it is answered busy.
	ReadAnswerTimeout = 2 * time.Second
	// CheckpointQueryTimeout bounds asking every replica for its stable checkpoint.
	CheckpointQueryTimeout = 5 * time.Second
	// CryptoJobsInFlightMax bounds BLS jobs handed to the crypto workers and not yet taken back; beyond it
	// the driver runs them itself (slower, never stuck).
	CryptoJobsInFlightMax = 1024
	// DrainPerLoopMax bounds events handled before the driver processes a Ready, to keep latency bounded.
	DrainPerLoopMax = 4096
	// VerifiedCertCacheMax bounds the hashes of verified quorum certificates remembered (view changes repeat
	// the same certificates in many messages).
	VerifiedCertCacheMax = 4096
	// AnnounceQueueMax bounds checkpoint announcements waiting to be published.
	AnnounceQueueMax = 16
	// SyncCheckInterval is how often the node asks whether it needs a state transfer; SyncStallTimeout is how
	// long it may execute nothing while f+1 peers are ahead before it transfers state.
	SyncCheckInterval = 500 * time.Millisecond
	SyncStallTimeout  = 5 * time.Second
	// TickMsMin and TickMsMax bound Config.TickMs, the length of a consensus tick.
	TickMsMin = 1
	TickMsMax = 1000
	// StatusBodyBytesMax caps the status document served over HTTP.
	StatusBodyBytesMax = 1 << 20
	// HTTPReadHeaderTimeout guards the status server against slow clients.
	HTTPReadHeaderTimeout = 5 * time.Second
)

// Client nodes (follower.go, follow.go, followhttp.go).
const (
	// FollowCatchUpBlocks: a client node this far behind what the network certified catches up by the parallel
	// fetch instead of one replica's subscription.
	FollowCatchUpBlocks = 512
	// FollowStallTimeout: a source that sends no block for this long while the network certified higher ones
	// withholds them, and is dropped for FollowWithholdPenalty.
	FollowStallTimeout    = 5 * time.Second
	FollowWithholdPenalty = 30 * time.Second
	// FollowBadSourcePenalty: a source that sent a forged, out-of-order or unproven block is not followed
	// again for this long.
	FollowBadSourcePenalty = 5 * time.Minute
	// FollowRetryInterval: a source whose subscription failed otherwise is tried again after this.
	FollowRetryInterval = time.Second
	// FollowOpenTimeout bounds opening a subscription.
	FollowOpenTimeout = 5 * time.Second
	// FollowFramesQueued bounds pushed frames read and not yet applied (each up to wire.SubscribedFrameBytesMax,
	// about 16 MiB: a source can hold at most a few of those in a client node's memory).
	FollowFramesQueued = 2
	// FollowPollInterval: how often a client node asks every replica for its latest certified height.
	FollowPollInterval = 2 * time.Second
	// FollowStreamsMax bounds the block streams a client node serves at once; FollowStreamWriteTimeout drops a
	// reader that takes no data for this long.
	FollowStreamsMax         = 16
	FollowStreamWriteTimeout = 10 * time.Second
)
