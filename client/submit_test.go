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
