package bls

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

func ids(is ...uint32) iter.Seq[uint32] { return slices.Values(is) }

// span is the indices lo..hi-1.
func span(lo, hi uint32) []uint32 {
	out := make([]uint32, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// publicKeys are the keys of sks.
func publicKeys(sks []*SecretKey) []PublicKey {
	pubs := make([]PublicKey, len(sks))
	for i, sk := range sks {
		pubs[i] = sk.PublicKey()
	}
	return pubs
}

// signAsAggregate is the aggregate signature over msg of the keys at idx, made with one signature by the sum of
// their secret keys (what adding their signatures gives, without signing once per signer).
func signAsAggregate(sks []*SecretKey, idx []uint32, msg []byte) []byte {
	var sum SecretKey
	for _, i := range idx {
		sum.s.Add(&sum.s, &sks[i].s)
	}
	sum.s.Mod(&sum.s, fr.Modulus())
	return sum.Sign(msg).Bytes()
}

func TestVerifySigners(t *testing.T) {
	sks := keys(t, 4)
	pubs := publicKeys(sks)
	msg := []byte("checkpoint 8")
	sign := func(signers ...int) []byte {
		var sigs []Signature
		for _, i := range signers {
			sigs = append(sigs, sks[i].Sign(msg))
		}
		return Aggregate(sigs).Bytes()
	}
	for _, tc := range []struct {
		name    string
		signers []uint32
		sig     []byte
		want    error
	}{
		{"a quorum", []uint32{0, 1, 3}, sign(0, 1, 3), nil},
		{"everyone", []uint32{0, 1, 2, 3}, sign(0, 1, 2, 3), nil},
		{"too few", []uint32{0, 1}, sign(0, 1), ErrSigners},
		{"a signer beyond the keys", []uint32{0, 1, 4}, sign(0, 1), ErrSigners},
		{"a signer twice", []uint32{0, 1, 1, 3}, sign(0, 1, 1, 3), ErrSigners},
		{"out of order", []uint32{0, 3, 1}, sign(0, 1, 3), ErrSigners},
		{"nobody", nil, sign(0), ErrSigners},
		{"the set is not who signed", []uint32{0, 1, 2}, sign(0, 1, 3), ErrAggregate},
		{"not a signature", []uint32{0, 1, 2}, []byte{1, 2, 3}, ErrAggregate},
	} {
		if err := VerifySigners(pubs, ids(tc.signers...), 3, msg, tc.sig); !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := VerifySigners(pubs, ids(0, 1, 3), 3, []byte("another message"), sign(0, 1, 3)); !errors.Is(err, ErrAggregate) {
		t.Errorf("another message: %v, want %v", err, ErrAggregate)
	}
	if err := VerifySigners(pubs, ids(0), 0, msg, sign(0)); err != nil {
		t.Errorf("one signer where none are needed: %v", err)
	}
	// The shortcut the large tests sign with gives what adding the signers' signatures gives.
	if got := signAsAggregate(sks, []uint32{0, 1, 3}, msg); string(got) != string(sign(0, 1, 3)) {
		t.Fatal("the sum of secret keys does not sign as the aggregate of their signatures")
	}
}

// TestVerifySignersLargeNetwork checks certificates of a network of 209 replicas (f = 68, c = 2): signers far
// past index 63 verify, and every rule still holds at the top of the key set.
func TestVerifySignersLargeNetwork(t *testing.T) {
	const n, f, c = 209, 68, 2
	sks := keys(t, n)
	pubs := publicKeys(sks)
	msg := []byte("commit view 3 seq 900")
	commit := span(n-(2*f+c+1), n) // 2f+c+1 = 139: replicas 70..208
	fast := span(2, n)             // 3f+c+1 = 207
	for _, tc := range []struct {
		name    string
		signers []uint32
		signed  []uint32
		need    int
		want    error
	}{
		{"commit quorum, the highest replicas", commit, commit, 2*f + c + 1, nil},
		{"fast quorum", fast, fast, 3*f + c + 1, nil},
		{"execution quorum past 64", []uint32{64, 100, 150, 208}, []uint32{64, 100, 150, 208}, 4, nil},
		{"one short", commit[1:], commit[1:], 2*f + c + 1, ErrSigners},
		{"replica 209 of 209", append(slices.Clone(commit[1:]), n), commit, 2*f + c + 1, ErrSigners},
		{"a high signer missing from the set", commit[:len(commit)-1], commit, 2*f + c, ErrAggregate},
	} {
		sig := signAsAggregate(sks, tc.signed, msg)
		if err := VerifySigners(pubs, ids(tc.signers...), tc.need, msg, sig); !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// BenchmarkVerifyCertificate is one certificate check (sum the signers' public keys, one pairing check) at
// n = 4, 64 and 209, for the slow path's 2f+c+1 signers and the fast path's (n when c = 0, else 3f+c+1). The
// message's hash is dropped from the cache each time: the worst case (a replica that signed the same message
// itself has it cached).
func BenchmarkVerifyCertificate(b *testing.B) {
	for _, net := range []struct{ n, f, c int }{{4, 1, 0}, {64, 21, 0}, {209, 68, 2}} {
		fastQuorum := net.n
		if net.c > 0 {
			fastQuorum = 3*net.f + net.c + 1
		}
		sks := keys(b, net.n)
		pubs := publicKeys(sks)
		msg := []byte("certificate")
		for _, q := range []struct {
			path string
			need int
		}{{"slow", 2*net.f + net.c + 1}, {"fast", fastQuorum}} {
			signers := span(uint32(net.n-q.need), uint32(net.n))
			sig := signAsAggregate(sks, signers, msg)
			b.Run(fmt.Sprintf("n=%d/%s-%d", net.n, q.path, q.need), func(b *testing.B) {
				for b.Loop() {
					clear(hashes.new)
					clear(hashes.old)
					if err := VerifySigners(pubs, ids(signers...), q.need, msg, sig); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
