package p2p

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"
)

// ErrBusy is a request refused because the answering host's memory budget for answers is spent (answered with
// the busy status: ask another replica, or again later), or, locally, a reservation that did not fit in time.
var ErrBusy = errors.New("busy: answer memory budget spent")

// PeerKind says which budget a peer's answers count against.
type PeerKind int

// The kinds of peer: replicas of the genesis, and everyone else (clients and client nodes, which a host cannot
// tell apart: both are peer IDs it does not know).
const (
	KindReplica PeerKind = iota
	KindOther
	kinds
)

func (k PeerKind) String() string {
	if k == KindReplica {
		return "replica"
	}
	return "other"
}

// answerLimits are the bounds of one kind of peer.
type answerLimits struct {
	perPeer, total int64
}

// answerBudget counts the bytes of every answer a host built for a peer and has not finished writing: request
// answers from before they are built (their protocol's largest answer, shrunk to the real size once built) until
// their last byte is written or the stream is reset, and frames queued on served sessions until written. It
// bounds them per peer, per kind of peer and in total. Answers larger than AnswerSmallBytesMax may not take the
// last AnswerHeadroomBytes of a kind's budget, so bulk answers (blocks) never starve replies and reads. Safe for
// concurrent use.
type answerBudget struct {
	mu     sync.Mutex
	limits [kinds]answerLimits
	held   [kinds]int64
	byPeer map[peer.ID]int64
	freed  chan struct{} // closed and replaced whenever bytes are released: waiters look again
}

func newAnswerBudget() *answerBudget {
	return &answerBudget{
		limits: [kinds]answerLimits{
			KindReplica: {perPeer: AnswerBytesPerReplicaMax, total: AnswerBytesForReplicasMax},
			KindOther:   {perPeer: AnswerBytesPerOtherPeerMax, total: AnswerBytesForOthersMax},
		},
		byPeer: make(map[peer.ID]int64),
		freed:  make(chan struct{}),
	}
}

// reservation is bytes of one answer held in the budget; release gives back what is left of them.
type reservation struct {
	b     *answerBudget
	p     peer.ID
	kind  PeerKind
	bytes int64
}

// reserve takes bytes for an answer to p, waiting while they do not fit, until ctx ends (then ErrBusy). A
// reservation larger than a kind's per-peer bound can never fit and fails at once.
func (b *answerBudget) reserve(ctx context.Context, p peer.ID, kind PeerKind, bytes int) (*reservation, error) {
	n := int64(bytes)
	if n > b.limits[kind].perPeer {
		return nil, fmt.Errorf("%w: an answer of %d bytes exceeds the %d bytes a peer may hold", ErrBusy, n, b.limits[kind].perPeer)
	}
	for {
		r, freed := b.tryReserve(p, kind, n)
		if r != nil {
			return r, nil
		}
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %d bytes for a %s peer did not fit (%w)", ErrBusy, n, kind, ctx.Err())
		}
	}
}

// tryReserve takes n bytes for p if they fit now; otherwise it returns the channel closed at the next release.
func (b *answerBudget) tryReserve(p peer.ID, kind PeerKind, n int64) (*reservation, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.fits(p, kind, n) {
		return nil, b.freed
	}
	b.held[kind] += n
	b.byPeer[p] += n
	return &reservation{b: b, p: p, kind: kind, bytes: n}, nil
}

// fits reports whether n more bytes for p keep every bound; b.mu is held.
func (b *answerBudget) fits(p peer.ID, kind PeerKind, n int64) bool {
	l := b.limits[kind]
	total := l.total
	if n > AnswerSmallBytesMax {
		total -= AnswerHeadroomBytes
	}
	return b.byPeer[p]+n <= l.perPeer && b.held[kind]+n <= total
}

// shrink gives back all but used bytes of the reservation (the answer turned out smaller than its bound).
func (r *reservation) shrink(used int) {
	if u := int64(used); u < r.bytes {
		r.b.give(r.p, r.kind, r.bytes-u)
		r.bytes = u
	}
}

// release gives back the whole reservation; calling it again does nothing.
func (r *reservation) release() {
	if r != nil && r.bytes > 0 {
		r.b.give(r.p, r.kind, r.bytes)
		r.bytes = 0
	}
}

func (b *answerBudget) give(p peer.ID, kind PeerKind, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held[kind] -= n
	if b.byPeer[p] -= n; b.byPeer[p] <= 0 {
		delete(b.byPeer, p)
	}
	assertf(b.held[kind] >= 0, "answer budget of %s peers below zero: %d", kind, b.held[kind])
	close(b.freed)
	b.freed = make(chan struct{})
}

// heldBytes is what the budget holds for kind (metrics, tests).
func (b *answerBudget) heldBytes(kind PeerKind) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.held[kind]
}

// kindOf is the budget a peer's answers count against.
func (hs *Host) kindOf(p peer.ID) PeerKind {
	if hs.IsReplica(p) {
		return KindReplica
	}
	return KindOther
}

// AnswerBytesHeld is how many bytes of answers to peers of kind the host holds now.
func (hs *Host) AnswerBytesHeld(kind PeerKind) int64 { return hs.answers.heldBytes(kind) }
