package p2p

import (
	"bufio"
	"context"
	"math/rand/v2"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/wire/proto"
)

// StartMesh starts the replica mesh: an outbound writer per other replica and the inbound handler. handler
// is called on the reader goroutine of the sending peer's stream.
func (hs *Host) StartMesh(handler func(from uint32, frame []byte)) {
	hs.mu.Lock()
	hs.handler = handler
	for i, r := range hs.cfg.Replicas {
		if r.ID != hs.h.ID() {
			hs.queues[uint32(i)] = make(chan []byte, OutboundQueueFramesMax)
		}
	}
	hs.mu.Unlock()
	hs.h.SetStreamHandler(ProtocolID(hs.cfg.ChainID, proto.MeshProtocol), hs.serveMesh)
	hs.HandleRequest(proto.InstancesProtocol, RequestBounds{AnswerBytesMax: proto.InstancesAnswerBytesMax, ReplicasOnly: true}, hs.serveInstances)
	for i, r := range hs.cfg.Replicas {
		if r.ID != hs.h.ID() {
			hs.track(func() { hs.writeMesh(uint32(i), r.ID, hs.queues[uint32(i)]) })
		}
	}
}

// Send queues frame for replica `to`; it never blocks and reports false when the frame was dropped.
func (hs *Host) Send(to uint32, frame []byte) bool {
	q := hs.queues[to]
	if q == nil {
		return false
	}
	select {
	case q <- frame:
		return true
	default:
		hs.metrics.frame(droppedVec, to)
		return false
	}
}

// Broadcast queues frame for every other replica.
func (hs *Host) Broadcast(frame []byte) {
	for to := range hs.queues {
		hs.Send(to, frame)
	}
}

// writeMesh keeps a stream to one replica open and writes its queue into it, redialling with backoff.
func (hs *Host) writeMesh(idx uint32, id peer.ID, q chan []byte) {
	backoff := RedialBackoffMin
	for hs.ctx.Err() == nil {
		ctx, cancel := context.WithTimeout(hs.ctx, DialTimeout)
		s, err := hs.h.NewStream(ctx, id, ProtocolID(hs.cfg.ChainID, proto.MeshProtocol))
		cancel()
		if err != nil {
			hs.log.Debug("replica unreachable", "replica", idx, "err", err, "retry_in", backoff)
			if !sleepCtx(hs.ctx, jitter(backoff)) {
				return
			}
			backoff = min(2*backoff, RedialBackoffMax)
			continue
		}
		backoff = RedialBackoffMin
		hs.log.Debug("mesh stream open", "replica", idx)
		if err := hs.pump(idx, s, q); err != nil {
			hs.log.Debug("mesh stream broke", "replica", idx, "err", err)
		}
		s.Reset()
	}
}

// pump writes queued frames to s until a write fails or the host closes.
func (hs *Host) pump(idx uint32, s network.Stream, q chan []byte) error {
	w := bufio.NewWriterSize(s, MeshBufferBytes)
	s.SetWriteDeadline(time.Now().Add(StreamWriteTimeout))
	if err := WriteFrame(w, proto.EncodeMeshHello(hs.instance)); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for {
		select {
		case <-hs.ctx.Done():
			return hs.ctx.Err()
		case f := <-q:
			s.SetWriteDeadline(time.Now().Add(StreamWriteTimeout))
			if err := WriteFrame(w, f); err != nil {
				return err
			}
			hs.metrics.frame(sentVec, idx)
			// Coalesce what is already queued into one flush.
			for more := len(q); more > 0; more-- {
				f = <-q
				if err := WriteFrame(w, f); err != nil {
					return err
				}
				hs.metrics.frame(sentVec, idx)
			}
			if err := w.Flush(); err != nil {
				return err
			}
		}
	}
}

// serveMesh reads an inbound mesh stream from a replica.
func (hs *Host) serveMesh(s network.Stream) {
	if !hs.allowStream(s, true) || !hs.enter() {
		s.Reset()
		return
	}
	defer hs.wg.Done()
	defer s.Reset()
	from := hs.byID[s.Conn().RemotePeer()]
	hs.replaceInbound(from, s)
	defer hs.dropInbound(from, s)
	r := bufio.NewReaderSize(s, MeshBufferBytes)
	for first := true; ; {
		s.SetReadDeadline(time.Now().Add(MeshIdleTimeout))
		f, err := ReadFrame(r, MeshFrameBytesMax)
		if err != nil {
			hs.log.Debug("mesh stream closed", "replica", from, "err", err)
			return
		}
		if id, ok := proto.DecodeMeshHello(f); ok {
			if first {
				hs.noteInstance(from, id, 1)
				defer hs.noteInstance(from, id, -1)
			}
			first = false
			continue // a hello is only counted as a stream's first frame
		}
		first = false
		hs.metrics.frame(receivedVec, from)
		hs.handler(from, f)
	}
}

// replaceInbound makes s the one inbound mesh stream of replica `from`, resetting the one before: a replica
// (even a byzantine one) holds at most one reader goroutine and one frame buffer here. An honest replica opens
// a new stream only after its old one broke.
func (hs *Host) replaceInbound(from uint32, s network.Stream) {
	hs.mu.Lock()
	old := hs.inbound[from]
	hs.inbound[from] = s
	hs.mu.Unlock()
	if old != nil {
		hs.metrics.rejected("mesh_stream_replaced")
		old.Reset()
	}
}

func (hs *Host) dropInbound(from uint32, s network.Stream) {
	hs.mu.Lock()
	if hs.inbound[from] == s {
		delete(hs.inbound, from)
	}
	hs.mu.Unlock()
}

func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(rand.Int64N(int64(d)))
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
