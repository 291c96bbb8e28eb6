package replica

import "time"

// waiters maps transaction hashes to the clients waiting for their results, bounded by WaitersMax and by age.
type waiters struct {
	byHash map[[32]byte][]waiter
	count  int
	ttl    uint64
}

type waiter struct {
	w     Waiter
	since uint64    // tick
	at    time.Time // the transaction's arrival at this replica (zero: unknown), for the commit latency metric only
}

func newWaiters(ttlTicks uint64) waiters {
	return waiters{byHash: make(map[[32]byte][]waiter), ttl: ttlTicks}
}

func (ws *waiters) add(h [32]byte, w Waiter, now uint64, arrived time.Time) bool {
	if ws.count >= WaitersMax {
		return false
	}
	ws.byHash[h] = append(ws.byHash[h], waiter{w: w, since: now, at: arrived})
	ws.count++
	assert(ws.count <= WaitersMax, "%d waiters, at most %d", ws.count, WaitersMax)
	return true
}

func (ws *waiters) remove(h [32]byte, w Waiter) {
	list := ws.byHash[h]
	for i := range list {
		if list[i].w == w {
			list = append(list[:i], list[i+1:]...)
			ws.count--
			assert(ws.count >= 0, "%d waiters after a removal", ws.count)
			break
		}
	}
	if len(list) == 0 {
		delete(ws.byHash, h)
	} else {
		ws.byHash[h] = list
	}
}

// take forgets the waiters of transaction h (its block's execution took them) and returns when the first of
// them arrived (zero: none or unknown).
func (ws *waiters) take(h [32]byte) time.Time {
	list, ok := ws.byHash[h]
	if !ok {
		return time.Time{}
	}
	delete(ws.byHash, h)
	ws.count -= len(list)
	assert(ws.count >= 0, "%d waiters after taking %d", ws.count, len(list))
	return list[0].at
}

// expire drops waiters older than the TTL; it scans only every WaiterExpireIntervalTicks ticks.
func (ws *waiters) expire(now uint64) {
	if now%WaiterExpireIntervalTicks != 0 || now < ws.ttl {
		return
	}
	held := 0
	for h, list := range ws.byHash {
		kept := list[:0]
		for _, w := range list {
			if now-w.since < ws.ttl {
				kept = append(kept, w)
			}
		}
		ws.count -= len(list) - len(kept)
		held += len(kept)
		if len(kept) == 0 {
			delete(ws.byHash, h)
		} else {
			ws.byHash[h] = kept
		}
	}
	assert(held == ws.count, "%d waiters held, %d counted against WaitersMax", held, ws.count)
}
