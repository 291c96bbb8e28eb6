package chain

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/hdevalence/ed25519consensus"
)

// signedTxs is n transactions signed by keys distinct clients in turn.
func signedTxs(t testing.TB, n, keys int) []*Tx {
	var txs []*Tx
	for i := range n {
		raw := newTestClient(byte(1+i%keys)).tx(OpPut, fmt.Sprint("k", i), fmt.Sprint("v", i), 0)
		tx, err := UnmarshalTx(raw)
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, tx)
	}
	return txs
}

// singlesAgree reports whether each tx's VerifyTxs answer is ed25519consensus.Verify's (ZIP-215), and whether
// the batch answer is "all valid" exactly when every single one is.
func singlesAgree(t *testing.T, txs []*Tx) {
	t.Helper()
	errs := VerifyTxs(testChain, txs)
	all := true
	for i, tx := range txs {
		single := ed25519consensus.Verify(tx.Client[:], tx.SigningBytes(testChain), tx.Sig[:])
		all = all && single
		if single != (errs[i] == nil) {
			t.Fatalf("tx %d (key %x, sig %x): VerifyTxs says %v, ZIP-215 single verification %v", i, tx.Client[:4], tx.Sig[:], errs[i], single)
		}
	}
	if got := verifyBatch(testChain, txs); got != all {
		t.Fatalf("batch says %v, the single verifications %v", got, all)
	}
}

// The batch verifier takes exactly what one-by-one ZIP-215 verification takes: valid batches from few or many
// keys, and each way of breaking one signature among valid ones.
func TestBatchVerifyAgreesWithSingle(t *testing.T) {
	ell, _ := hex.DecodeString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010") // l, little-endian
	breaks := map[string]func(tx *Tx){
		"message changed after signing": func(tx *Tx) { tx.Value = append(tx.Value, 'x') },
		"R changed":                     func(tx *Tx) { tx.Sig[0] ^= 1 },
		"S changed":                     func(tx *Tx) { tx.Sig[40] ^= 1 },
		"S plus l (not canonical)": func(tx *Tx) {
			var carry uint16
			for i := range 32 {
				v := uint16(tx.Sig[32+i]) + uint16(ell[i]) + carry
				tx.Sig[32+i], carry = byte(v), v>>8
			}
		},
		"another client's key": func(tx *Tx) {
			copy(tx.Client[:], ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey))
		},
		"key not a point": func(tx *Tx) { tx.Client = [32]byte{2} },
	}
	for _, keys := range []int{1, 3, 64} {
		singlesAgree(t, signedTxs(t, 64, keys))
		for name, brk := range breaks {
			t.Run(fmt.Sprintf("%s/%d keys", name, keys), func(t *testing.T) {
				txs := signedTxs(t, 64, keys)
				brk(txs[37])
				singlesAgree(t, txs)
				if VerifyTxs(testChain, txs)[37] == nil {
					t.Fatal("the broken signature verified")
				}
			})
		}
	}
}

// ZIP-215's edge cases: small-order keys and R values, in canonical and non-canonical encodings, with S = 0 or 1,
// are accepted or refused alike by the batch and by single verification.
func TestBatchVerifyZIP215EdgeCases(t *testing.T) {
	var points [][32]byte
	for _, h := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // identity
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
		"0000000000000000000000000000000000000000000000000000000000000000", // order 4
		"0000000000000000000000000000000000000000000000000000000000000080", // order 4, sign bit set
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // identity, y = p+1: not canonical
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p: not canonical
		"0100000000000000000000000000000000000000000000000000000000000080", // identity with sign bit: not canonical
	} {
		b, _ := hex.DecodeString(h)
		points = append(points, [32]byte(b))
	}
	valid := signedTxs(t, 3, 2)
	accepted := 0
	for ai, a := range points {
		for ri, r := range points {
			for _, s := range []byte{0, 1} {
				tx := *valid[0]
				tx.Client = a
				copy(tx.Sig[:32], r[:])
				tx.Sig[32] = s
				clear(tx.Sig[33:])
				t.Run(fmt.Sprintf("A%d/R%d/S%d", ai, ri, s), func(t *testing.T) {
					singlesAgree(t, []*Tx{valid[1], &tx, valid[2]})
				})
				if tx.VerifySig(testChain) == nil {
					accepted++
				}
			}
		}
	}
	if accepted == 0 || accepted == 2*len(points)*len(points) {
		t.Fatalf("%d of the edge cases verify: the table does not tell acceptance from refusal", accepted)
	}
	t.Logf("%d of %d edge cases verify under ZIP-215", accepted, 2*len(points)*len(points))
}

func benchVerifyKeys(b *testing.B, batch, keys int, verify func([]*Tx) bool) {
	txs := signedTxs(b, batch, keys)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !verify(txs) {
			b.Fatal("a valid batch failed")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N*batch), "µs/sig")
}

func verifyWithLibrary(txs []*Tx) bool {
	bv := ed25519consensus.NewPreallocatedBatchVerifier(len(txs))
	for _, tx := range txs {
		bv.Add(tx.Client[:], tx.SigningBytes(testChain), tx.Sig[:])
	}
	return bv.Verify()
}

func verifyCoalesced(txs []*Tx) bool { return verifyBatch(testChain, txs) }

// Batches of 256 signatures as a replica sees them: from 8 clients (a load generator), or all from distinct
// clients; ed25519consensus's batch verifier (one term per key and signature) against the coalescing one.
func BenchmarkBatchVerify256Keys8Library(b *testing.B)   { benchVerifyKeys(b, 256, 8, verifyWithLibrary) }
func BenchmarkBatchVerify256Keys8Coalesced(b *testing.B) { benchVerifyKeys(b, 256, 8, verifyCoalesced) }
func BenchmarkBatchVerify256Keys256Library(b *testing.B) {
	benchVerifyKeys(b, 256, 256, verifyWithLibrary)
}
func BenchmarkBatchVerify256Keys256Coalesced(b *testing.B) {
	benchVerifyKeys(b, 256, 256, verifyCoalesced)
}
func BenchmarkBatchVerify16Keys8Library(b *testing.B)   { benchVerifyKeys(b, 16, 8, verifyWithLibrary) }
func BenchmarkBatchVerify16Keys8Coalesced(b *testing.B) { benchVerifyKeys(b, 16, 8, verifyCoalesced) }
