package node

import (
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// Proven reads served to clients that do not run a client node (ReadProtocol): the loop answers each from the
// state of its highest certified recent block (certified.go); the reader checks the proof itself.

// registerReads serves proven reads and the certified head, each answer reserved at its largest size.
func (n *Node) registerReads() {
	n.host.HandleRequest(wire.ReadProtocol, p2p.RequestBounds{RequestBytesMax: wire.ReadRequestBytesMax,
		AnswerBytesMax: wire.ProvenReadBytesMax}, n.serveRead)
	n.host.HandleRequest(wire.HeadProtocol, p2p.RequestBounds{RequestBytesMax: wire.HeadRequestBytesMax,
		AnswerBytesMax: wire.ExecCertBytesMax}, n.serveHead)
}

// readJob is one read waiting for the loop.
type readJob struct {
	key    []byte
	answer chan readAnswer // buffered: the loop never blocks on it
}

type readAnswer struct {
	b   []byte
	err error
}

// Errors of the read protocol, as the reader sees them.
var (
	ErrReadBusy = errors.New("busy: too many reads waiting here; try again or ask another replica")
	ErrReadKey  = errors.New("bad key")
)

// serveRead runs on the stream's goroutine: it queues the read for the loop and waits for its answer.
func (n *Node) serveRead(_ peer.ID, req []byte) ([]byte, error) {
	if len(req) == 0 || len(req) > chain.KeyBytesMax {
		return nil, fmt.Errorf("%w: %d bytes, want 1..%d", ErrReadKey, len(req), chain.KeyBytesMax)
	}
	job := &readJob{key: req, answer: make(chan readAnswer, 1)}
	select {
	case n.reads <- job:
	default:
		n.metrics.Read("busy")
		return nil, ErrReadBusy
	}
	t := time.NewTimer(ReadAnswerTimeout)
	defer t.Stop()
	select {
	case a := <-job.answer:
		return a.b, a.err
	case <-t.C:
		n.metrics.Read("timeout")
		return nil, ErrReadBusy
	case <-n.done:
		return nil, errors.New("replica stopping")
	}
}

// answerRead runs on the loop goroutine.
func (n *Node) answerRead(job *readJob) {
	p, err := n.driver.ProvenRead(job.key)
	if err != nil {
		n.metrics.Read("uncertified")
		job.answer <- readAnswer{err: err}
		return
	}
	n.metrics.Read("proven")
	job.answer <- readAnswer{b: p.Marshal()}
}

// serveHead answers the execution certificate of the highest block this replica executed and knows certified.
func (n *Node) serveHead(_ peer.ID, _ []byte) ([]byte, error) {
	c := n.driver.LatestExecCert()
	if c == nil {
		return nil, fmt.Errorf("%w at height %d", replica.ErrNoCertifiedState, n.driver.Status().Height)
	}
	return c.Marshal(), nil
}
