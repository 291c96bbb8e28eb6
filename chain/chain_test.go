package chain

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

const testChain = "test-chain"

type testClient struct {
	priv  ed25519.PrivateKey
	nonce uint64
}

func newTestClient(seed byte) *testClient {
	return &testClient{priv: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32))}
}

func (c *testClient) tx(op Op, key, value string, version uint64) []byte {
	c.nonce++
	tx := &Tx{Nonce: c.nonce, Op: op, Key: []byte(key), Version: version}
	if value != "" {
		tx.Value = []byte(value)
	}
	copy(tx.Client[:], c.priv.Public().(ed25519.PublicKey))
	tx.Sign(testChain, c.priv)
	return tx.Marshal()
}

func execute(t *testing.T, a *App, s Store, seq uint64, txs ...[]byte) []Result {
	t.Helper()
	b := s.NewBatch()
	defer b.Close()
	_, res, err := a.Execute(b, seq, txs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	a.Flushed()
	return res
}

func TestOpsAndCodes(t *testing.T) {
	s := NewMemStore()
	defer s.Close()
	a, err := OpenApp(s, testChain, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(1)
	forged := c.tx(OpPut, "f", "x", 0)
	forged[len(forged)-1] ^= 1
	replay := c.tx(OpPut, "r", "1", 0)
	cases := []struct {
		name    string
		raw     []byte
		code    Code
		version uint64
		value   string
		found   bool
	}{
		{"put", c.tx(OpPut, "k", "v1", 0), CodeOK, 1, "", false},
		{"put again", c.tx(OpPut, "k", "v2", 0), CodeOK, 2, "", false},
		{"get", c.tx(OpGet, "k", "", 0), CodeOK, 2, "v2", true},
		{"cas wrong version", c.tx(OpCAS, "k", "v3", 1), CodeConditionFailed, 2, "", false},
		{"cas right version", c.tx(OpCAS, "k", "v3", 2), CodeOK, 3, "", false},
		{"cas absent", c.tx(OpCAS, "new", "n", 0), CodeOK, 1, "", false},
		{"delete", c.tx(OpDelete, "k", "", 0), CodeOK, 0, "", false},
		{"get deleted", c.tx(OpGet, "k", "", 0), CodeOK, 0, "", false},
		{"bad signature", forged, CodeBadSignature, 0, "", false},
		{"malformed", []byte{1, 2, 3}, CodeMalformed, 0, "", false},
		{"first", replay, CodeOK, 1, "", false},
		{"replay", replay, CodeReplayedNonce, 0, "", false},
	}
	for i, tc := range cases {
		before := a.StateRoot()
		r := execute(t, a, s, uint64(i+1), tc.raw)[0]
		if r.Code != tc.code || r.Version != tc.version || string(r.Value) != tc.value || r.Found != tc.found {
			t.Fatalf("%s: got %+v", tc.name, r)
		}
		if (tc.code == CodeBadSignature || tc.code == CodeMalformed) && a.StateRoot() != before {
			t.Fatalf("%s changed the state", tc.name)
		}
	}
	if _, _, found, _ := a.Get([]byte("f")); found {
		t.Fatal("forged put is visible")
	}
	var pub [32]byte
	copy(pub[:], c.priv.Public().(ed25519.PublicKey))
	if err := a.CheckNonce(pub, c.nonce); !errors.Is(err, ErrReplayedNonce) {
		t.Fatalf("CheckNonce of a used nonce: %v", err)
	}
	if err := a.CheckNonce(pub, c.nonce+1); err != nil {
		t.Fatalf("CheckNonce of a fresh nonce: %v", err)
	}
}

func TestNonceWindow(t *testing.T) {
	s := &nonceState{}
	for _, n := range []uint64{5, 3, 9} {
		if !s.accepts(n) {
			t.Fatalf("fresh nonce %d refused", n)
		}
		s.accept(n)
	}
	for _, n := range []uint64{5, 3, 9, 0} {
		if s.accepts(n) {
			t.Fatalf("used nonce %d accepted", n)
		}
	}
	for n := uint64(100); n < 100+NonceWindow; n++ {
		s.accept(n)
	}
	if s.Floor != 9 || len(s.Recent) != NonceWindow {
		t.Fatalf("floor %d recent %d", s.Floor, len(s.Recent))
	}
	if s.accepts(8) || !s.accepts(10) {
		t.Fatal("window bounds wrong")
	}
	got, err := unmarshalNonceState(s.marshal())
	if err != nil || got.Floor != s.Floor || len(got.Recent) != len(s.Recent) {
		t.Fatalf("round trip: %v", err)
	}
}

// A client's pipelined transactions may execute out of order. One that NonceWindow later ones overtook is
// stale, not a replay: it did not apply, and it says so (the client library signs it again); a transaction that
// did execute is a replay when it comes again.
func TestStaleNonceIsNotAReplay(t *testing.T) {
	s := NewMemStore()
	a, _ := OpenApp(s, testChain, nil)
	c := newTestClient(12)
	late := c.tx(OpPut, "late", "v", 0) // nonce 1, overtaken
	var overtaking [][]byte
	for i := 0; i <= NonceWindow; i++ {
		overtaking = append(overtaking, c.tx(OpPut, fmt.Sprint("k", i), "v", 0))
	}
	execute(t, a, s, 1, overtaking...)
	var pub [32]byte
	copy(pub[:], c.priv.Public().(ed25519.PublicKey))
	if err := a.CheckNonce(pub, 1); !errors.Is(err, ErrStaleNonce) {
		t.Fatalf("intake of the overtaken nonce: %v, want ErrStaleNonce", err)
	}
	if err := a.CheckNonce(pub, c.nonce); !errors.Is(err, ErrReplayedNonce) {
		t.Fatalf("intake of an executed nonce: %v, want ErrReplayedNonce", err)
	}
	res := execute(t, a, s, 2, late, overtaking[len(overtaking)-1])
	if res[0].Code != CodeStaleNonce || res[1].Code != CodeReplayedNonce {
		t.Fatalf("codes %v, %v: want stale nonce, then replayed nonce", res[0].Code, res[1].Code)
	}
}

func TestDeterministicAcrossReplicas(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	clients := []*testClient{newTestClient(1), newTestClient(2), newTestClient(3)}
	var batches [][][]byte
	for i := 0; i < 30; i++ {
		var txs [][]byte
		for j := rng.IntN(20); j >= 0; j-- {
			c := clients[rng.IntN(len(clients))]
			k := fmt.Sprintf("k%d", rng.IntN(15))
			switch rng.IntN(4) {
			case 0:
				txs = append(txs, c.tx(OpDelete, k, "", 0))
			case 1:
				txs = append(txs, c.tx(OpCAS, k, "c", uint64(rng.IntN(3))))
			default:
				txs = append(txs, c.tx(OpPut, k, fmt.Sprint(rng.Int()), 0))
			}
		}
		batches = append(batches, txs)
	}
	// Two replicas; the second restarts (its app rebuilt from the store) every 7 batches. That the pebble store
	// gives the same blocks as MemStore is package store's test.
	var heads [][32]byte
	for _, restartEvery := range []int{0, 7} {
		s := NewMemStore()
		a, err := OpenApp(s, testChain, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, txs := range batches {
			if restartEvery > 0 && i > 0 && i%restartEvery == 0 {
				s.Close()
				s.Reopen()
				if a, err = OpenApp(s, testChain, nil); err != nil {
					t.Fatal(err)
				}
			}
			execute(t, a, s, uint64(i+1), txs...)
		}
		h := a.LastHeader()
		heads = append(heads, h.Hash())
	}
	if heads[0] != heads[1] {
		t.Fatal("a replica that restarts disagrees with one that does not on the last block hash")
	}
}

func TestRestartRebuildsState(t *testing.T) {
	s := NewMemStore()
	a, err := OpenApp(s, testChain, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(4)
	for i := 0; i < 20; i++ {
		execute(t, a, s, uint64(i+1), c.tx(OpPut, fmt.Sprintf("k%d", i), "v", 0), c.tx(OpPut, "same", fmt.Sprint(i), 0))
	}
	last, root := a.LastHeader(), a.StateRoot()
	s.Close()
	s.Reopen()
	b, err := OpenApp(s, testChain, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.LastHeader() != last || b.StateRoot() != root {
		t.Fatal("restart changed the last header or state root")
	}
	v, ver, found, err := b.Get([]byte("same"))
	if err != nil || !found || string(v) != "19" || ver != 20 {
		t.Fatalf("get after restart: %q %d %v %v", v, ver, found, err)
	}
	blk, err := b.Block(20)
	if err != nil || blk.Header.Parent != mustBlock(t, b, 19).Header.Hash() {
		t.Fatalf("hash chain broken: %v", err)
	}
	p, err := b.ProveAt([]byte("k3"), 20)
	if err != nil || string(p.Value) != "v" || p.Header.StateRoot != b.StateRoot() || !p.Verify() {
		t.Fatalf("inclusion proof of a stored key fails: %v", err)
	}
	if _, err := b.ProveAt([]byte("k3"), 19); !errors.Is(err, ErrHeightNotKept) {
		t.Fatalf("a restarted app proves height 19: %v", err)
	}
}

func mustBlock(t *testing.T, a *App, h uint64) *Block {
	b, err := a.Block(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCorruptStoreDetected(t *testing.T) {
	s := NewMemStore()
	a, _ := OpenApp(s, testChain, nil)
	c := newTestClient(5)
	execute(t, a, s, 1, c.tx(OpPut, "a", "1", 0))
	b := s.NewBatch()
	e := &kvEntry{Key: []byte("a"), Version: 1, Value: []byte("tampered")}
	b.Set(KVKey(KVSMTKey([]byte("a"))), e.encode())
	b.Commit(true)
	if _, err := OpenApp(s, testChain, nil); err == nil {
		t.Fatal("a tampered state was not detected on open")
	}
}

func TestCodecsRoundTrip(t *testing.T) {
	c := newTestClient(6)
	raw := c.tx(OpCAS, "key", "value", 7)
	tx, err := UnmarshalTx(raw)
	if err != nil || !bytes.Equal(tx.Marshal(), raw) || tx.VerifySig(testChain) != nil {
		t.Fatalf("tx round trip: %v", err)
	}
	if tx.VerifySig("other-chain") == nil {
		t.Fatal("signature valid on another chain")
	}
	r := &Result{TxHash: [32]byte{1}, Code: CodeConditionFailed, Found: true, Version: 3, Height: 4, Seq: 5, Value: []byte("v")}
	got, err := UnmarshalResult(r.Marshal())
	if err != nil || !bytes.Equal(got.Marshal(), r.Marshal()) {
		t.Fatalf("result round trip: %v", err)
	}
	blk := &Block{Header: Header{Height: 1, Seq: 2, StateRoot: [32]byte{3}}, Txs: [][]byte{raw, {}}}
	gb, err := UnmarshalBlock(blk.Marshal())
	if err != nil || !bytes.Equal(gb.Marshal(), blk.Marshal()) {
		t.Fatalf("block round trip: %v", err)
	}
	if _, err := UnmarshalTx(append(raw, 0)); !errors.Is(err, ErrMalformedTx) {
		t.Fatal("trailing byte accepted")
	}
}

func TestVerifyTxsFindsBadOnes(t *testing.T) {
	c := newTestClient(7)
	var txs []*Tx
	for i := 0; i < 10; i++ {
		tx, _ := UnmarshalTx(c.tx(OpPut, "k", "v", 0))
		txs = append(txs, tx)
	}
	txs[4].Sig[0] ^= 1
	errs := VerifyTxs(testChain, txs)
	for i, err := range errs {
		if (err != nil) != (i == 4) {
			t.Fatalf("tx %d: err %v", i, err)
		}
	}
}

func FuzzUnmarshalTx(f *testing.F) {
	f.Add(newTestClient(1).tx(OpPut, "k", "v", 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		if tx, err := UnmarshalTx(b); err == nil && !bytes.Equal(tx.Marshal(), b) {
			t.Fatal("decoded tx does not re-encode to its bytes")
		}
	})
}

func FuzzUnmarshalBlock(f *testing.F) {
	f.Add((&Block{Txs: [][]byte{{1, 2}}}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		if blk, err := UnmarshalBlock(b); err == nil && !bytes.Equal(blk.Marshal(), b) {
			t.Fatal("decoded block does not re-encode to its bytes")
		}
	})
}

func FuzzUnmarshalResult(f *testing.F) {
	f.Add((&Result{Value: []byte("x")}).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := UnmarshalResult(b); err == nil && !bytes.Equal(r.Marshal(), b) {
			t.Fatal("decoded result does not re-encode to its bytes")
		}
	})
}

// Several blocks staged into one batch read each other's writes: the result equals committing each alone.
func TestBlocksSharingOneBatch(t *testing.T) {
	c1, c2 := newTestClient(8), newTestClient(8)
	var blocks [][][]byte
	for i := 0; i < 6; i++ {
		blocks = append(blocks, [][]byte{c1.tx(OpPut, "k", fmt.Sprint(i), 0), c1.tx(OpCAS, "k", "c", uint64(2*i+1))})
	}
	_ = c2
	one, sep := NewMemStore(), NewMemStore()
	a1, _ := OpenApp(one, testChain, nil)
	a2, _ := OpenApp(sep, testChain, nil)
	b := one.NewBatch()
	for i, txs := range blocks {
		if _, _, err := a1.Execute(b, uint64(i+1), txs, nil); err != nil {
			t.Fatal(err)
		}
		execute(t, a2, sep, uint64(i+1), txs...)
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	a1.Flushed()
	if a1.LastHeader() != a2.LastHeader() {
		t.Fatal("blocks sharing one batch executed differently from blocks committed one by one")
	}
	if _, ver, _, _ := a1.Get([]byte("k")); ver != 12 {
		t.Fatalf("version %d, want 12", ver)
	}
}

func benchVerify(b *testing.B, batch int) {
	c := newTestClient(9)
	txs := make([]*Tx, batch)
	for i := range txs {
		txs[i], _ = UnmarshalTx(c.tx(OpPut, fmt.Sprint(i), "v", 0))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		VerifyTxs(testChain, txs)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/sig")
}

func BenchmarkVerifyTxs1(b *testing.B)   { benchVerify(b, 1) }
func BenchmarkVerifyTxs64(b *testing.B)  { benchVerify(b, 64) }
func BenchmarkVerifyTxs256(b *testing.B) { benchVerify(b, 256) }

func BenchmarkVerifySingleStdlib(b *testing.B) {
	c := newTestClient(9)
	tx, _ := UnmarshalTx(c.tx(OpPut, "k", "v", 0))
	msg := tx.SigningBytes(testChain)
	for i := 0; i < b.N; i++ {
		ed25519.Verify(tx.Client[:], msg, tx.Sig[:])
	}
}

func BenchmarkExecute500(b *testing.B) {
	s := NewMemStore()
	a, _ := OpenApp(s, testChain, nil)
	c := newTestClient(10)
	txs := make([][]byte, 500)
	for n := 0; n < b.N; n++ {
		for i := range txs {
			txs[i] = c.tx(OpPut, fmt.Sprintf("k%d", (n*500+i)%10000), "value", 0)
		}
		batch := s.NewBatch()
		if _, _, err := a.Execute(batch, uint64(n+1), txs, func([32]byte) bool { return true }); err != nil {
			b.Fatal(err)
		}
		batch.Commit(true)
		a.Flushed()
	}
	b.ReportMetric(float64(500*b.N)/b.Elapsed().Seconds(), "tx/s")
}

func TestMerkleProofs(t *testing.T) {
	for n := 1; n <= 17; n++ {
		leaves := make([][32]byte, n)
		for i := range leaves {
			leaves[i] = sha256.Sum256([]byte{byte(i)})
		}
		root := MerkleRoot(leaves)
		tree := NewMerkleTree(leaves)
		if tree.Root() != root || tree.Len() != n {
			t.Fatalf("n=%d: tree root %x (len %d), MerkleRoot %x", n, tree.Root(), tree.Len(), root)
		}
		for i := range leaves {
			p := MerkleProof(leaves, i)
			if !slices.Equal(p, tree.Proof(i)) {
				t.Fatalf("n=%d i=%d: tree proof differs from MerkleProof", n, i)
			}
			if !VerifyMerkleProof(root, leaves[i], i, n, p) {
				t.Fatalf("n=%d i=%d: proof does not verify", n, i)
			}
			if VerifyMerkleProof(root, leaves[(i+1)%n], i, n, p) && n > 1 {
				t.Fatalf("n=%d i=%d: proof verifies another leaf", n, i)
			}
			if n > 1 && VerifyMerkleProof(root, leaves[i], (i+1)%n, n, p) {
				t.Fatalf("n=%d i=%d: proof verifies at another index", n, i)
			}
		}
	}
}

// Proofs for every result of a 1,000-transaction block, as an execution collector answers its clients:
// rebuilding the tree per proof (as replicas did before) against one tree per block.
func BenchmarkBlockProofsRebuildPerTx(b *testing.B) { benchBlockProofs(b, false) }
func BenchmarkBlockProofsOneTree(b *testing.B)      { benchBlockProofs(b, true) }

func benchBlockProofs(b *testing.B, oneTree bool) {
	leaves := make([][32]byte, 1000)
	for i := range leaves {
		leaves[i] = sha256.Sum256([]byte{byte(i), byte(i >> 8)})
	}
	for n := 0; n < b.N; n++ {
		if oneTree {
			tree := NewMerkleTree(leaves)
			for i := range leaves {
				_ = tree.Proof(i)
			}
			continue
		}
		for i := range leaves {
			_ = MerkleProof(leaves, i)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(leaves)), "µs/proof")
}

// A refused transaction leaves the state root alone, even for a client never seen before.
func TestRefusedTxWritesNothing(t *testing.T) {
	s := NewMemStore()
	a, _ := OpenApp(s, testChain, nil)
	c := newTestClient(11)
	c.nonce = ^uint64(0) // the next nonce wraps to 0, which is never accepted
	before := a.StateRoot()
	if r := execute(t, a, s, 1, c.tx(OpPut, "k", "v", 0))[0]; r.Code != CodeStaleNonce {
		t.Fatalf("nonce 0: %v", r.Code)
	}
	if a.StateRoot() != before {
		t.Fatal("a refused transaction changed the state root")
	}
}

func TestConsensusLogKeyRoundTrip(t *testing.T) {
	seq, kind, err := ParseConsensusLogKey(ConsensusLogKey(1<<40, 3))
	if err != nil || seq != 1<<40 || kind != 3 {
		t.Fatalf("round trip: %d %d %v", seq, kind, err)
	}
	for _, bad := range [][]byte{nil, BlockKey(1), append(ConsensusLogKey(1, 1), 0)} {
		if _, _, err := ParseConsensusLogKey(bad); err == nil {
			t.Fatalf("parsed %x", bad)
		}
	}
}

func BenchmarkVerifyTxs2(b *testing.B)  { benchVerify(b, 2) }
func BenchmarkVerifyTxs4(b *testing.B)  { benchVerify(b, 4) }
func BenchmarkVerifyTxs16(b *testing.B) { benchVerify(b, 16) }

func TestBindNetwork(t *testing.T) {
	s := NewMemStore()
	a, b := [32]byte{1}, [32]byte{2}
	if err := BindNetwork(s, "alpha", a); err != nil {
		t.Fatal(err)
	}
	if err := BindNetwork(s, "alpha", a); err != nil {
		t.Fatalf("the same network again: %v", err)
	}
	for _, tc := range []struct {
		chain string
		id    [32]byte
	}{{"alpha", b}, {"beta", a}} {
		err := BindNetwork(s, tc.chain, tc.id)
		if !errors.Is(err, ErrOtherNetwork) || !strings.Contains(err.Error(), `"alpha"`) {
			t.Fatalf("chain %q genesis %x: %v, want ErrOtherNetwork naming the store's chain", tc.chain, tc.id[:1], err)
		}
	}
}
