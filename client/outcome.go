package client

import (
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/mutant"
)

// ErrOutcomeUnknown: a submission ended without the client learning whether its transaction committed (no f+1
// matching replies and no proof in time, or the network too busy to answer). The transaction may still commit,
// or may have: it is never reported as failed. Submitting the same signed transaction again is safe (its nonce
// lets it execute at most once) and learns its outcome.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// UnknownOutcomeError is the error of a submission whose outcome the client did not learn. It matches
// ErrOutcomeUnknown and its Cause (ErrNoQuorum or ErrBusy) with errors.Is.
type UnknownOutcomeError struct {
	TxHash [32]byte
	// Raw is the signed transaction: SubmitRaw(ctx, Raw) submits it again unchanged, never as a new one.
	Raw   []byte
	Cause error
}

func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("outcome unknown for transaction %x: %v; it may still commit: submit the same signed transaction again to learn its outcome",
		e.TxHash, e.Cause)
}

func (e *UnknownOutcomeError) Unwrap() []error { return []error{ErrOutcomeUnknown, e.Cause} }

// outcomeOf is the error a caller gets for a decided or abandoned call: a refusal or a failed execution is an
// outcome; no quorum and busy are not.
func outcomeOf(h [32]byte, raw []byte, err error) error {
	if (errors.Is(err, ErrNoQuorum) || errors.Is(err, ErrBusy)) && !mutant.On(mutant.UnknownAsFailed) { // planted: reported as a failure
		return &UnknownOutcomeError{TxHash: h, Raw: raw, Cause: err}
	}
	return err
}
