package consensus

import "errors"

// Sentinel errors of Propose.
var (
	ErrPendingFull      = errors.New("pending request queue full")
	ErrDuplicateRequest = errors.New("request already pending")
	ErrRequestTooLarge  = errors.New("request too large")
)

type pendingState uint8

const (
	pendingQueued   pendingState = 1 // waiting to be proposed
	pendingProposed pendingState = 2 // in a batch this replica proposed, not yet executed
)

type pendingEntry struct {
	state     pendingState
	size      int
	since     uint64 // tick it was queued
	forwarded uint64 // view+1 in which this backup forwarded it to the primary (0: not yet)
	fwdTick   uint64 // tick of that forwarding
}

// pendingQueue holds client requests not yet executed, in arrival order. Removal is lazy: the FIFO may keep
// entries the index no longer lists as queued; compact() bounds that slack.
type pendingQueue struct {
	fifo  []Request
	head  int
	index map[[32]byte]pendingEntry
	bytes int
}

func newPendingQueue() pendingQueue {
	return pendingQueue{index: make(map[[32]byte]pendingEntry)}
}

func (q *pendingQueue) add(r Request, now uint64) error {
	if len(r.Data) > RequestBytesMax {
		return ErrRequestTooLarge
	}
	if _, ok := q.index[r.Digest]; ok {
		return ErrDuplicateRequest
	}
	if len(q.index) >= PendingRequestsMax || q.bytes+len(r.Data) > PendingBytesMax {
		return ErrPendingFull
	}
	q.index[r.Digest] = pendingEntry{state: pendingQueued, size: len(r.Data), since: now}
	q.bytes += len(r.Data)
	q.fifo = append(q.fifo, r)
	q.compact()
	return nil
}

// addProposed records a request that is already in a proposed batch, so it is not queued again.
func (q *pendingQueue) addProposed(d [32]byte, size int) {
	if _, ok := q.index[d]; ok || len(q.index) >= PendingRequestsMax || q.bytes+size > PendingBytesMax {
		return
	}
	q.index[d] = pendingEntry{state: pendingProposed, size: size}
	q.bytes += size
}

// expire forgets queued requests older than ttl ticks: on a backup, a request the primary never ordered
// (the client gave up, or the primary refused it) must not hold a place in the queue forever.
func (q *pendingQueue) expire(now, ttl uint64) int {
	n := 0
	for d, e := range q.index {
		if e.state == pendingQueued && now-e.since > ttl {
			q.remove(d)
			n++
		}
	}
	return n
}

// remove forgets a request (it executed) and returns when it was queued here (false: it was not).
func (q *pendingQueue) remove(d [32]byte) (since uint64, ok bool) {
	e, ok := q.index[d]
	if ok {
		q.bytes -= e.size
		delete(q.index, d)
	}
	return e.since, ok
}

func (q *pendingQueue) markProposed(d [32]byte) {
	if e, ok := q.index[d]; ok {
		e.state = pendingProposed
		q.index[d] = e
	}
}

// next cuts a batch of queued requests bounded by count and bytes, marking them proposed.
func (q *pendingQueue) next(countMax, bytesMax int) []Request {
	var out []Request
	bytes := 0
	for q.head < len(q.fifo) && len(out) < countMax {
		r := q.fifo[q.head]
		e, ok := q.index[r.Digest]
		if !ok || e.state != pendingQueued {
			q.fifo[q.head] = Request{}
			q.head++
			continue
		}
		if bytes+len(r.Data) > bytesMax && len(out) > 0 {
			break
		}
		bytes += len(r.Data)
		out = append(out, r)
		q.markProposed(r.Digest)
		q.fifo[q.head] = Request{}
		q.head++
	}
	q.compact()
	return out
}

// forward returns up to max queued requests older than age ticks that were not forwarded in view yet, in
// arrival order, and marks them forwarded.
func (q *pendingQueue) forward(now, age, view uint64, max int) []Request {
	var out []Request
	for i := q.head; i < len(q.fifo) && len(out) < max; i++ {
		r := q.fifo[i]
		e, ok := q.index[r.Digest]
		if !ok || e.state != pendingQueued {
			continue
		}
		if now-e.since < age {
			break // arrival order: the rest are younger
		}
		if e.forwarded == view+1 {
			continue
		}
		e.forwarded, e.fwdTick = view+1, now
		q.index[r.Digest] = e
		out = append(out, r)
	}
	return out
}

// oldest returns up to max queued requests, oldest first.
func (q *pendingQueue) oldest(max int) []Request {
	var out []Request
	for i := q.head; i < len(q.fifo) && len(out) < max; i++ {
		if e, ok := q.index[q.fifo[i].Digest]; ok && e.state == pendingQueued {
			out = append(out, q.fifo[i])
		}
	}
	return out
}

// oldestForwarded returns when the oldest request still queued was forwarded to the primary of view (false:
// it was not forwarded in view). Forwarding goes in arrival order, so it was forwarded first.
func (q *pendingQueue) oldestForwarded(view uint64) (uint64, bool) {
	if !q.hasQueued() {
		return 0, false
	}
	e := q.index[q.fifo[q.head].Digest]
	return e.fwdTick, e.forwarded == view+1
}

// oldestQueued returns when the oldest request still waiting was queued.
func (q *pendingQueue) oldestQueued() (uint64, bool) {
	if !q.hasQueued() {
		return 0, false
	}
	return q.index[q.fifo[q.head].Digest].since, true
}

// requeue puts a request back in the queue: it was in a batch this replica proposed that a view change
// dropped.
func (q *pendingQueue) requeue(r Request, now uint64) {
	e, ok := q.index[r.Digest]
	if !ok {
		_ = q.add(r, now)
		return
	}
	if e.state != pendingProposed {
		return
	}
	e.state, e.since = pendingQueued, now
	q.index[r.Digest] = e
	q.fifo = append(q.fifo, r)
	q.compact()
}

// hasQueued reports whether any request waits to be proposed.
func (q *pendingQueue) hasQueued() bool {
	for q.head < len(q.fifo) {
		if e, ok := q.index[q.fifo[q.head].Digest]; ok && e.state == pendingQueued {
			return true
		}
		q.fifo[q.head] = Request{}
		q.head++
	}
	return false
}

// compact drops consumed and stale entries once they outnumber live ones, so the FIFO stays within a
// constant factor of PendingRequestsMax even on backups, which never pop.
func (q *pendingQueue) compact() {
	if len(q.fifo) < PendingCompactMin || len(q.fifo) < 2*len(q.index)+PendingCompactMin {
		return
	}
	live := make([]Request, 0, len(q.index))
	for _, r := range q.fifo[q.head:] {
		if e, ok := q.index[r.Digest]; ok && e.state == pendingQueued {
			live = append(live, r)
		}
	}
	q.fifo, q.head = live, 0
}

func (q *pendingQueue) len() int { return len(q.index) }

// checkBounds asserts the queue's bounds: PendingRequestsMax and PendingBytesMax, and the FIFO within the
// slack compact allows (every append is followed by compact).
func (q *pendingQueue) checkBounds() {
	assert(len(q.index) <= PendingRequestsMax && q.bytes <= PendingBytesMax && len(q.fifo) < 2*PendingRequestsMax+PendingCompactMin,
		"pending queue of %d requests, %d bytes, %d in the FIFO", len(q.index), q.bytes, len(q.fifo))
}
