package p2p

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/sbftnet/sbft/mutant"
)

// ErrRemote wraps an error the remote handler reported.
var ErrRemote = errors.New("remote error")

// Response frames start with a status byte.
const (
	respOK    byte = 0
	respError byte = 1
	respBusy  byte = 2 // the answerer's answer budget is spent: ask another, or later (ErrBusy)
)

// RequestBounds are what a request protocol may cost the host that serves it.
type RequestBounds struct {
	RequestBytesMax int // a longer request is refused before it is read
	// AnswerBytesMax is the largest answer the handler builds: reserved in the host's answer budget before the
	// handler runs, shrunk to the answer's size once built, released when its last byte is written.
	AnswerBytesMax int
	ReplicasOnly   bool // peers outside the genesis are refused
}

// HandleRequest serves protocol name: one request frame in, one response frame out, deadlines on each phase.
// A handler error goes back to the requester as an error frame; a handler panic is recovered and logged. A
// request that finds no room in the answer budget is answered busy (replicas wait AnswerBudgetWaitReplica
// first) and the handler does not run.
func (hs *Host) HandleRequest(name string, b RequestBounds, fn func(from peer.ID, req []byte) ([]byte, error)) {
	hs.HandleRequestParts(name, b, func(from peer.ID, req []byte) ([][]byte, error) {
		out, err := fn(from, req)
		return [][]byte{out}, err
	})
}

// HandleRequestParts is HandleRequest for a handler that answers in parts (the blocks it read, as they are):
// the parts are written one after the other as one answer, never joined into a copy.
func (hs *Host) HandleRequestParts(name string, b RequestBounds, fn func(from peer.ID, req []byte) ([][]byte, error)) {
	hs.h.SetStreamHandler(ProtocolID(hs.cfg.ChainID, name), func(s network.Stream) {
		if !hs.allowStream(s, b.ReplicasOnly) || !hs.enter() {
			s.Reset()
			return
		}
		defer hs.wg.Done()
		s.SetReadDeadline(time.Now().Add(StreamReadTimeout))
		req, err := ReadFrame(s, b.RequestBytesMax)
		if err != nil {
			hs.log.Debug("bad request", "protocol", name, "peer", s.Conn().RemotePeer(), "err", err)
			s.Reset()
			return
		}
		// No CloseRead before answering: on QUIC it sends STOP_SENDING, which can race the requester's FIN
		// and reset the stream it waits on for the response (seen in e2e as "stream reset (remote)").
		from := s.Conn().RemotePeer()
		r, err := hs.reserveAnswer(from, 1+max(b.AnswerBytesMax, ErrorMessageBytesMax))
		if err != nil {
			hs.peerLog.Warn("answer_budget", "answered a request busy: the answer budget is spent", "peer", from, "protocol", name, "err", err)
			hs.metrics.rejected("answer_budget")
			_, msg := errorAnswer(err.Error())
			hs.writeAnswer(s, respBusy, msg...)
			return
		}
		defer r.release()
		status, out := hs.callHandler(name, from, req, fn)
		if mutant.On(mutant.AnswerBudgetEarly) {
			r.release()
		}
		size := partsBytes(out)
		if size > b.AnswerBytesMax && status == respOK {
			hs.log.Error("request handler built an answer over its protocol's bound", "protocol", name, "bytes", size, "max", b.AnswerBytesMax)
			status, out = errorAnswer(fmt.Sprintf("internal error in %s handler: answer too large", name))
		}
		r.shrink(1 + partsBytes(out))
		hs.writeAnswer(s, status, out...)
	})
}

func partsBytes(parts [][]byte) int {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	return n
}

// reserveAnswer takes room for an answer of up to bytes to peer p: replicas may wait for it, others may not.
func (hs *Host) reserveAnswer(p peer.ID, bytes int) (*reservation, error) {
	kind := hs.kindOf(p)
	wait := time.Duration(0)
	if kind == KindReplica {
		wait = AnswerBudgetWaitReplica
	}
	ctx, cancel := context.WithTimeout(hs.ctx, wait)
	defer cancel()
	return hs.answers.reserve(ctx, p, kind, bytes)
}

// writeAnswer writes one response frame, the status byte and the parts, without joining them, within a
// deadline that grows with its size (a reader slower than AnswerReadBytesPerSecondMin is cut off), and closes
// the stream. Small parts are coalesced in a buffer; large ones go to the stream as they are.
func (hs *Host) writeAnswer(s network.Stream, status byte, parts ...[]byte) {
	size := 1 + partsBytes(parts)
	s.SetWriteDeadline(time.Now().Add(answerWriteTimeout(size)))
	w := bufio.NewWriterSize(s, min(size+binary.MaxVarintLen64, AnswerWriteBufferBytes)) // small answers: a small buffer
	var hdr [binary.MaxVarintLen64 + 1]byte
	k := binary.PutUvarint(hdr[:], uint64(size))
	hdr[k] = status
	_, err := w.Write(hdr[:k+1])
	for _, p := range parts {
		if err == nil {
			_, err = w.Write(p)
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		s.Reset()
		return
	}
	s.Close()
}

// answerWriteTimeout is the write deadline of an answer of size bytes.
func answerWriteTimeout(size int) time.Duration {
	return StreamWriteTimeout + time.Duration(size)*time.Second/AnswerReadBytesPerSecondMin
}

func (hs *Host) callHandler(name string, from peer.ID, req []byte, fn func(peer.ID, []byte) ([][]byte, error)) (status byte, resp [][]byte) {
	defer func() {
		if r := recover(); r != nil {
			hs.log.Error("request handler panicked", "protocol", name, "peer", from, "panic", r)
			status, resp = errorAnswer(fmt.Sprintf("internal error in %s handler", name))
		}
	}()
	out, err := fn(from, req)
	if err != nil {
		return errorAnswer(err.Error())
	}
	return respOK, out
}

func errorAnswer(msg string) (byte, [][]byte) {
	if len(msg) > ErrorMessageBytesMax {
		msg = msg[:ErrorMessageBytesMax]
	}
	return respError, [][]byte{[]byte(msg)}
}

// Request sends req to peer `to` on protocol name and returns the response (at most maxResp bytes).
func (hs *Host) Request(ctx context.Context, to peer.ID, name string, req []byte, maxResp int) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, RequestTimeout)
		defer cancel()
	}
	s, err := hs.h.NewStream(ctx, to, ProtocolID(hs.cfg.ChainID, name))
	if err != nil {
		return nil, fmt.Errorf("open %s request: %w", name, err)
	}
	defer s.Close()
	dl, _ := ctx.Deadline()
	s.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { s.Reset() })
	defer stop()
	if err := WriteFrame(s, req); err != nil {
		s.Reset()
		return nil, fmt.Errorf("%s request: %w", name, err)
	}
	s.CloseWrite()
	resp, err := ReadFrame(s, maxResp+1)
	if err != nil {
		s.Reset()
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%s response: %w", name, err)
	}
	if len(resp) == 0 {
		return nil, fmt.Errorf("%s response: empty frame", name)
	}
	switch resp[0] {
	case respOK:
		return resp[1:], nil
	case respBusy:
		return nil, fmt.Errorf("%w: %s", ErrBusy, resp[1:])
	case respError:
		return nil, fmt.Errorf("%w: %s", ErrRemote, resp[1:])
	}
	return nil, fmt.Errorf("%s response: unknown status %d", name, resp[0])
}

// HandleDocument serves doc (the genesis) to anyone as one frame on the full protocol ID id. The document is
// shared, never copied, but each stream that carries it counts its size against the answer budget until
// written, as any answer does: a peer that opens streams and never reads holds budget, not memory beyond it.
func (hs *Host) HandleDocument(id string, doc []byte) {
	hs.h.SetStreamHandler(protocol.ID(id), func(s network.Stream) {
		if !hs.enter() {
			s.Reset()
			return
		}
		defer hs.wg.Done()
		from := s.Conn().RemotePeer()
		r, err := hs.reserveAnswer(from, len(doc))
		if err != nil {
			hs.metrics.rejected("answer_budget")
			s.Reset()
			return
		}
		defer r.release()
		s.SetWriteDeadline(time.Now().Add(answerWriteTimeout(len(doc))))
		if err := WriteFrame(s, doc); err != nil {
			hs.log.Debug("serve document", "protocol", id, "peer", from, "err", err)
			s.Reset()
			return
		}
		s.Close()
	})
}
