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
	if !ok && len(b.counts) >= PeerBudgetsMax {
		clear(b.counts) // bounded; forgetting only forgives
	}
	b.counts[p] = w
	return w.n > BadSignaturesPerPeerMax
}

// rateBudget is a token bucket per client peer: ClientTxPerPeerRate transactions a second, bursts of
// ClientTxPerPeerBurst. One client cannot take the whole intake (its excess is answered busy before any
// signature is checked). Safe for concurrent use.
type rateBudget struct {
	mu      sync.Mutex
	now     func() time.Time
	buckets map[peer.ID]bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateBudget() *rateBudget {
	return &rateBudget{now: time.Now, buckets: make(map[peer.ID]bucket)}
}

// take spends one token of p; false when p is over its rate.
func (b *rateBudget) take(p peer.ID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	k, ok := b.buckets[p]
	if !ok {
		if len(b.buckets) >= PeerBudgetsMax {
			clear(b.buckets) // bounded; forgetting only refills
		}
		k = bucket{tokens: ClientTxPerPeerBurst, at: now}
	}
	k.tokens = min(ClientTxPerPeerBurst, k.tokens+now.Sub(k.at).Seconds()*ClientTxPerPeerRate)
	k.at = now
	if k.tokens < 1 {
		b.buckets[p] = k
		return false
	}
	k.tokens--
	b.buckets[p] = k
	return true
}
