package p2p

import "time"

// Size bounds of the p2p layer.
const (
	// MeshFrameBytesMax caps one consensus frame (a full batch with its certificate fits).
	MeshFrameBytesMax = 32 << 20
	// OutboundQueueFramesMax bounds the frames queued for one replica; a full queue drops the new frame.
	OutboundQueueFramesMax = 8192
	// MeshInboundStreamsPerReplicaMax bounds the concurrent inbound mesh streams (and reader goroutines) of one
	// replica: one is normal, a few overlap while a replica reconnects.
	MeshInboundStreamsPerReplicaMax = 4
	// SessionQueueFramesMax bounds the frames queued on one session.
	SessionQueueFramesMax = 16384
	// ClientConnsMax bounds inbound connections from peers that are not replicas.
	ClientConnsMax = 512
	// ReplicaConnsSlack is the room, per replica, the resource manager keeps for replica connections on top of
	// ClientConnsMax (a replica may briefly hold a TCP and a QUIC connection, in both directions).
	ReplicaConnsSlack = 4
	// DialAllowedPeersMax bounds the non-replica peers this host was asked to dial (Connect, OpenSession,
	// Request); beyond it an arbitrary earlier permission is forgotten.
	DialAllowedPeersMax = 1024
	// ErrorMessageBytesMax caps an error message sent back to a requester.
	ErrorMessageBytesMax = 512
	// StreamBufferBytes sizes the buffered reader and writer of a mesh stream.
	StreamBufferBytes = 64 << 10
)

// Connection manager watermarks: trimming only starts past every client the gater admits; replicas are
// protected and never trimmed.
const (
	ConnMgrLowWater    = ClientConnsMax
	ConnMgrHighWater   = ClientConnsMax + ClientConnsMax/4
	ConnMgrGracePeriod = time.Minute
)

// Timeouts of the p2p layer.
const (
	// MeshIdleTimeout resets a mesh stream that carried nothing for this long (replicas send heartbeats).
	MeshIdleTimeout = 30 * time.Second
	// SessionIdleTimeout ends a session with no frame for this long.
	SessionIdleTimeout = 2 * time.Minute
	// StreamReadTimeout and StreamWriteTimeout bound reading one request and writing one batch of frames.
	StreamReadTimeout  = 10 * time.Second
	StreamWriteTimeout = 10 * time.Second
	// RequestTimeout bounds a whole request when the caller's context has no deadline.
	RequestTimeout = 30 * time.Second
	// DialTimeout bounds opening one mesh stream (dial, handshake, protocol negotiation).
	DialTimeout = 5 * time.Second
	// RedialBackoffMin and RedialBackoffMax bound the wait between attempts to reach a replica.
	RedialBackoffMin = 100 * time.Millisecond
	RedialBackoffMax = 5 * time.Second
)

// timeouts are the durations a Host runs with: the constants above, or shorter ones set by tests through
// Config.timeouts.
type timeouts struct {
	meshIdle, sessionIdle     time.Duration
	streamRead, streamWrite   time.Duration
	request, dial             time.Duration
	backoffMin, backoffMax    time.Duration
}

func defaultTimeouts() timeouts {
	return timeouts{
		meshIdle: MeshIdleTimeout, sessionIdle: SessionIdleTimeout,
		streamRead: StreamReadTimeout, streamWrite: StreamWriteTimeout,
		request: RequestTimeout, dial: DialTimeout,
		backoffMin: RedialBackoffMin, backoffMax: RedialBackoffMax,
	}
}
