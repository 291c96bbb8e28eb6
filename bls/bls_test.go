package bls

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

func keys(t testing.TB, n int) []*SecretKey {
	out := make([]*SecretKey, n)
	for i := range out {
		seed := bytes.Repeat([]byte{byte(i + 1)}, SeedSize)
		sk, err := KeyFromSeed(seed)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = sk
	}
	return out
}

func TestSignVerify(t *testing.T) {
	sks := keys(t, 2)
	msg := []byte("view 1 seq 2 digest")
	sig := sks[0].Sign(msg)
	if !Verify(sks[0].PublicKey(), msg, sig) {
		t.Fatal("a valid signature does not verify")
	}
	if Verify(sks[1].PublicKey(), msg, sig) || Verify(sks[0].PublicKey(), []byte("other"), sig) {
		t.Fatal("a signature verifies under the wrong key or message")
	}
	// Deterministic: the core may sign with it.
	if !bytes.Equal(sks[0].Sign(msg).Bytes(), sig.Bytes()) {
		t.Fatal("signing is not deterministic")
	}
}

func TestAggregate(t *testing.T) {
	sks := keys(t, 7)
	msg := []byte("commit")
	var sigs []Signature
	var pks []PublicKey
	for _, sk := range sks {
		sigs = append(sigs, sk.Sign(msg))
		pks = append(pks, sk.PublicKey())
	}
	agg := Aggregate(sigs)
	if !VerifyAggregate(pks, msg, agg) {
		t.Fatal("an aggregate of valid shares does not verify")
	}
	if VerifyAggregate(pks[:6], msg, agg) {
		t.Fatal("an aggregate verifies against a missing signer")
	}
	forged := append([]Signature{}, sigs...)
	forged[3] = sks[3].Sign([]byte("something else"))
	if VerifyAggregate(pks, msg, Aggregate(forged)) {
		t.Fatal("an aggregate with a forged share verifies")
	}
	if VerifyAggregate(nil, msg, agg) {
		t.Fatal("an aggregate verifies with no signers")
	}
}

func TestProofOfPossession(t *testing.T) {
	sks := keys(t, 2)
	if !VerifyPossession(sks[0].PublicKey(), sks[0].ProvePossession()) {
		t.Fatal("a valid proof of possession fails")
	}
	if VerifyPossession(sks[1].PublicKey(), sks[0].ProvePossession()) {
		t.Fatal("a proof of possession for another key passes")
	}
	// A proof of possession is not a signature over the key's bytes (separate tag), and vice versa.
	pk := sks[0].PublicKey()
	if VerifyPossession(pk, sks[0].Sign(pk.Bytes())) {
		t.Fatal("a plain signature passes as a proof of possession")
	}
}

func TestEncodingRejectsBadBytes(t *testing.T) {
	sk := keys(t, 1)[0]
	pk, sig := sk.PublicKey(), sk.Sign([]byte("m"))
	if got, err := PublicKeyFromBytes(pk.Bytes()); err != nil || !bytes.Equal(got.Bytes(), pk.Bytes()) {
		t.Fatalf("public key round trip: %v", err)
	}
	if got, err := SignatureFromBytes(sig.Bytes()); err != nil || !bytes.Equal(got.Bytes(), sig.Bytes()) {
		t.Fatalf("signature round trip: %v", err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 50; i++ {
		b := make([]byte, SignatureSize)
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		if s, err := SignatureFromBytes(b); err == nil && Verify(pk, []byte("m"), s) {
			t.Fatal("random bytes verify")
		}
		if _, err := PublicKeyFromBytes(b[:PublicKeySize-1]); err == nil {
			t.Fatal("a short public key decoded")
		}
	}
	var infinity [PublicKeySize]byte
	infinity[0] = 0xc0 // compressed point at infinity
	if _, err := PublicKeyFromBytes(infinity[:]); err == nil {
		t.Fatal("the identity was accepted as a public key")
	}
}

func FuzzSignatureFromBytes(f *testing.F) {
	sk, _ := KeyFromSeed(bytes.Repeat([]byte{1}, SeedSize))
	f.Add(sk.Sign([]byte("x")).Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		SignatureFromBytes(b)
		PublicKeyFromBytes(b)
	})
}

// BenchmarkSign signs a new message each time (a repeated one would come from the hash cache).
func BenchmarkSign(b *testing.B) {
	sk := keys(b, 1)[0]
	for i := 0; i < b.N; i++ {
		sk.Sign(fmt.Appendf(nil, "msg %d", i))
	}
}

func BenchmarkVerifyAggregateOf7(b *testing.B) {
	sks := keys(b, 7)
	var sigs []Signature
	var pks []PublicKey
	for _, sk := range sks {
		sigs = append(sigs, sk.Sign([]byte("m")))
		pks = append(pks, sk.PublicKey())
	}
	agg := Aggregate(sigs)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(hashes.new) // the hash of a certificate's message is usually cached; here it is not
		clear(hashes.old)
		if !VerifyAggregate(pks, []byte("m"), agg) {
			b.Fatal("verify")
		}
	}
}
