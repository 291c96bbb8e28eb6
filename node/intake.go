package node

import (
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/p2p"
)

func (n *Node) registerProtocols() {
	n.host.HandleSession(client.SessionName, client.SubmitFrameBytesMax, false, n.serveSession)
	n.registerInfo()
}

// sessionWaiter answers on a client's session; Send never blocks (a full queue drops the reply and the
// client's timeout handles it).
type sessionWaiter struct {
	s   p2p.Session
	log func(msg string, args ...any)
}

func (w *sessionWaiter) Deliver(r *client.Reply) {
	if err := w.s.Send(r.Encode()); err != nil {
		w.log("reply to client dropped", "peer", w.s.Remote(), "err", err)
	}
}

// serveSession reads a client's transactions, checks format and signature here (in parallel across clients),
// and hands admitted ones to the driver.
func (n *Node) serveSession(s p2p.Session) {
	w := &sessionWaiter{s: s, log: n.log.Debug}
	chainID := n.opts.Genesis.ChainID
	for {
		frame, err := s.Recv()
		if err != nil {
			return
		}
		reject := func(h [32]byte, r client.Reject, msg string) {
			w.Deliver(&client.Reply{TxHash: h, Replica: n.id, Status: client.StatusRejected, Reject: r, Message: msg})
		}
		raw, err := client.DecodeSubmit(frame)
		if err != nil {
			reject([32]byte{}, client.RejectMalformed, err.Error())
			continue
		}
		hash := chain.TxHash(raw)
		tx, err := chain.UnmarshalTx(raw)
		if err != nil {
			reject(hash, client.RejectMalformed, err.Error())
			continue
		}
		if !n.verifier.txs.has(hash) {
			if err := tx.VerifySig(chainID); err != nil {
				reject(hash, client.RejectBadSignature, err.Error())
				continue
			}
		}
		select {
		case n.intake <- Intake{Tx: tx, Raw: raw, Hash: hash, Waiter: w}:
		default:
			reject(hash, client.RejectBusy, "intake queue full")
		}
	}
}
