package bls

import (
	"errors"
	"fmt"
	"iter"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// A quorum certificate is an aggregate signature with the set of its signers: signer i is the owner of the
// i-th key of the network (the genesis order). VerifySigners is its one check, for the replicas' certificates
// and for the execution certificates clients check. It takes the signers as indices, not as the set type of
// package consensus, so that this package stays below everything that speaks the protocol.

var (
	// ErrSigners is returned for signers that name a key outside the set, name one twice or out of order, or
	// are fewer than needed.
	ErrSigners = errors.New("signers are not a quorum")
	// ErrAggregate is returned for an aggregate signature that does not decode or does not verify.
	ErrAggregate = errors.New("aggregate signature does not verify")
)

// VerifySigners checks that sig is the aggregate signature over msg of the keys of pubs at the indices signers
// yields. The indices must ascend strictly (so no key counts twice), name no key beyond pubs, and number at
// least need. The keys are summed as they come (no slice of them is built): one pairing check in all.
func VerifySigners(pubs []PublicKey, signers iter.Seq[uint32], need int, msg, sig []byte) error {
	var apk bls12381.G1Jac
	count, last := 0, -1
	for i := range signers {
		switch {
		case int64(i) >= int64(len(pubs)):
			return fmt.Errorf("%w: signer %d beyond the %d keys", ErrSigners, i, len(pubs))
		case int(i) <= last:
			return fmt.Errorf("%w: signer %d after %d (indices must ascend)", ErrSigners, i, last)
		}
		apk.AddMixed(&pubs[i].p)
		count, last = count+1, int(i)
	}
	if count < need || count == 0 {
		return fmt.Errorf("%w: %d signers, need %d", ErrSigners, count, max(need, 1))
	}
	agg, err := SignatureFromBytes(sig)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAggregate, err)
	}
	var key PublicKey
	key.p.FromJacobian(&apk)
	if !Verify(key, msg, agg) {
		return ErrAggregate
	}
	return nil
}
