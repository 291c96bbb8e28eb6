package client

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// The route of one transaction in a network of four replicas (f = 1) whose primary is replica 2: what each
// sequence of answers asks of the caller, and the outcome it ends in.
func TestRoute(t *testing.T) {
	raw := []byte("signed transaction")
	h := chain.TxHash(raw)
	ok := (&chain.Result{TxHash: h, Height: 3, Version: 1}).Marshal()
	committed := &wire.Reply{TxHash: h, Status: wire.StatusCommitted, Result: ok}
	busy := &wire.Reply{TxHash: h, Status: wire.StatusRejected, Reject: wire.RejectBusy}
	stale := &wire.Reply{TxHash: h, Status: wire.StatusRejected, Reject: wire.RejectStaleNonce}
	down := errors.New("unreachable")
	type answer struct {
		from  uint32
		reply *wire.Reply // nil: the replica failed
	}
	for _, tc := range []struct {
		name    string
		toAll   bool // a resubmission
		answers []answer
		end     func(*Route) // after the answers: the caller's timers
		toAllAt int          // the answer after which the route first asks to send to every replica (-1: never)
		want    error        // nil: a committed result; ErrOutcomeUnknown with its cause
		cause   error
		open    bool // still undecided
	}{
		{name: "busy from the only replica asked is an unknown outcome", answers: []answer{{2, busy}},
			toAllAt: -1, want: ErrOutcomeUnknown, cause: ErrBusy},
		{name: "an unproven reply from the primary goes to every replica", answers: []answer{{2, committed}},
			toAllAt: 0, open: true},
		{name: "f+1 matching plain replies decide", answers: []answer{{2, committed}, {0, committed}}, toAllAt: 0},
		{name: "f+1 matching refusals are an outcome", answers: []answer{{2, stale}, {1, stale}}, toAllAt: 0,
			want: &RejectedError{}},
		{name: "a failed primary goes to every replica", answers: []answer{{2, nil}}, toAllAt: 0, open: true},
		{name: "unreachable replicas are waited for", toAll: true, answers: []answer{{0, nil}, {1, nil}, {3, nil}},
			toAllAt: -1, open: true},
		{name: "unreachable until the deadline is an unknown outcome", toAll: true,
			answers: []answer{{0, nil}, {1, nil}, {2, nil}, {3, nil}}, end: func(r *Route) { r.Expire("in time") },
			toAllAt: -1, want: ErrOutcomeUnknown, cause: ErrNoQuorum},
		{name: "busy and unreachable leave too few: busy", toAll: true, answers: []answer{{0, nil}, {1, busy}, {3, nil}},
			toAllAt: -1, want: ErrOutcomeUnknown, cause: ErrBusy},
		{name: "busy after every replica was asked waits, then is unknown", toAll: true, answers: []answer{{1, busy}},
			end: func(r *Route) { r.BusyExpired("later") }, toAllAt: -1, want: ErrOutcomeUnknown, cause: ErrBusy},
		{name: "a deadline without f+1 is an unknown outcome", answers: []answer{{2, committed}},
			end: func(r *Route) { r.Expire("in time") }, toAllAt: 0, want: ErrOutcomeUnknown, cause: ErrNoQuorum},
		{name: "a replica votes once", toAll: true, answers: []answer{{1, committed}, {1, committed}}, toAllAt: -1, open: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRoute(raw, 4, 1)
			first := r.Start(2, tc.toAll)
			want := []uint32{2}
			if tc.toAll {
				want = []uint32{0, 1, 2, 3}
			}
			if !slices.Equal(first, want) {
				t.Fatalf("sent first to %v, want %v", first, want)
			}
			toAllAt := -1
			for k, a := range tc.answers {
				var st Step
				if a.reply == nil {
					st = r.Fail(a.from, down)
				} else {
					st = r.Reply(a.from, a.reply)
				}
				if st.ToAll && toAllAt < 0 {
					toAllAt = k
					if to, ok := r.ToAll(); !ok || len(to) != 3 {
						t.Fatalf("to all: %v %v, want the three others", to, ok)
					}
				}
			}
			if tc.end != nil {
				tc.end(r)
			}
			if toAllAt != tc.toAllAt || r.Decided() == tc.open {
				t.Fatalf("sent to all after answer %d, decided %v; want %d, %v", toAllAt, r.Decided(), tc.toAllAt, !tc.open)
			}
			if tc.open {
				return
			}
			res, err := r.Outcome()
			var rej *RejectedError
			switch {
			case tc.want == nil && (err != nil || res == nil || res.TxHash != h):
				t.Fatalf("outcome %v, %v; want the committed result", res, err)
			case errors.As(tc.want, &rej) && !errors.As(err, &rej):
				t.Fatalf("outcome %v, want a rejection", err)
			case errors.Is(tc.want, ErrOutcomeUnknown) && (!errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, tc.cause)):
				t.Fatalf("outcome %v, want unknown caused by %v", err, tc.cause)
			}
		})
	}
}

// A proven result decides the call once; a proven failure is an outcome, not an unknown one.
func TestRouteProven(t *testing.T) {
	raw := []byte("signed transaction")
	for _, code := range []chain.Code{chain.CodeOK, chain.CodeConditionFailed} {
		r := NewRoute(raw, 4, 1)
		r.Start(0, false)
		res := &chain.Result{TxHash: chain.TxHash(raw), Code: code}
		if !r.Proven(res) || r.Proven(res) {
			t.Fatalf("%v: a proven result decides the call once", code)
		}
		got, err := r.Outcome()
		var failed *FailedError
		if got != res || (code == chain.CodeOK) != (err == nil) || code != chain.CodeOK && !errors.As(err, &failed) {
			t.Fatalf("%v: outcome %v, %v", code, got, err)
		}
	}
}

// Replicas that failed are asked again until they answer or the caller's deadline ends the call.
func TestRouteRetriesUnreachable(t *testing.T) {
	raw := []byte("signed transaction")
	h := chain.TxHash(raw)
	r := NewRoute(raw, 4, 1)
	r.Start(0, false)
	r.Fail(0, errors.New("session broke"))
	if got := r.Unreachable(); got != nil {
		t.Fatalf("before it went to every replica, unreachable = %v, want none (the route sends to all instead)", got)
	}
	r.ToAll()
	r.Fail(3, errors.New("dial refused"))
	if got := r.Unreachable(); !slices.Equal(got, []uint32{0, 3}) {
		t.Fatalf("unreachable = %v, want [0 3]", got)
	}
	r.Retry(0)
	r.Retry(3)
	if got := r.Unreachable(); got != nil || r.Decided() {
		t.Fatalf("after retrying, unreachable = %v and decided %v, want none, undecided", got, r.Decided())
	}
	ok := (&chain.Result{TxHash: h, Height: 3, Version: 1}).Marshal()
	r.Reply(0, &wire.Reply{TxHash: h, Status: wire.StatusCommitted, Result: ok})
	if st := r.Reply(3, &wire.Reply{TxHash: h, Status: wire.StatusCommitted, Result: ok}); !st.Decided {
		t.Fatal("f+1 matching replies from retried replicas did not decide")
	}
	if _, err := r.Outcome(); err != nil {
		t.Fatalf("outcome: %v", err)
	}
}

// An expired call names the replicas that were unreachable even after they were asked again: with two of four
// down it said "0 unreachable".
func TestRouteExpiryCountsRetriedReplicasAsUnreachable(t *testing.T) {
	raw := []byte("signed transaction")
	r := NewRoute(raw, 4, 1)
	r.Start(0, true)
	r.Fail(2, errors.New("dial refused"))
	r.Fail(3, errors.New("dial refused"))
	r.Retry(2)
	r.Retry(3)
	r.Reply(0, &wire.Reply{TxHash: chain.TxHash(raw), Status: wire.StatusRejected, Reject: wire.RejectBusy})
	r.Expire("before the deadline")
	_, err := r.Outcome()
	if err == nil || !strings.Contains(err.Error(), "2 unreachable (2 retries), 1 busy") {
		t.Fatalf("outcome: %v, want 2 unreachable and 1 busy named", err)
	}
}
