package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// ErrRemote wraps an error the remote handler reported.
var ErrRemote = errors.New("remote error")

// Response frames start with a status byte.
const (
	respOK    byte = 0
	respError byte = 1
)

// HandleRequest serves protocol name: one request frame in, one response frame out, deadlines on each phase.
// A handler error goes back to the requester as an error frame; a handler panic is recovered and logged.
func (hs *Host) HandleRequest(name string, maxReq int, replicasOnly bool, fn func(from peer.ID, req []byte) ([]byte, error)) {
	hs.h.SetStreamHandler(ProtocolID(hs.cfg.ChainID, name), func(s network.Stream) {
		if !hs.allowStream(s, replicasOnly) || !hs.enter() {
			s.Reset()
			return
		}
		defer hs.wg.Done()
		s.SetReadDeadline(time.Now().Add(StreamReadTimeout))
		req, err := ReadFrame(s, maxReq)
		if err != nil {
			hs.log.Debug("bad request", "protocol", name, "peer", s.Conn().RemotePeer(), "err", err)
			s.Reset()
			return
		}
		// No CloseRead before answering: on QUIC it sends STOP_SENDING, which can race the requester's FIN
		// and reset the stream it waits on for the response (seen in e2e as "stream reset (remote)").
		resp := hs.callHandler(name, s.Conn().RemotePeer(), req, fn)
		s.SetWriteDeadline(time.Now().Add(StreamWriteTimeout))
		if err := WriteFrame(s, resp); err != nil {
			s.Reset()
			return
		}
		s.Close()
	})
}

func (hs *Host) callHandler(name string, from peer.ID, req []byte, fn func(peer.ID, []byte) ([]byte, error)) (resp []byte) {
	defer func() {
		if r := recover(); r != nil {
			hs.log.Error("request handler panicked", "protocol", name, "peer", from, "panic", r)
			resp = errorFrame(fmt.Sprintf("internal error in %s handler", name))
		}
	}()
	out, err := fn(from, req)
	if err != nil {
		return errorFrame(err.Error())
	}
	return append([]byte{respOK}, out...)
}

func errorFrame(msg string) []byte {
	if len(msg) > ErrorMessageBytesMax {
		msg = msg[:ErrorMessageBytesMax]
	}
	return append([]byte{respError}, msg...)
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
	if resp[0] == respError {
		return nil, fmt.Errorf("%w: %s", ErrRemote, resp[1:])
	}
	return resp[1:], nil
}
