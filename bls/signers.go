package bls

import (
	"errors"
	"fmt"
	"math/bits"
)

// A quorum certificate is an aggregate signature with a bitmap of its signers: bit i set means the owner of
// the i-th key of the network (the genesis order) signed. VerifySigners is its one check, for the replicas'
// certificates and for the execution certificates clients check.

var (
	// ErrSigners is returned for a signer bitmap that names a key outside the set, or fewer signers than needed.
	ErrSigners = errors.New("signers are not a quorum")
	// ErrAggregate is returned for an aggregate signature that does not decode or does not verify.
	ErrAggregate = errors.New("aggregate signature does not verify")
)

// VerifySigners checks that sig is the aggregate signature over msg of the keys of pubs that the bitmap
// signers names, which must name no key beyond pubs and at least need of them.
func VerifySigners(pubs []PublicKey, signers uint64, need int, msg, sig []byte) error {
	n := len(pubs)
	count := bits.OnesCount64(signers)
	if signers>>uint(n) != 0 {
		return fmt.Errorf("%w: the bitmap %#x names signers beyond the %d keys", ErrSigners, signers, n)
	}
	if count < need {
		return fmt.Errorf("%w: %d signers, need %d", ErrSigners, count, need)
	}
	pks := make([]PublicKey, 0, count)
	for i := 0; i < n; i++ {
		if signers&(1<<uint(i)) != 0 {
			pks = append(pks, pubs[i])
		}
	}
	agg, err := SignatureFromBytes(sig)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrAggregate, err)
	}
	if !VerifyAggregate(pks, msg, agg) {
		return ErrAggregate
	}
	return nil
}
