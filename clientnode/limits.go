package clientnode

import "time"

// Bounds of a client node (clientnode.go, follow.go, http.go).
const (
	// CatchUpBlocks: a client node this far behind what the network certified catches up by the parallel
	// fetch instead of one replica's subscription.
	CatchUpBlocks = 512
	// SourceStallTimeout: a source that sends no block for this long while the network certified higher ones
	// withholds them, and is dropped for WithholdPenalty.
	SourceStallTimeout = 5 * time.Second
	WithholdPenalty    = 30 * time.Second
	// BadSourcePenalty: a source that sent a forged, out-of-order or unproven block is not followed
	// again for this long.
	BadSourcePenalty = 5 * time.Minute
	// SourceRetryInterval: a source whose subscription failed otherwise is tried again after this.
	SourceRetryInterval = time.Second
	// SubscribeOpenTimeout bounds opening a subscription.
	SubscribeOpenTimeout = 5 * time.Second
	// FramesQueuedMax bounds pushed frames read and not yet applied (each up to wire.SubscribedFrameBytesMax,
	// about 16 MiB: a source can hold at most a few of those in a client node's memory).
	FramesQueuedMax = 2
	// HeadsPollInterval: how often a client node asks every replica for its latest certified height.
	HeadsPollInterval = 2 * time.Second
	// BlockStreamsMax bounds the block streams a client node serves at once; BlockStreamWriteTimeout drops a
	// reader that takes no data for this long.
	BlockStreamsMax         = 16
	BlockStreamWriteTimeout = 10 * time.Second
	// HealthLagBlocksMax: a client node further behind what the network certified answers 503 on /health.
	HealthLagBlocksMax = CatchUpBlocks
)

// HTTPReadHeaderTimeout guards the client node's HTTP server against slow clients.
const HTTPReadHeaderTimeout = 5 * time.Second
