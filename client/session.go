package client

import (
	"context"
	"fmt"

	"github.com/sbftnet/sbft/p2p"
)

// send writes frame on the session to replica i, opening it first if needed.
func (c *Client) send(ctx context.Context, i uint32, frame []byte) error {
	s, err := c.session(ctx, i)
	if err != nil {
		return err
	}
	if err := s.Send(frame); err != nil {
		c.drop(i, s)
		return fmt.Errorf("replica %d: %w", i, err)
	}
	return nil
}

// session returns the open session to replica i, opening one (only one at a time) when there is none.
func (c *Client) session(ctx context.Context, i uint32) (p2p.Session, error) {
	for {
		c.mu.Lock()
		if s := c.conns[i]; s != nil {
			c.mu.Unlock()
			return s, nil
		}
		if wait := c.opening[i]; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		wait := make(chan struct{})
		c.opening[i] = wait
		c.mu.Unlock()

		s, err := c.host.OpenSession(ctx, c.ids[i].ID, SessionName, ReplyFrameBytesMax)
		c.mu.Lock()
		c.opening[i] = nil
		if err == nil {
			c.conns[i] = s
			c.wg.Add(1)
			go c.readReplies(i, s)
		}
		c.mu.Unlock()
		close(wait)
		if err != nil {
			return nil, fmt.Errorf("open session to replica %d: %w", i, err)
		}
		return s, nil
	}
}

func (c *Client) drop(i uint32, s p2p.Session) {
	c.mu.Lock()
	if c.conns[i] == s {
		c.conns[i] = nil
	}
	c.mu.Unlock()
	s.Close()
}

// readReplies routes replies on replica i's session to their calls. The replica index comes from the session,
// never from the reply, so a replica cannot vote twice.
func (c *Client) readReplies(i uint32, s p2p.Session) {
	defer c.wg.Done()
	for {
		frame, err := s.Recv()
		if err != nil {
			c.drop(i, s)
			c.resendAll(i, err)
			return
		}
		r, err := DecodeReply(frame)
		if err != nil {
			c.log.Warn("bad reply from replica", "replica", i, "err", err)
			continue
		}
		c.record(r.TxHash, i, r, nil)
	}
}

// resendAll sends the calls still waiting on replica i again on a new session (the replica answers a copy of
// an executed transaction with its result, so a resend is harmless), and marks them failed for replica i
// once they were resent SessionResendsMax times or no session can be opened.
func (c *Client) resendAll(i uint32, cause error) {
	c.mu.Lock()
	var hs [][32]byte
	var frames [][]byte
	for h, cl := range c.calls {
		if _, ok := cl.replies[i]; ok || cl.outcome != nil || cl.err != nil {
			continue
		}
		if cl.resent[i] >= SessionResendsMax {
			cl.failed[i] = cause
			continue
		}
		cl.resent[i]++
		hs, frames = append(hs, h), append(frames, cl.frame)
	}
	c.mu.Unlock()
	if len(hs) == 0 || c.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, ResendTimeout)
	defer cancel()
	for k, f := range frames {
		if err := c.send(ctx, i, f); err != nil {
			for _, h := range hs[k:] {
				c.record(h, i, nil, err)
			}
			return
		}
	}
}
