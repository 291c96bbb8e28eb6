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
	out      chan []byte
	done     chan struct{}
	once     sync.Once
	writerWG sync.WaitGroup
}

func (hs *Host) newSession(s network.Stream, maxFrame, queueFrames int) (*session, error) {
	ss := &session{hs: hs, s: s, r: bufio.NewReader(s), maxFrame: maxFrame,
		out: make(chan []byte, queueFrames), done: make(chan struct{})}
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

func (ss *session) SendWait(frame []byte, timeout time.Duration) error {
	if err := ss.Send(frame); !errors.Is(err, ErrQueueFull) {
		return err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case ss.out <- frame:
		return nil
	case <-ss.done:
		return ErrClosed
	case <-t.C:
		return ErrQueueFull
	}
}

func (ss *session) Send(frame []byte) error {
	select {
	case <-ss.done:
		return ErrClosed
	default:
	}
	select {
	case ss.out <- frame:
		return nil
	case <-ss.done:
		return ErrClosed
	default:
		return ErrQueueFull
	}
}

func (ss *session) write() {
	defer ss.writerWG.Done()
	w := bufio.NewWriter(ss.s)
	for {
		select {
		case <-ss.done:
			return
		case f := <-ss.out:
			ss.s.SetWriteDeadline(time.Now().Add(StreamWriteTimeout))
			err := WriteFrame(w, f)
			for more := len(ss.out); err == nil && more > 0; more-- {
				err = WriteFrame(w, <-ss.out)
			}
			if err == nil {
				err = w.Flush()
			}
			if err != nil {
				ss.s.Reset()
				return
			}
		}
	}
}

func (ss *session) Close() error {
	ss.once.Do(func() {
		close(ss.done)
		ss.s.Reset()
		ss.writerWG.Wait()
		ss.hs.mu.Lock()
		delete(ss.hs.sessions, ss)
		ss.hs.mu.Unlock()
	})
	return nil
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
		ss, err := hs.newSession(s, maxFrame, min(max(queueFrames, 1), ServedSessionQueueFramesMax))
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
	return hs.newSession(s, maxFrame, min(max(queueFrames, 1), SessionQueueFramesMax))
}
