package node

import (
	"errors"
	"fmt"
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// registerIntake takes client transaction sessions: one submit frame at most per frame, replies queued per session.
func (n *Node) registerIntake() {
	n.host.HandleSession(wire.TxSession, wire.SubmitFrameBytesMax, p2p.ServedSessionQueueFramesMax, false, n.serveSession)
}

// sessionWaiter answers on a client's session; Send never blocks (a full queue drops the reply and the
// client's timeout handles it).
type sessionWaiter struct {
	s   p2p.Session
	log func(msg string, args ...any)
}

func (w *sessionWaiter) Deliver(r *wire.Reply) { w.send(r.Encode()) }

func (w *sessionWaiter) DeliverBlock(b *wire.BlockReply) {
	for _, f := range b.Encode() {
		w.send(f)
	}
}

func (w *sessionWaiter) send(frame []byte) {
	if err := w.s.Send(frame); err != nil {
		w.log("reply to client dropped", "peer", w.s.Remote(), "err", err)
	}
}

// intakeCheck is the per-submission check this node shares with the simulator (replica.IntakeChecker).
func (n *Node) intakeCheck() replica.IntakeChecker {
	return replica.IntakeChecker{ChainID: n.opts.Genesis.ChainID, ID: n.id}
}

// serveSession reads a client's transactions, checks format and signature here (in parallel across clients),
// and hands admitted ones to the driver.
func (n *Node) serveSession(s p2p.Session) {
	w := &sessionWaiter{s: s, log: n.log.Debug}
	check := n.intakeCheck()
	for {
		reject := func(h [32]byte, r wire.Reject, msg string) { w.Deliver(check.Reject(h, r, msg)) }
		frame, err := s.Recv()
		arrived := time.Now()
		var big *p2p.FrameTooLargeError
		if errors.As(err, &big) {
			// Read past it and say why, rather than end the session and every transaction on it.
			hs := wire.NewSubmitHasher()
			if s.Skip(big, hs) != nil {
				return
			}
			n.metrics.Rejected(wire.RejectTooLarge)
			reject(hs.Sum(), wire.RejectTooLarge, fmt.Sprintf("submit frame of %d bytes: a transaction may have at most %d bytes (values at most %d)",
				big.Size, chain.TxBytesMax, chain.ValueBytesMax))
			continue
		}
		if err != nil {
			return
		}
		in, rej := check.Decode(frame, w, arrived)
		if rej != nil {
			w.Deliver(rej)
			continue
		}
		hash := in.Hash
		if n.txsChecked.Has(hash) {
			n.admit(in)
			continue
		}
		if !n.txRate.take(s.Remote()) {
			n.metrics.Rejected(wire.RejectBusy)
			reject(hash, wire.RejectBusy, fmt.Sprintf("this client is over its rate: at most %d transactions a second", ClientTxPerPeerRate))
			continue
		}
		if n.driver.Busy() {
			// Refused before its signature is checked: under overload verification must not eat the
			// capacity left for the transactions already queued.
			n.metrics.Rejected(wire.RejectBusy)
			reject(hash, wire.RejectBusy, "network busy; try again later")
			continue
		}
		select {
		case n.unverified <- in:
		default:
			reject(hash, wire.RejectBusy, "signature verification queue full")
		}
	}
}

// fillBatch adds to batch what waits, and when that leaves it under VerifyBatchFill, what arrives within
// VerifyBatchWait: a batch verification costs 57 µs a signature alone and about 15 in dozens, so under load a
// moment's wait for more is cheaper than verifying each as it comes.
func (n *Node) fillBatch(batch []replica.Intake) []replica.Intake {
	var wait <-chan time.Time
	for len(batch) < VerifyBatchMax {
		select {
		case in := <-n.unverified:
			batch = append(batch, in)
			continue
		default:
		}
		if len(batch) >= VerifyBatchFill {
			return batch
		}
		if wait == nil {
			t := time.NewTimer(VerifyBatchWait)
			defer t.Stop()
			wait = t.C
		}
		select {
		case in := <-n.unverified:
			batch = append(batch, in)
		case <-wait:
			return batch
		case <-n.done:
			return batch
		}
	}
	return batch
}

// chargeBadSignature counts a failed signature check against the client peer that sent it, and bans a peer
// past its budget: a flood of bad signatures must not keep spending the checks honest clients need.
func (n *Node) chargeBadSignature(in replica.Intake) {
	sw, ok := in.Waiter.(*sessionWaiter)
	if !ok {
		return
	}
	n.metrics.Rejected(wire.RejectBadSignature)
	if p := sw.s.Remote(); n.badSigs.fail(p) {
		n.host.Ban(p, PeerBanDuration)
	}
}

// admit hands a verified transaction to the driver, or answers busy.
func (n *Node) admit(in replica.Intake) {
	select {
	case n.intake <- in:
	default:
		in.Waiter.Deliver(&wire.Reply{TxHash: in.Hash, Replica: n.id, Status: wire.StatusRejected,
			Reject: wire.RejectBusy, Message: "intake queue full"})
	}
}

// verifyClientTxs checks client signatures in batches: one goroutine collects up to VerifyBatchMax
// transactions from any clients, has them checked across the cores (chain.VerifyTxsOnCores), and admits them
// in arrival order (so a client's pipelined nonces stay in order).
func (n *Node) verifyClientTxs() {
	check := n.intakeCheck()
	batch := make([]replica.Intake, 0, VerifyBatchMax)
	for {
		batch = batch[:0]
		select {
		case <-n.done:
			return
		case in := <-n.unverified:
			batch = append(batch, in)
		}
		batch = n.fillBatch(batch)
		rejects := check.Verify(batch)
		for i, in := range batch {
			if rejects[i] != nil {
				in.Waiter.Deliver(rejects[i])
				n.chargeBadSignature(in)
				continue
			}
			n.txsChecked.Add(in.Hash)
			n.admit(in)
		}
	}
}
