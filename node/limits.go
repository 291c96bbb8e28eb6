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
	// IdleTicksPerWake: while the replica is idle (replica.Driver.Idle) the loop wakes once per this many tick
	// intervals and ticks that many times: 10 wake-ups a second instead of 100 on an idle network, whose
	// replicas spent most of their CPU being woken. Anything that arrives ends it.
	IdleTicksPerWake = 10
	// InstanceCheckInterval is how often a replica asks the others whether another process uses its key
	// (identity.go) during its first InstanceCheckFastFor and while it reports one; InstanceCheckIntervalSettled
	// otherwise (each check opens a stream to every other replica: every 5 s, that was a third of an idle
	// replica's CPU at n = 16). Another process counts if f+1 replicas saw it within InstanceSeenWindow (and
	// within the replica's uptime less InstanceGrace, so the process before a restart does not). A copy started
	// later finds the original within its own first minute.
	InstanceCheckInterval        = 5 * time.Second
	InstanceCheckIntervalSettled = 30 * time.Second
	InstanceCheckFastFor         = time.Minute
	InstanceSeenWindow           = 30 * time.Second
	InstanceGrace                = 10 * time.Second
	// SubscribersMax bounds the block subscriptions a replica serves at once; SubscribeQueueFrames the blocks
	// queued for one (each up to a batch, so a subscriber that does not read holds little); SubscriberStallTimeout
	// is how long the replica waits for a subscriber to make room before dropping it (subscribe.go).
	SubscribersMax         = 16
	SubscribeQueueFrames   = 4
	SubscriberStallTimeout = 10 * time.Second
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
	// VerifyBatchFill and VerifyBatchWait: intake waits up to VerifyBatchWait for a batch of VerifyBatchFill
	// signatures before it verifies fewer (a millisecond of latency for batches several times cheaper per
	// signature under load).
	VerifyBatchFill = 32
	VerifyBatchWait = time.Millisecond
	// VerifyBatchMax is the most client signatures checked in one batch verification.
	VerifyBatchMax = 256
	// ReadsQueuedMax bounds the proven reads waiting for the loop; more are answered busy at once.
	ReadsQueuedMax = 256
	// ReadAnswerTimeout is how long a read waits for the loop before it is answered busy.
	ReadAnswerTimeout = 2 * time.Second
	// DrainPerLoopMax bounds events handled before the driver processes a Ready, to keep latency bounded.
	DrainPerLoopMax = 4096
	// AnnounceQueueMax bounds checkpoint announcements waiting to be published.
	AnnounceQueueMax = 16
	// TickMsMin and TickMsMax bound Config.TickMs, the length of a consensus tick.
	TickMsMin = 1
	TickMsMax = 1000
	// StatusBodyBytesMax caps the status document served over HTTP.
	StatusBodyBytesMax = 1 << 20
	// HTTPReadHeaderTimeout guards the status server against slow clients.
	HTTPReadHeaderTimeout = 5 * time.Second
)
