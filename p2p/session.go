package p2p

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Session is a long-lived bidirectional framed stream.
type Session interface {
	Remote() peer.ID
	Recv() ([]byte, error)   // next frame, within SessionIdleTimeout
	Send(frame []byte) error // queues; ErrQueueFull when the queue is full, ErrClosed after Close
	// SendWait queues frame, waiting up to timeout for room (a reader that keeps up gets everything);
	// ErrQueueFull after timeout.
	SendWait(frame []byte, timeout time.Duration) error
	// SendBuilt reserves bytesMax in the answer budget (on a served session), builds the frame, and queues it
	// as SendWait does, all within timeout: a frame larger than bytesMax is an error and is not sent.
	SendBuilt(bytesMax int, timeout time.Duration, build func() ([]byte, error)) error
	// Skip reads the payload of a frame Recv refused as too large (FrameTooLargeError) into w (nil: dropped),
	// so the session can go on; a payload above SessionSkipBytesMax is refused (close the session then).
	Skip(e *FrameTooLargeError, w io.Writer) error
	Close() error
}

type session struct {
	hs       *Host
	s        network.Stream
	r        *bufio.Reader
	maxFrame int
	out      chan queuedFrame
	budget   *answerBudget // non-nil on a session this host serves: queued frames count against it
	done     chan struct{}
	once     sync.Once
	writerWG sync.WaitGroup
}

// queuedFrame is a frame waiting for the writer, with the budget it holds (nil: none).
type queuedFrame struct {
	frame []byte
	held  *reservation
}

func (hs *Host) newSession(s network.Stream, maxFrame, queueFrames int, budget *answerBudget) (*session, error) {
	ss := &session{hs: hs, s: s, r: bufio.NewReader(s), maxFrame: maxFrame,
		out: make(chan queuedFrame, queueFrames), done: make(chan struct{}), budget: budget}
	hs.mu.Lock()
	if hs.closed {
		hs.mu.Unlock()
		s.Reset()
		return nil, ErrClosed
	}
	hs.sessions[ss] = struct{}{}
	ss.writerWG.Add(1)
	hs.mu.Unlock()
	go ss.write()
	return ss, nil
}

func (ss *session) Remote() peer.ID { return ss.s.Conn().RemotePeer() }

func (ss *session) Recv() ([]byte, error) {
	ss.s.SetReadDeadline(time.Now().Add(SessionIdleTimeout))
	return ReadFrame(ss.r, ss.maxFrame)
}

func (ss *session) Skip(e *FrameTooLargeError, w io.Writer) error {
	if e.Size > SessionSkipBytesMax {
		return fmt.Errorf("%w: %d bytes, more than %d to skip", ErrFrameTooLarge, e.Size, SessionSkipBytesMax)
	}
	if w == nil {
		w = io.Discard
	}
	ss.s.SetReadDeadline(time.Now().Add(StreamReadTimeout))
	if _, err := io.CopyN(w, ss.r, int64(e.Size)); err != nil {
		return fmt.Errorf("skip a frame of %d bytes: %w", e.Size, err)
	}
	return nil
}

func (ss *session) Send(frame []byte) error {
	r, err := ss.reserve(len(frame), 0)
	if err != nil {
		return err
	}
	return ss.enqueue(queuedFrame{frame, r}, 0)
}

func (ss *session) SendWait(frame []byte, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	r, err := ss.reserve(len(frame), timeout)
	if err != nil {
		return err
	}
	return ss.enqueue(queuedFrame{frame, r}, time.Until(deadline))
}

func (ss *session) SendBuilt(bytesMax int, timeout time.Duration, build func() ([]byte, error)) error {
	deadline := time.Now().Add(timeout)
	r, err := ss.reserve(bytesMax, timeout)
	if err != nil {
		return err
	}
	frame, err := build()
	if err == nil && len(frame) > bytesMax {
		err = fmt.Errorf("%w: a frame of %d bytes, %d reserved", ErrFrameTooLarge, len(frame), bytesMax)
	}
	if err != nil {
		r.release()
		return err
	}
	r.shrink(len(frame))
	return ss.enqueue(queuedFrame{frame, r}, time.Until(deadline))
}

// reserve takes bytes of the answer budget for a frame on a served session, waiting up to timeout; nil
// reservation on a session this host opened.
func (ss *session) reserve(bytes int, timeout time.Duration) (*reservation, error) {
	if ss.budget == nil {
		return nil, nil
	}
	if timeout <= 0 { // a reply on the hot path: no context, no timer
		if r, _ := ss.budget.tryReserve(ss.Remote(), ss.hs.kindOf(ss.Remote()), int64(bytes)); r != nil {
			return r, nil
		}
		return nil, fmt.Errorf("%w: %d bytes for %s", ErrBusy, bytes, ss.Remote())
	}
	ctx, cancel := context.WithTimeout(ss.hs.ctx, timeout)
	defer cancel()
	return ss.budget.reserve(ctx, ss.Remote(), ss.hs.kindOf(ss.Remote()), bytes)
}

// enqueue hands q to the writer, waiting up to wait for room; the frame's budget goes back when it cannot.
func (ss *session) enqueue(q queuedFrame, wait time.Duration) error {
	err := ss.offer(q)
	if errors.Is(err, ErrQueueFull) && wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case ss.out <- q:
			err = nil
		case <-ss.done:
			err = ErrClosed
		case <-t.C:
		}
	}
	if err != nil {
		q.held.release()
		return err
	}
	select {
	case <-ss.done: // closed as it was queued: Close may have drained before it arrived
		ss.drain()
	default:
	}
	return nil
}

func (ss *session) offer(q queuedFrame) error {
	select {
	case <-ss.done:
		return ErrClosed
	default:
	}
	select {
	case ss.out <- q:
		return nil
	case <-ss.done:
		return ErrClosed
	default:
		return ErrQueueFull
	}
}

// write writes queued frames, coalescing what is queued into one flush, within a deadline that grows with each
// frame's size; a frame's budget goes back once it is flushed to the stream.
func (ss *session) write() {
	defer ss.writerWG.Done()
	w := bufio.NewWriter(ss.s)
	var written []*reservation
	for {
		select {
		case <-ss.done:
			return
		case q := <-ss.out:
			err := ss.writeFrame(w, q.frame)
			written = append(written[:0], q.held)
			for more := len(ss.out); err == nil && more > 0; more-- {
				q = <-ss.out
				err = ss.writeFrame(w, q.frame)
				written = append(written, q.held)
			}
			if err == nil {
				err = w.Flush()
			}
			for _, r := range written {
				r.release()
			}
			if err != nil {
				ss.s.Reset()
				return
			}
		}
	}
}

func (ss *session) writeFrame(w io.Writer, f []byte) error {
	ss.s.SetWriteDeadline(time.Now().Add(answerWriteTimeout(len(f))))
	return WriteFrame(w, f)
}

func (ss *session) Close() error {
	ss.once.Do(func() {
		close(ss.done)
		ss.s.Reset()
		ss.writerWG.Wait()
		ss.drain()
		ss.hs.mu.Lock()
		delete(ss.hs.sessions, ss)
		ss.hs.mu.Unlock()
	})
	return nil
}

// drain gives back the budget of frames left queued by a closed session.
func (ss *session) drain() {
	for {
		select {
		case q := <-ss.out:
			q.held.release()
		default:
			return
		}
	}
}

// HandleSession serves sessions of protocol name; fn runs on its own goroutine per stream and the session is
// closed when fn returns.
func (hs *Host) HandleSession(name string, maxFrame, queueFrames int, replicasOnly bool, fn func(Session)) {
	hs.h.SetStreamHandler(ProtocolID(hs.cfg.ChainID, name), func(s network.Stream) {
		if !hs.allowStream(s, replicasOnly) || !hs.enter() {
			s.Reset()
			return
		}
		defer hs.wg.Done()
		p := s.Conn().RemotePeer()
		if !hs.takeSessionSlot(p) {
			hs.metrics.rejected("session_limit")
			hs.peerLog.Warn("session_limit", "refused a session: the peer has too many open", "peer", p, "max", SessionsPerPeerMax)
			s.Reset()
			return
		}
		defer hs.releaseSessionSlot(p)
		ss, err := hs.newSession(s, maxFrame, min(max(queueFrames, 1), ServedSessionQueueFramesMax), hs.answers)
		if err != nil {
			return
		}
		defer ss.Close()
		fn(ss)
	})
}

// takeSessionSlot counts an inbound session of peer p, or refuses one beyond SessionsPerPeerMax: each session
// holds a goroutine and a send queue, so their number per peer is bounded (and the peers by ClientConnsMax).
func (hs *Host) takeSessionSlot(p peer.ID) bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.sessionsByPeer[p] >= SessionsPerPeerMax {
		return false
	}
	hs.sessionsByPeer[p]++
	return true
}

func (hs *Host) releaseSessionSlot(p peer.ID) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.sessionsByPeer[p]--; hs.sessionsByPeer[p] <= 0 {
		delete(hs.sessionsByPeer, p)
	}
}

// OpenSession opens a session of protocol name to peer `to`; Send queues at most queueFrames frames (at most
// SessionQueueFramesMax): a sender that offers more than the stream carries hears ErrQueueFull soon.
func (hs *Host) OpenSession(ctx context.Context, to peer.ID, name string, maxFrame, queueFrames int) (Session, error) {
	s, err := hs.h.NewStream(ctx, to, ProtocolID(hs.cfg.ChainID, name))
	if err != nil {
		return nil, fmt.Errorf("open %s session: %w", name, err)
	}
	return hs.newSession(s, maxFrame, min(max(queueFrames, 1), SessionQueueFramesMax), nil)
}
