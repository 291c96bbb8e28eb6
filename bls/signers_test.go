package bls

import (
	"errors"
	"testing"
)

func TestVerifySigners(t *testing.T) {
	sks := keys(t, 4)
	pubs := make([]PublicKey, len(sks))
	for i, sk := range sks {
		pubs[i] = sk.PublicKey()
	}
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
		signers uint64
		sig     []byte
		want    error
	}{
		{"a quorum", 0b1011, sign(0, 1, 3), nil},
		{"everyone", 0b1111, sign(0, 1, 2, 3), nil},
		{"too few", 0b0011, sign(0, 1), ErrSigners},
		{"a signer beyond the keys", 0b10011, sign(0, 1), ErrSigners},
		{"the bitmap is not who signed", 0b0111, sign(0, 1, 3), ErrAggregate},
		{"not a signature", 0b0111, []byte{1, 2, 3}, ErrAggregate},
	} {
		if err := VerifySigners(pubs, tc.signers, 3, msg, tc.sig); !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := VerifySigners(pubs, 0b1011, 3, []byte("another message"), sign(0, 1, 3)); !errors.Is(err, ErrAggregate) {
		t.Errorf("another message: %v, want %v", err, ErrAggregate)
	}
}
