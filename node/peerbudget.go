package node

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// failureBudget counts, per client peer, the transactions that failed their signature check in windows of
// BadSignatureWindow. A peer past BadSignaturesPerPeerMax in one window is to be banned: each failure cost a
// signature check that honest clients' transactions needed. Safe for concurrent use.
type failureBudget struct {
	mu     sync.Mutex
	now    func() time.Time
	counts map[peer.ID]failureWindow
}

type failureWindow struct {
	start time.Time
	n     int
}

func newFailureBudget() *failureBudget {
	return &failureBudget{now: time.Now, counts: make(map[peer.ID]failureWindow)}
}

// fail records one failure of p and reports whether p is now over its budget.
func (b *failureBudget) fail(p peer.ID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	w, ok := b.counts[p]
	if !ok || now.Sub(w.start) >= BadSignatureWindow {
		w = failureWindow{start: now}
	}
	w.n++
	if !ok && len(b.counts) >= FailureBudgetPeersMax {
		clear(b.counts) // bounded; forgetting only forgives
	}
	b.counts[p] = w
	return w.n > BadSignaturesPerPeerMax
}
