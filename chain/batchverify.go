package chain

import (
	crand "crypto/rand"
	"crypto/sha512"
	"math/rand/v2"
	"runtime"
	"sync"

	"filippo.io/edwards25519"
)

// Batch verification of Ed25519 signatures under ZIP-215 (the rules ed25519consensus.Verify applies one at a
// time, so batch and single verification accept exactly the same signatures): S must be canonical, A and R
// may be any encoding of a curve point, and the check is cofactored. For signatures i with random 128-bit z_i
// and k_i = SHA-512(R_i || A_i || M_i) mod l, all are valid (with overwhelming probability) iff
//
//	[8] ( [-Σ z_i S_i] B + Σ [z_i] R_i + Σ_A [Σ_{i under A} z_i k_i] A ) = identity
//
// The last sum is the point of this file: the terms of signatures under the same public key are coalesced into
// one (a client signs many transactions, and a batch holds few clients), so the multi-scalar multiplication has
// one point per signature plus one per distinct key, not two per signature, and each key is decompressed once.

// verifyBatch reports whether every signature of txs verifies; false says only that at least one does not.
func verifyBatch(chainID string, txs []*Tx) bool {
	var seed [32]byte
	if _, err := crand.Read(seed[:]); err != nil {
		return false // no randomness: the caller checks one by one
	}
	rng := rand.NewChaCha8(seed) // a CSPRNG: the z_i must be unpredictable to whoever made the signatures
	n := len(txs)
	// At most one term for B, one per signature and one per key; all allocated at once.
	scalarBuf, pointBuf := make([]edwards25519.Scalar, 1+2*n), make([]edwards25519.Point, 1+2*n)
	scalars, points := make([]*edwards25519.Scalar, 1, 1+2*n), make([]*edwards25519.Point, 1, 1+2*n)
	term := func() (*edwards25519.Scalar, *edwards25519.Point) {
		i := len(scalars)
		scalars, points = append(scalars, &scalarBuf[i]), append(points, &pointBuf[i])
		return &scalarBuf[i], &pointBuf[i]
	}
	sumZS, s, k := edwards25519.NewScalar(), edwards25519.NewScalar(), edwards25519.NewScalar()
	keyTerm := make(map[[32]byte]*edwards25519.Scalar, 8)
	h := sha512.New()
	var zb [32]byte
	var hb [64]byte
	for _, tx := range txs {
		if _, err := s.SetCanonicalBytes(tx.Sig[32:]); err != nil {
			return false
		}
		z, r := term()
		if _, err := r.SetBytes(tx.Sig[:32]); err != nil {
			return false
		}
		rng.Read(zb[:16])
		z.SetCanonicalBytes(zb[:]) // < 2^128 < l: always canonical
		h.Reset()
		h.Write(tx.Sig[:32])
		h.Write(tx.Client[:])
		h.Write(tx.SigningBytes(chainID))
		k.SetUniformBytes(h.Sum(hb[:0]))
		sumZS.MultiplyAdd(z, s, sumZS)
		ak, ok := keyTerm[tx.Client]
		if !ok {
			var a *edwards25519.Point
			ak, a = term()
			if _, err := a.SetBytes(tx.Client[:]); err != nil {
				return false
			}
			keyTerm[tx.Client] = ak
		}
		ak.MultiplyAdd(z, k, ak)
	}
	scalars[0], points[0] = sumZS.Negate(sumZS), edwards25519.NewGeneratorPoint()
	check := new(edwards25519.Point).VarTimeMultiScalarMult(scalars, points)
	return check.MultByCofactor(check).Equal(edwards25519.NewIdentityPoint()) == 1
}

// VerifyTxsOnCores is VerifyTxs split across the cores (GOMAXPROCS goroutines), each part at least
// VerifyChunkMin signatures so that each batch stays efficient: for a replica checking a large PrePrepare or a
// full intake batch, where one core would put the whole check on the critical path.
func VerifyTxsOnCores(chainID string, txs []*Tx) []error {
	workers := max(1, runtime.GOMAXPROCS(0))
	chunk := max((len(txs)+workers-1)/workers, VerifyChunkMin)
	if chunk >= len(txs) {
		return VerifyTxs(chainID, txs)
	}
	errs := make([]error, len(txs))
	var wg sync.WaitGroup
	for lo := 0; lo < len(txs); lo += chunk {
		hi := min(lo+chunk, len(txs))
		wg.Add(1)
		go func() {
			defer wg.Done()
			copy(errs[lo:hi], VerifyTxs(chainID, txs[lo:hi]))
		}()
	}
	wg.Wait()
	return errs
}
