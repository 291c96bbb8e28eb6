package clientnode

import "time"

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

// HTTPReadHeaderTimeout guards the client node's HTTP server against slow clients.
const HTTPReadHeaderTimeout = 5 * time.Second
