package p2p

import (
	"time"

	"github.com/sbftnet/sbft/wire/proto"
)

// Bounds and timeouts of the p2p layer.
const (
	// MeshFrameBytesMax caps one consensus frame: it must hold consensus.MessageBytesMax (a full batch with its
	// certificate, about 8.4 MiB; node/limits_test.go checks it); the rest is headroom for larger batch caps.
	MeshFrameBytesMax = 32 << 20
	// FrameChunkBytes: a frame up to this size is read into one buffer of its length; a larger one into chunks
	// that grow with the bytes that arrive (framing.go).
	FrameChunkBytes = 1 << 20
	// MeshBufferBytes is the read and write buffer of one mesh stream; writes of queued frames coalesce into it.
	MeshBufferBytes = 64 << 10
	// OutboundQueueFramesMax bounds the frames queued for one replica.
	OutboundQueueFramesMax = 8192
	// SessionQueueFramesMax bounds the frames queued on one session a host opens.
	SessionQueueFramesMax = 16384
	// ServedSessionQueueFramesMax bounds the frames queued on one session a host serves (a replica's replies to
	// one client); SessionsPerPeerMax bounds the sessions it serves to one peer. With ClientConnsMax peers, the
	// queues' slots take at most 512 x 4 x 4,096 x 24 bytes, about 200 MB.
	ServedSessionQueueFramesMax = 4096
	SessionsPerPeerMax          = 4
	// SessionSkipBytesMax is the largest refused frame a session reads past to answer it and go on (a client
	// that sent an oversized transaction hears why); a larger one ends the session.
	SessionSkipBytesMax = 4 << 20
	// MeshStreamsPerPeerMax and RequestStreamsPerPeerMax bound a peer's inbound streams of the consensus
	// protocol (one is used; a replacement may overlap a closing one) and of each request protocol, in libp2p's
	// resource manager (resources.go). The state-transfer fetcher keeps 2 requests in flight per source.
	MeshStreamsPerPeerMax    = 4
	RequestStreamsPerPeerMax = 8
	// BannedPeersMax bounds the peers banned at once (ban.go).
	BannedPeersMax = 4096
	// ClientConnsMax bounds inbound connections from peers that are not replicas.
	ClientConnsMax = 512
	// ErrorMessageBytesMax caps an error message sent back to a requester.
	ErrorMessageBytesMax = 512

	// Answers a host builds for peers (answerbudget.go): request answers and frames queued on served sessions
	// count from before they are built until their last byte is written. A replica peer may hold two of the
	// largest blocks answers (the state-transfer fetcher keeps 2 requests in flight per source) and replicas
	// together three such peers' worth; any other peer one blocks answer, and all of them together 128 MiB
	// (README, threat model). Answers over AnswerSmallBytesMax may not take a kind's last AnswerHeadroomBytes,
	// so that replies and reads go on while blocks are served.
	AnswerBytesPerReplicaMax   = 2*proto.BlocksAnswerBytesMax + AnswerHeadroomBytes
	AnswerBytesForReplicasMax  = 3 * AnswerBytesPerReplicaMax
	AnswerBytesPerOtherPeerMax = proto.BlocksAnswerBytesMax + AnswerHeadroomBytes
	AnswerBytesForOthersMax    = 128 << 20
	AnswerSmallBytesMax        = 1 << 20
	AnswerHeadroomBytes        = 8 << 20
	// AnswerBudgetWaitReplica is how long a replica's request waits for room in the budget before it is
	// answered busy; other peers are answered busy at once (they fetch from another replica).
	AnswerBudgetWaitReplica = 5 * time.Second
	// AnswerReadBytesPerSecondMin: a peer that reads an answer slower than this is cut off; an answer's write
	// deadline is StreamWriteTimeout plus its size at this rate.
	AnswerReadBytesPerSecondMin = 1 << 20
	// AnswerWriteBufferBytes coalesces the small parts of an answer into fewer stream writes.
	AnswerWriteBufferBytes = 64 << 10

	// MeshIdleTimeout resets a mesh stream that carried nothing for this long (replicas send heartbeats).
	MeshIdleTimeout = 30 * time.Second
	// SessionIdleTimeout ends a session with no frame for this long.
	SessionIdleTimeout = 2 * time.Minute
	// StreamReadTimeout and StreamWriteTimeout bound one request's read and one frame's write.
	StreamReadTimeout  = 10 * time.Second
	StreamWriteTimeout = 10 * time.Second
	// RequestTimeout bounds a whole request when the caller's context has no deadline.
	RequestTimeout = 30 * time.Second
	// DialFallbackDelay is how long a dial waits for the preferred transport before it also tries a peer's
	// other addresses (Config.PreferTransport).
	DialFallbackDelay = 250 * time.Millisecond
	// DialTimeout bounds opening one mesh stream.
	DialTimeout = 5 * time.Second
	// RedialBackoffMin and RedialBackoffMax bound the wait between attempts to reach a replica.
	RedialBackoffMin = 100 * time.Millisecond
	RedialBackoffMax = 5 * time.Second

	// LogSampleInterval: events a peer causes are logged at most once this often per kind (logsample.go).
	LogSampleInterval = 10 * time.Second

	// GossipMessageBytesMax caps one gossipsub message (a checkpoint announcement is under 300 bytes).
	GossipMessageBytesMax = 4096
	// GossipValidateQueueMax bounds messages waiting for validation.
	GossipValidateQueueMax = 256
	// GossipValidateTimeout bounds one validation.
	GossipValidateTimeout = 2 * time.Second
)
