package replica

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

// mustPanicWithInvariant runs f and fails unless it stops on a replica invariant.
func mustPanicWithInvariant(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "replica invariant violated") {
			t.Fatalf("%s: recovered %v, want the invariant's panic", what, r)
		}
	}()
	f()
}

// The invariants of doc.go are asserted: a waiter that would hear a replay's result (Submit answers a late
// copy from the result cache, so only a bug gets one there), and a waiter count that drifted from the waiters.
func TestRepliesAssertTheirInvariants(t *testing.T) {
	d := newTestDriver(t, 1)
	raw := signedPut(ed25519.NewKeyFromSeed(sha256.New().Sum(nil)), 1)
	if _, err := d.apply(consensus.Ready{Committed: []consensus.CommittedBatch{{Seq: 1, Requests: [][]byte{raw}}}}); err != nil {
		t.Fatal(err)
	}
	d.replies.waiters.add(chain.TxHash(raw), &recordingWaiter{}, 0, time.Time{})
	mustPanicWithInvariant(t, "a waiter for a replay", func() {
		_, _ = d.apply(consensus.Ready{Committed: []consensus.CommittedBatch{{Seq: 2, Requests: [][]byte{raw}}}})
	})

	ws := newWaiters(100)
	ws.add([32]byte{1}, &recordingWaiter{}, 0, time.Time{})
	ws.count++
	mustPanicWithInvariant(t, "a drifted count", func() { ws.expire(WaiterExpireIntervalTicks) })
}
