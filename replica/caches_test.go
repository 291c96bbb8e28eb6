package replica

import (
	"testing"
	"time"

	"github.com/sbftnet/sbft/wire"
)

func TestCachesStayBounded(t *testing.T) {
	tc := NewFIFOSet(8)
	rc := newFIFOMap[[32]byte, *wire.Reply](8)
	for i := 0; i < 100; i++ {
		h := [32]byte{byte(i), 1}
		tc.Add(h)
		rc.add(h, &wire.Reply{TxHash: h})
	}
	if tc.Len() != 8 || rc.len() != 8 {
		t.Fatalf("caches grew to %d and %d entries, bound 8", tc.Len(), rc.len())
	}
	if !tc.Has([32]byte{99, 1}) || tc.Has([32]byte{0, 1}) {
		t.Fatal("the cache did not keep the newest entries")
	}
	if _, ok := rc.get([32]byte{99, 1}); !ok {
		t.Fatal("the result cache lost the newest entry")
	}
	rc.add([32]byte{99, 1}, &wire.Reply{Replica: 9}) // a transaction executed twice keeps its first result
	if r, _ := rc.get([32]byte{99, 1}); r.Replica != 0 || rc.len() != 8 {
		t.Fatalf("adding a held key replaced its value (%+v) or grew the cache", r)
	}
}

func TestWaitersBoundAndExpiry(t *testing.T) {
	ws := newWaiters(100)
	w := &recordingWaiter{}
	for i := 0; i < 10; i++ {
		if !ws.add([32]byte{byte(i)}, w, 0, time.Time{}) {
			t.Fatal("add refused below the bound")
		}
	}
	if at := ws.take([32]byte{3}); ws.count != 9 || len(w.replies) != 0 || !at.IsZero() {
		t.Fatalf("take: %d left, %d answered (taking answers nobody)", ws.count, len(w.replies))
	}
	ws.expire(1024) // every waiter is older than the TTL of 100 ticks
	if ws.count != 0 || len(ws.byHash) != 0 {
		t.Fatalf("expire left %d waiters", ws.count)
	}
}
