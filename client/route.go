package client

import (
	"fmt"
	"slices"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// Route is the rule one transaction is sent and decided by: first to one replica (the primary as the last proven
// answer named it), then to every replica when that one refuses, fails, answers without a proof or not in time
// (PBFT's rule: a faulty primary costs one timeout, never liveness); decided on one proven result or f+1
// matching plain replies (Tally), or given up without an outcome. Like Tally it does no I/O and keeps no clock:
// the caller sends where it says and says when time is up, so the client's sessions and the simulator's clients
// (package sim) follow one rule. Not safe for concurrent use.
type Route struct {
	hash    [32]byte
	raw     []byte // the signed transaction: an unknown outcome carries it, to be submitted again unchanged
	sentTo  []bool // by replica index
	sentAll bool
	busy    map[uint32]bool  // replicas that answered busy
	failed  map[uint32]error // replicas that failed, refused as busy, or are unreachable
	lost    map[uint32]bool  // replicas that were unreachable at some point (Retry does not clear it)
	replies *Tally           // plain replies, by replica index
	retried int              // sends to replicas that were unreachable
	decided bool
	outcome *chain.Result
	err     error
}

// Step is what a reply or a failure asks of the caller.
type Step struct {
	ToAll    bool // send the transaction to every replica (Route.ToAll names them)
	BusyWait bool // a replica refused it as busy: call BusyExpired if no result comes within BusyOutcomeWait
	Decided  bool // the call ended: Outcome is its answer
}

// NewRoute starts the route of the signed transaction raw in a network of n replicas with fault threshold f.
func NewRoute(raw []byte, n, f int) *Route {
	return &Route{hash: chain.TxHash(raw), raw: raw, sentTo: make([]bool, n), busy: map[uint32]bool{},
		failed: map[uint32]error{}, lost: map[uint32]bool{}, replies: NewTally(f)}
}

// Hash is the transaction's hash.
func (r *Route) Hash() [32]byte { return r.hash }

// Start names the replicas to send the transaction to first: primary alone, or every replica with toAll (a
// resubmission: the replica asked first may be why no answer came).
func (r *Route) Start(primary uint32, toAll bool) []uint32 {
	if toAll || int(primary) >= len(r.sentTo) {
		to, _ := r.ToAll()
		return to
	}
	r.sentTo[primary] = true
	return []uint32{primary}
}

// ToAll marks the transaction sent to every replica and names those it was not sent to; ok is false (and
// nothing is to be sent) once it went to every replica or the call is decided.
func (r *Route) ToAll() (to []uint32, ok bool) {
	if r.sentAll || r.decided {
		return nil, false
	}
	r.sentAll = true
	for i, sent := range r.sentTo {
		if !sent {
			r.sentTo[i] = true
			to = append(to, uint32(i))
		}
	}
	return to, true
}

// Waiting reports whether replica i was sent the undecided transaction and has not answered: a broken session
// sends it again.
func (r *Route) Waiting(i uint32) bool {
	return !r.decided && int(i) < len(r.sentTo) && r.sentTo[i] && !r.replies.Has(i)
}

// SentAll reports whether the transaction went to every replica.
func (r *Route) SentAll() bool { return r.sentAll }

// Decided reports whether the call ended.
func (r *Route) Decided() bool { return r.decided }

// Reply counts replica's plain reply (committed or rejected; a replica counts once).
func (r *Route) Reply(replica uint32, rep *wire.Reply) Step {
	if r.decided || r.replies.Has(replica) {
		return Step{}
	}
	var st Step
	if rep.Status == wire.StatusRejected && rep.Reject == wire.RejectBusy {
		if !r.sentAll {
			// The only replica asked did not take it: say busy now (an unknown outcome all the same), rather
			// than add the transaction to every replica's load.
			return r.end(nil, fmt.Errorf("%w: replica %d at capacity: %s", ErrBusy, replica, rep.Message))
		}
		// Busy is no outcome: this replica did not take the transaction, others may have. It counts out, and
		// the call ends in ErrBusy unless a result comes soon.
		r.busy[replica] = true
		st = r.Fail(replica, fmt.Errorf("replica %d busy: %s", replica, rep.Message))
		st.BusyWait = !st.Decided
		return st
	}
	// One replica's refusal or unproven result decides nothing: ask them all.
	st.ToAll = !r.sentAll
	delete(r.failed, replica)
	if r.replies.Add(replica, rep) {
		res, err := Decide(rep)
		return r.end(res, err)
	}
	return r.quorumLeft(st)
}

// Fail counts replica out: it failed, is unreachable, or refused the transaction as busy.
func (r *Route) Fail(replica uint32, err error) Step {
	if r.decided || r.replies.Has(replica) {
		return Step{}
	}
	r.failed[replica] = err
	if !r.busy[replica] {
		r.lost[replica] = true
	}
	return r.quorumLeft(Step{ToAll: !r.sentAll})
}

// quorumLeft ends a call sent to every replica in ErrBusy once too few are left to reach f+1 matching replies
// and some of them refused it as busy. Unreachable replicas alone end nothing: the caller asks them again
// (Unreachable, Retry) until its deadline, since a network restarting as a whole is back within seconds and the
// transaction's outcome is then known rather than unknown.
func (r *Route) quorumLeft(st Step) Step {
	n := len(r.sentTo)
	if !r.sentAll || n-len(r.failed) >= r.replies.Need() {
		return st
	}
	if busy := r.stayedBusy(); busy > 0 {
		return r.end(nil, fmt.Errorf("%w: %d of %d replicas at capacity, %d unreachable", ErrBusy, busy, n, len(r.failed)-busy))
	}
	return st
}

// Unreachable names the replicas of an undecided call sent to every replica that failed (not busy) and have
// not answered since: the caller sends the transaction to them again, after Retry, once they may be back.
func (r *Route) Unreachable() []uint32 {
	if r.decided || !r.sentAll {
		return nil
	}
	var out []uint32
	for i := range r.failed {
		if !r.busy[i] {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

// Retry counts unreachable replica i in again: the caller is sending the transaction to it once more.
func (r *Route) Retry(i uint32) {
	if !r.busy[i] {
		delete(r.failed, i)
		r.retried++
	}
}

// Proven decides the call on one verified result (from an execution proof); false if it was decided before.
func (r *Route) Proven(res *chain.Result) bool {
	if r.decided {
		return false
	}
	var err error
	if res.Code != chain.CodeOK {
		err = &FailedError{Result: res}
	}
	r.end(res, err)
	return true
}

// Expire ends an undecided call without an outcome: its time is up (why says how).
func (r *Route) Expire(why string) {
	if !r.decided {
		r.end(nil, fmt.Errorf("%w: %d of %d replicas answered %s, %d unreachable (%d retries), %d busy", ErrNoQuorum,
			r.replies.Len(), len(r.sentTo), why, r.silentLost(), r.retried, r.stayedBusy()))
	}
}

// BusyExpired ends an undecided call in ErrBusy: a replica refused it as busy, and no result came after (why
// says how long).
func (r *Route) BusyExpired(why string) {
	if !r.decided {
		r.end(nil, fmt.Errorf("%w: %d of %d replicas at capacity and no result %s", ErrBusy, r.stayedBusy(), len(r.sentTo), why))
	}
}

// silentLost counts the replicas that were unreachable at some point and never answered: the ones asked again
// (Retry) count too, which "0 unreachable" with two replicas down did not.
func (r *Route) silentLost() int {
	n := 0
	for i := range r.lost {
		if !r.replies.Has(i) {
			n++
		}
	}
	return n
}

// Outcome is the decided call's answer: a result, a *RejectedError or *FailedError (an outcome), or an
// *UnknownOutcomeError when it ended without one.
func (r *Route) Outcome() (*chain.Result, error) { return r.outcome, outcomeOf(r.hash, r.raw, r.err) }

func (r *Route) end(res *chain.Result, err error) Step {
	r.decided, r.outcome, r.err = true, res, err
	return Step{Decided: true}
}

// stayedBusy counts the replicas that refused the call as busy.
func (r *Route) stayedBusy() int {
	n := 0
	for i := range r.failed {
		if r.busy[i] {
			n++
		}
	}
	return n
}
