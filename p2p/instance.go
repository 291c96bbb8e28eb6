package p2p

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/wire/proto"
)

// Process instances (wire/proto/instance.go): this host's instance ID opens every consensus stream it writes; the
// instances that opened streams here are remembered per replica, at most proto.InstancesMax each.

type instanceSeen struct {
	id   proto.InstanceID
	last time.Time // when a stream of it opened or closed
	open int       // its streams open now
}

func newInstanceID() proto.InstanceID {
	var id proto.InstanceID
	rand.Read(id[:])
	return id
}

// Instance is this process's instance ID.
func (hs *Host) Instance() proto.InstanceID { return hs.instance }

// noteInstance records that replica `from` opened (delta 1) or closed (delta -1) a consensus stream as
// instance id.
func (hs *Host) noteInstance(from uint32, id proto.InstanceID, delta int) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	list := hs.instances[from]
	for i := range list {
		if list[i].id == id {
			list[i].last, list[i].open = time.Now(), max(0, list[i].open+delta)
			return
		}
	}
	if delta < 0 {
		return
	}
	if len(list) >= proto.InstancesMax {
		oldest := 0
		for i := range list {
			if list[i].last.Before(list[oldest].last) {
				oldest = i
			}
		}
		list = append(list[:oldest], list[oldest+1:]...)
	}
	hs.instances[from] = append(list, instanceSeen{id: id, last: time.Now(), open: 1})
}

// serveInstances answers a replica with the instances of its own key seen here.
func (hs *Host) serveInstances(from peer.ID, _ []byte) ([]byte, error) {
	idx, ok := hs.byID[from]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotAllowed, from)
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	var out []proto.InstanceSeen
	for _, s := range hs.instances[idx] {
		age := time.Since(s.last)
		if s.open > 0 {
			age = 0
		}
		out = append(out, proto.InstanceSeen{ID: s.id, Age: age})
	}
	return proto.EncodeInstances(out), nil
}

// OtherInstances asks replica `to` which other processes of this host's key had consensus streams to it within
// `within` (less than this process's uptime, so that the process before a restart, whose stream this one's
// replaced, does not count).
func (hs *Host) OtherInstances(ctx context.Context, to peer.ID, within time.Duration) ([]proto.InstanceID, error) {
	resp, err := hs.Request(ctx, to, proto.InstancesProtocol, nil, 1+proto.InstancesMax*16)
	if err != nil {
		return nil, err
	}
	seen, err := proto.DecodeInstances(resp)
	if err != nil {
		return nil, err
	}
	var other []proto.InstanceID
	for _, s := range seen {
		if s.ID != hs.instance && s.Age < within {
			other = append(other, s.ID)
		}
	}
	return other, nil
}
