package client

import (
	"bytes"
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/wire"
)

// Tally is the decision rule for one transaction's plain replies: it is decided once f+1 replicas sent the
// same outcome, because f faulty replicas can agree on any lie but f+1 include a correct one. It does no I/O,
// so the client's sessions and the simulator's clients (package sim) decide by the same code. Not safe for
// concurrent use: the client holds its lock around it.
type Tally struct {
	f       int
	replies map[uint32]*wire.Reply // by replica index, the first reply of each
}

// NewTally starts a tally for a network of fault threshold f.
func NewTally(f int) *Tally { return &Tally{f: f, replies: map[uint32]*wire.Reply{}} }

// Need is the number of matching replies that decide: f+1.
func (t *Tally) Need() int {
	if mutant.On(mutant.ReplyQuorum) {
		return t.f // planted: the f faulty replicas decide alone
	}
	return t.f + 1
}

// Has reports whether replica already counted.
func (t *Tally) Has(replica uint32) bool { _, ok := t.replies[replica]; return ok }

// Len is the number of replicas counted.
func (t *Tally) Len() int { return len(t.replies) }

// Add counts replica's reply r (a replica's later replies count no more: a replica votes once) and reports
// whether its outcome is now the decided one.
func (t *Tally) Add(replica uint32, r *wire.Reply) bool {
	if t.Has(replica) {
		return false
	}
	t.replies[replica] = r
	matching := 0
	for _, o := range t.replies {
		if sameOutcome(o, r) {
			matching++
		}
	}
	return matching >= t.Need()
}

func sameOutcome(a, b *wire.Reply) bool {
	if a.Status != b.Status {
		return false
	}
	if a.Status == wire.StatusRejected {
		return a.Reject == b.Reject
	}
	return bytes.Equal(a.Result, b.Result)
}

// Decide is the outcome a deciding reply gives: its result, a *RejectedError, or the result with a
// *FailedError when the transaction executed and failed.
func Decide(r *wire.Reply) (*chain.Result, error) {
	if r.Status == wire.StatusRejected {
		return nil, &RejectedError{Reason: r.Reject, Message: r.Message}
	}
	res, err := chain.UnmarshalResult(r.Result)
	if err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	if res.Code != chain.CodeOK {
		return res, &FailedError{Result: res}
	}
	return res, nil
}
