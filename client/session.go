package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/wire"
)

// queued is a transaction waiting for its session to a replica to open.
type queued struct {
	h     [32]byte
	frame []byte
}

// sendOrQueue sends frame to replica i on its open session, or queues it (in order) while one session is being
// opened, or fails at once while the replica is known to be unreachable. It never blocks on the network, so one
// dead replica cannot hold up the others.
func (c *Client) sendOrQueue(i uint32, h [32]byte, frame []byte) {
	c.mu.Lock()
	if s := c.conns[i]; s != nil {
		c.mu.Unlock()
		err := s.Send(frame)
		switch {
		case errors.Is(err, p2p.ErrQueueFull):
			// This client offers more than the session carries: the same as a busy replica (retried later,
			// then ErrBusy), not a broken session whose resends would add to the load.
			c.record(h, i, &wire.Reply{TxHash: h, Replica: i, Status: wire.StatusRejected, Reject: wire.RejectBusy,
				Message: "client send queue full"}, nil)
		case err != nil:
			c.drop(i, s)
			c.record(h, i, nil, fmt.Errorf("replica %d: %w", i, err))
		}
		return
	}
	var err error
	switch {
	case time.Now().Before(c.downUntil[i]):
		err = fmt.Errorf("replica %d unreachable", i)
	case len(c.backlog[i]) >= SessionBacklogMax:
		err = fmt.Errorf("replica %d: %d transactions already wait for its session", i, SessionBacklogMax)
	default:
		c.backlog[i] = append(c.backlog[i], queued{h: h, frame: frame})
		if c.opening[i] == nil {
			c.opening[i] = make(chan struct{})
			c.wg.Add(1)
			go c.openAndFlush(i)
		}
	}
	c.mu.Unlock()
	if err != nil {
		c.record(h, i, nil, err)
	}
}

// openAndFlush opens the session to replica i and sends what queued meanwhile, in order.
func (c *Client) openAndFlush(i uint32) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(c.ctx, SessionOpenTimeout)
	defer cancel()
	s, err := c.host.OpenSession(ctx, c.ids[i].ID, wire.TxSession, wire.TxSessionAnswerBytesMax, SessionQueueFramesMax)
	var failed []queued
	c.mu.Lock()
	backlog := c.backlog[i]
	c.backlog[i] = nil
	wait := c.opening[i]
	c.opening[i] = nil
	if err != nil {
		err = fmt.Errorf("open session to replica %d: %w", i, err)
		c.downUntil[i] = time.Now().Add(SessionRetryBackoff)
		failed = backlog
	} else {
		c.conns[i] = s
		c.wg.Add(1)
		go c.readReplies(i, s)
		// Under the lock: nothing sent after the session became visible overtakes the backlog.
		for k, q := range backlog {
			if serr := s.Send(q.frame); serr != nil {
				err, failed = serr, backlog[k:]
				break
			}
		}
	}
	c.mu.Unlock()
	close(wait)
	for _, q := range failed {
		c.record(q.h, i, nil, err)
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
		if wire.IsBlockReply(frame) {
			c.onBlockReply(i, frame)
			continue
		}
		r, err := wire.DecodeReply(frame)
		if err != nil {
			c.log.Warn("bad reply from replica", "replica", i, "err", err)
			continue
		}
		if r.Status == wire.StatusProven {
			if !c.undecided(r.TxHash) {
				continue // decided already: no pairing to spend
			}
			res, err := c.proofs.Verify(r.TxHash, r)
			if err != nil {
				c.log.Warn("bad execution proof from replica", "replica", i, "err", err)
				continue
			}
			c.acceptProven(res)
			continue
		}
		if c.requireProof && r.Status == wire.StatusCommitted {
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
		if !cl.route.Waiting(i) {
			continue
		}
		if !cl.route.SentAll() || cl.resent[i] >= SessionResendsMax {
			// The session to the only replica asked broke, and that replica may be down (a primary killed under
			// load): the transaction goes to every replica now rather than after the resend timeout.
			c.follow(h, cl, cl.route.Fail(i, cause))
			continue
		}
		cl.resent[i]++
		hs, frames = append(hs, h), append(frames, cl.frame)
	}
	c.mu.Unlock()
	if c.ctx.Err() != nil {
		return
	}
	for k := range hs {
		c.sendOrQueue(i, hs[k], frames[k])
	}
}

// onBlockReply takes replica i's answer about one block: the results of this client's undecided calls in it are
// accepted once the block's certificate (checked once per block, cached) and each result's path verify. The
// replica's view of the primary becomes where new transactions go.
func (c *Client) onBlockReply(i uint32, frame []byte) {
	br, err := wire.DecodeBlockReply(frame)
	if err != nil {
		c.log.Warn("bad block reply from replica", "replica", i, "err", err)
		return
	}
	results, err := c.proofs.VerifyBlockReply(br, c.undecided)
	if err != nil {
		c.log.Warn("bad execution proof from replica", "replica", i, "err", err)
	}
	if len(results) > 0 && int(br.Primary) < len(c.ids) {
		c.mu.Lock()
		c.primary = br.Primary
		c.mu.Unlock()
	}
	for _, res := range results {
		c.acceptProven(res)
	}
}
