package client

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// Only a stale nonce (the transaction provably never applied) makes the client sign a transaction again; a
// replay, a failed condition or a timeout is the caller's to see.
func TestOnlyStaleNoncesAreSignedAgain(t *testing.T) {
	for _, tc := range []struct {
		err   error
		again bool
	}{
		{&RejectedError{Reason: wire.RejectStaleNonce}, true},
		{fmt.Errorf("put: %w", &FailedError{Result: &chain.Result{Code: chain.CodeStaleNonce}}), true},
		{&RejectedError{Reason: wire.RejectReplayedNonce}, false},
		{&RejectedError{Reason: wire.RejectBusy}, false},
		{&FailedError{Result: &chain.Result{Code: chain.CodeReplayedNonce}}, false},
		{&FailedError{Result: &chain.Result{Code: chain.CodeConditionFailed}}, false},
		{ErrNoQuorum, false},
		{errors.New("other"), false},
		{nil, false},
	} {
		if got := staleNonce(tc.err); got != tc.again {
			t.Errorf("%v: signed again %v, want %v", tc.err, got, tc.again)
		}
	}
}

// An oversized value is refused before it is signed or sent (a zero Client has no network to send on), with
// the limit in the message rather than a quorum failure.
func TestOversizedValueRefusedBeforeSending(t *testing.T) {
	_, err := (&Client{}).Put(t.Context(), []byte("k"), make([]byte, 100<<10))
	if !errors.Is(err, chain.ErrTooLarge) || err.Error() != "value too large: 102,400 bytes, max 65,536" {
		t.Fatalf("got %v", err)
	}
}
