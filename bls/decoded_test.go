package bls

import "testing"

// A cached decode answers what SignatureFromBytes answers: the same point for good bytes, an error for bad ones
// (never cached), and a nil cache decodes directly.
func TestDecodedSignatures(t *testing.T) {
	sk, err := KeyFromSeed(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	good := sk.Sign([]byte("m")).Bytes()
	bad := make([]byte, SignatureSize)
	bad[0] = 0xff
	for _, c := range []*DecodedSignatures{nil, NewDecodedSignatures()} {
		for range 2 {
			sig, err := c.Decode(good)
			if err != nil || string(sig.Bytes()) != string(good) {
				t.Fatalf("decode good bytes: %v", err)
			}
			if _, err := c.Decode(bad); err == nil {
				t.Fatal("bad bytes decoded")
			}
			if _, err := c.Decode(good[:10]); err == nil {
				t.Fatal("short bytes decoded")
			}
		}
	}
}
