package replica

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// Traffic accounting: every frame a replica sends to or receives from another replica, counted by the role
// the replica plays for it and by message type. SBFT's claim is that communication grows linearly in n (a
// backup sends a constant number of messages per block, collectors and the primary O(n)); this measures it,
// per replica as metrics and per run in the simulator.

// Role is what a replica is for one frame: the view's primary, a collector of the frame's sequence number
// (fast-path shares, consensus.Collectors), or another backup.
type Role uint8

// Roles.
const (
	RolePrimary Role = iota
	RoleCollector
	RoleBackup
	RolesCount
)

func (r Role) String() string {
	switch r {
	case RolePrimary:
		return "primary"
	case RoleCollector:
		return "collector"
	}
	return "backup"
}

// TrafficKey names one count: direction, role and message type.
type TrafficKey struct {
	Sent bool
	Role Role
	Type consensus.MsgType
}

func (k TrafficKey) labels() []string {
	dir := "received"
	if k.Sent {
		dir = "sent"
	}
	return []string{dir, k.Role.String(), wire.FrameTypeName(k.Type)}
}

// trafficTypes are the frame types replicas exchange, for metrics that exist before the first frame.
var trafficTypes = []consensus.MsgType{consensus.MsgPrePrepare, consensus.MsgStatus, consensus.MsgCommitted,
	consensus.MsgPartialCommit, consensus.MsgFullCommit, consensus.MsgPreparePart, consensus.MsgPrepareFull,
	consensus.MsgCommitPart, consensus.MsgCommitFull, consensus.MsgCheckpoint, consensus.MsgComplain,
	consensus.MsgViewChange, consensus.MsgNewView, wire.FrameExecShare, wire.FrameRequest}

// TrafficTally is what was counted under one key: frames (one per recipient: a broadcast to n-1 replicas is
// n-1 frames) and their bytes.
type TrafficTally struct {
	Frames, Bytes uint64
	counters      [2]prometheus.Counter // the key's frames and bytes metrics (nil without metrics)
}

// Traffic counts one replica's frames. Safe for concurrent use: frames are received on stream goroutines.
type Traffic struct {
	id, n, c int
	view     atomic.Uint64 // the driver's current view: who the primary is
	metrics  *Metrics
	mu       sync.Mutex
	by       map[TrafficKey]TrafficTally
}

// NewTraffic starts the account of replica id in a network of n replicas with c; m may be nil.
func NewTraffic(id uint32, n, c int, m *Metrics) *Traffic {
	return &Traffic{id: int(id), n: n, c: c, metrics: m, by: make(map[TrafficKey]TrafficTally, 32)}
}

// Received counts a frame another replica sent this one.
func (t *Traffic) Received(frame []byte) { t.count(false, frame, 1) }

// Snapshot copies the counts.
func (t *Traffic) Snapshot() map[TrafficKey]TrafficTally {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[TrafficKey]TrafficTally, len(t.by))
	for k, v := range t.by {
		out[k] = v
	}
	return out
}

func (t *Traffic) count(sent bool, frame []byte, copies int) {
	typ, _, seq, ok := wire.PeekMessage(frame)
	if !ok || copies <= 0 {
		return
	}
	k := TrafficKey{Sent: sent, Role: t.roleFor(typ, seq), Type: typ}
	t.mu.Lock()
	v := t.by[k]
	if v.Frames == 0 {
		v.counters = t.metrics.trafficCounters(k) // looked up once per key, not per frame
	}
	v.Frames += uint64(copies)
	v.Bytes += uint64(copies * len(frame))
	t.by[k] = v
	t.mu.Unlock()
	if v.counters[0] != nil {
		v.counters[0].Add(float64(copies))
		v.counters[1].Add(float64(copies * len(frame)))
	}
}

// roleFor is this replica's role for a frame of type typ about sequence number seq in the current view. Only
// the fast path has collectors apart from the primary; for every other frame a replica is the primary or a
// backup.
func (t *Traffic) roleFor(typ consensus.MsgType, seq uint64) Role {
	view := t.view.Load()
	if uint64(t.id) == view%uint64(t.n) {
		return RolePrimary
	}
	if (typ == consensus.MsgPartialCommit || typ == consensus.MsgFullCommit) &&
		consensus.IsCollector(t.n, t.c, view, seq, consensus.ReplicaID(t.id)) {
		return RoleCollector
	}
	return RoleBackup
}

// countingTransport counts what a driver sends before handing it to the transport.
type countingTransport struct {
	Transport
	t *Traffic
}

func (ct countingTransport) Send(to uint32, frame []byte) bool {
	ok := ct.Transport.Send(to, frame)
	if ok {
		ct.t.count(true, frame, 1)
	}
	return ok
}

func (ct countingTransport) Broadcast(frame []byte) {
	ct.Transport.Broadcast(frame)
	ct.t.count(true, frame, ct.t.n-1)
}
