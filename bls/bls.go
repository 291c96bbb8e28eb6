package bls

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Sizes of encodings.
const (
	PublicKeySize = bls12381.SizeOfG1AffineCompressed
	SignatureSize = bls12381.SizeOfG2AffineCompressed
	SecretKeySize = fr.Bytes
	SeedSize      = 32
)

// Domain separation tags (RFC 9380 style) for signatures and for proofs of possession.
var (
	dstSign = []byte("SBFT_BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_")
	dstPoP  = []byte("SBFT_BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_")
)

// ErrInvalid is returned for bytes that are not a valid key or signature.
var ErrInvalid = errors.New("invalid BLS encoding")

// SecretKey is a scalar in [1, r).
type SecretKey struct{ s big.Int }

// PublicKey is sk·g1.
type PublicKey struct{ p bls12381.G1Affine }

// Signature is a point of G2: one signature, or an aggregate of several over the same message.
type Signature struct{ p bls12381.G2Affine }

var g1Gen bls12381.G1Affine

func init() { _, _, g1Gen, _ = bls12381.Generators() }

// KeyFromSeed derives a secret key from a 32-byte seed (so key files hold a seed, as for Ed25519).
func KeyFromSeed(seed []byte) (*SecretKey, error) {
	if len(seed) != SeedSize {
		return nil, fmt.Errorf("%w: seed of %d bytes", ErrInvalid, len(seed))
	}
	// Hash to 64 bytes and reduce mod r: the bias is negligible (2^-256).
	h1 := sha256.Sum256(append([]byte("sbft-bls-keygen-1"), seed...))
	h2 := sha256.Sum256(append([]byte("sbft-bls-keygen-2"), seed...))
	var e fr.Element
	e.SetBytes(append(h1[:], h2[:]...))
	if e.IsZero() {
		return nil, fmt.Errorf("%w: seed gives the zero key", ErrInvalid)
	}
	sk := &SecretKey{}
	e.BigInt(&sk.s)
	return sk, nil
}

// GenerateKey draws a fresh seed from r and returns it with its key.
func GenerateKey(r io.Reader) (seed []byte, sk *SecretKey, err error) {
	seed = make([]byte, SeedSize)
	if _, err := io.ReadFull(r, seed); err != nil {
		return nil, nil, fmt.Errorf("bls key seed: %w", err)
	}
	sk, err = KeyFromSeed(seed)
	return seed, sk, err
}

// PublicKey returns sk·g1.
func (sk *SecretKey) PublicKey() PublicKey {
	var pk PublicKey
	pk.p.ScalarMultiplicationBase(&sk.s)
	return pk
}

func hashToG2Uncached(msg, dst []byte) bls12381.G2Affine {
	h, err := bls12381.HashToG2(msg, dst)
	if err != nil {
		panic(fmt.Sprintf("bls: hash to G2: %v", err)) // only fails for a DST over 255 bytes
	}
	return h
}

func (sk *SecretKey) sign(msg, dst []byte) Signature {
	h := hashToG2(msg, dst)
	var sig Signature
	sig.p.ScalarMultiplication(&h, &sk.s)
	return sig
}

// Sign signs msg; signing is deterministic.
func (sk *SecretKey) Sign(msg []byte) Signature { return sk.sign(msg, dstSign) }

// ProvePossession signs the key's own public key under the proof-of-possession tag.
func (sk *SecretKey) ProvePossession() Signature {
	pk := sk.PublicKey()
	return sk.sign(pk.Bytes(), dstPoP)
}

func verify(pk *bls12381.G1Affine, msg, dst []byte, sig *bls12381.G2Affine) bool {
	if pk.IsInfinity() || sig.IsInfinity() {
		return false
	}
	h := hashToG2(msg, dst)
	var negG1 bls12381.G1Affine
	negG1.Neg(&g1Gen)
	ok, err := bls12381.PairingCheck([]bls12381.G1Affine{*pk, negG1}, []bls12381.G2Affine{h, *sig})
	return err == nil && ok
}

// Verify checks sig over msg by pk.
func Verify(pk PublicKey, msg []byte, sig Signature) bool { return verify(&pk.p, msg, dstSign, &sig.p) }

// VerifyPossession checks a proof of possession of pk.
func VerifyPossession(pk PublicKey, proof Signature) bool {
	return verify(&pk.p, pk.Bytes(), dstPoP, &proof.p)
}

// Aggregate adds signatures (over the same message).
func Aggregate(sigs []Signature) Signature {
	var acc bls12381.G2Jac
	for i := range sigs {
		acc.AddMixed(&sigs[i].p)
	}
	var out Signature
	out.p.FromJacobian(&acc)
	return out
}

// AggregatePublicKeys adds public keys, for checking an aggregate signature of their owners.
func AggregatePublicKeys(pks []PublicKey) PublicKey {
	var acc bls12381.G1Jac
	for i := range pks {
		acc.AddMixed(&pks[i].p)
	}
	var out PublicKey
	out.p.FromJacobian(&acc)
	return out
}

// VerifyAggregate checks that agg is the sum of signatures over msg by every key in pks (keys whose
// possession was proven).
func VerifyAggregate(pks []PublicKey, msg []byte, agg Signature) bool {
	if len(pks) == 0 {
		return false
	}
	apk := AggregatePublicKeys(pks)
	return Verify(apk, msg, agg)
}

// Bytes encodes pk compressed.
func (pk PublicKey) Bytes() []byte { b := pk.p.Bytes(); return b[:] }

// Bytes encodes sig compressed.
func (sig Signature) Bytes() []byte { b := sig.p.Bytes(); return b[:] }

// PublicKeyFromBytes decodes and checks a public key (on the curve, in the subgroup, not the identity).
func PublicKeyFromBytes(b []byte) (PublicKey, error) {
	var pk PublicKey
	if len(b) != PublicKeySize {
		return pk, fmt.Errorf("%w: public key of %d bytes", ErrInvalid, len(b))
	}
	if _, err := pk.p.SetBytes(b); err != nil {
		return pk, fmt.Errorf("%w: public key: %v", ErrInvalid, err)
	}
	if pk.p.IsInfinity() || !pk.p.IsInSubGroup() {
		return pk, fmt.Errorf("%w: public key is not in the subgroup", ErrInvalid)
	}
	return pk, nil
}

// SignatureFromBytes decodes and checks a signature.
func SignatureFromBytes(b []byte) (Signature, error) {
	var sig Signature
	if len(b) != SignatureSize {
		return sig, fmt.Errorf("%w: signature of %d bytes", ErrInvalid, len(b))
	}
	if _, err := sig.p.SetBytes(b); err != nil {
		return sig, fmt.Errorf("%w: signature: %v", ErrInvalid, err)
	}
	if sig.p.IsInfinity() || !sig.p.IsInSubGroup() {
		return sig, fmt.Errorf("%w: signature is not in the subgroup", ErrInvalid)
	}
	return sig, nil
}
