package replica

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"

	"github.com/sbftnet/sbft/wire"
)

// A submission reaches the driver only with a well-formed transaction whose client signature verifies under
// the chain's ID; anything else is answered with the rejection that names why, carrying this replica's index.
func TestIntakeCheckerAdmitsOnlySignedTransactions(t *testing.T) {
	seed := sha256.Sum256([]byte("client"))
	raw := signedPut(ed25519.NewKeyFromSeed(seed[:]), 1) // signed for chain "c"
	forged := append([]byte(nil), raw...)
	forged[len(forged)-1] ^= 1 // the signature's last byte
	for _, tc := range []struct {
		name   string
		chain  string
		frame  []byte
		reject wire.Reject // RejectNone: admitted
	}{
		{"signed", "c", wire.EncodeSubmit(raw), wire.RejectNone},
		{"forged signature", "c", wire.EncodeSubmit(forged), wire.RejectBadSignature},
		{"signed for another chain", "other", wire.EncodeSubmit(raw), wire.RejectBadSignature},
		{"not a transaction", "c", wire.EncodeSubmit([]byte{1, 2, 3}), wire.RejectMalformed},
		{"not a submit frame", "c", []byte{0xff}, wire.RejectMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &recordingWaiter{}
			in, rej := IntakeChecker{ChainID: tc.chain, ID: 3}.Check(tc.frame, w)
			switch {
			case tc.reject == wire.RejectNone && rej != nil:
				t.Fatalf("rejected: %+v", rej)
			case tc.reject == wire.RejectNone && (in.Tx == nil || in.Waiter != w || string(in.Raw) != string(raw)):
				t.Fatalf("admitted as %+v", in)
			case tc.reject != wire.RejectNone && (rej == nil || rej.Reject != tc.reject || rej.Replica != 3 || rej.Status != wire.StatusRejected):
				t.Fatalf("answer %+v, want a rejection %v by replica 3", rej, tc.reject)
			}
		})
	}
}
