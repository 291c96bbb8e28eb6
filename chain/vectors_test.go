package chain

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/sbftnet/sbft/chain/smt"
)

// Known-answer vectors for the KV state leaves and the results (and transactions) Merkle tree, computed from
// the doc comments by an independent implementation (scripts/smt-vectors.py; regenerate with
// `python3 scripts/smt-vectors.py chain > chain/testdata/vectors.json`). Expectations come only from the file.

type chainVectors struct {
	KV struct {
		Entries []struct {
			Key       string `json:"key"`
			Version   uint64 `json:"version"`
			Value     string `json:"value"`
			SMTKey    string `json:"smt_key"`
			ValueHash string `json:"value_hash"`
		} `json:"entries"`
		SharedPrefix struct {
			Bits int `json:"bits"`
		} `json:"shared_prefix"`
		Root   string `json:"root"`
		Proofs []struct {
			Key     string `json:"key"`
			SMTKey  string `json:"smt_key"`
			Absent  bool   `json:"absent"`
			Version uint64 `json:"version"`
			Value   string `json:"value"`
			Proof   struct {
				Siblings  []string `json:"siblings"`
				HasLeaf   bool     `json:"has_leaf"`
				LeafKey   string   `json:"leaf_key"`
				LeafValue string   `json:"leaf_value"`
				Marshaled string   `json:"marshaled"`
			} `json:"proof"`
		} `json:"proofs"`
	} `json:"kv"`
	Results struct {
		Results []struct {
			TxHash  string `json:"tx_hash"`
			Code    uint8  `json:"code"`
			Found   bool   `json:"found"`
			Version uint64 `json:"version"`
			Height  uint64 `json:"height"`
			Seq     uint64 `json:"seq"`
			Value   string `json:"value"`
			Encoded string `json:"encoded"`
			Leaf    string `json:"leaf"`
		} `json:"results"`
		Trees []struct {
			N      int        `json:"n"`
			Root   string     `json:"root"`
			Proofs [][]string `json:"proofs"`
		} `json:"trees"`
	} `json:"results"`
	TxRoots []struct {
		Txs  []string `json:"txs"`
		Root string   `json:"root"`
	} `json:"tx_roots"`
}

func loadChainVectors(t *testing.T) chainVectors {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v chainVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func vb(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in vectors: %v", err)
	}
	return b
}

func v32(t *testing.T, s string) [32]byte {
	t.Helper()
	b := vb(t, s)
	if len(b) != 32 {
		t.Fatalf("%q is not 32 bytes", s)
	}
	return [32]byte(b)
}

// The KV key and (version, value) map onto the known SMT leaves, the known root, and the known proofs verify
// with VerifyKV (and fail for any other value, version or absence).
func TestKnownAnswerKVState(t *testing.T) {
	v := loadChainVectors(t)
	if len(v.KV.Entries) == 0 || v.KV.SharedPrefix.Bits < 24 {
		t.Fatalf("vectors too weak: %d entries, hashed keys sharing %d bits", len(v.KV.Entries), v.KV.SharedPrefix.Bits)
	}
	tr := smt.New()
	sawEmpty := false
	for _, e := range v.KV.Entries {
		key, value := vb(t, e.Key), vb(t, e.Value)
		sawEmpty = sawEmpty || len(value) == 0
		if got, want := KVSMTKey(key), v32(t, e.SMTKey); got != want {
			t.Fatalf("KVSMTKey(%q) = %x, want %x", key, got, want)
		}
		ent := kvEntry{Key: key, Version: e.Version, Value: value}
		if got, want := ent.valueHash(), v32(t, e.ValueHash); got != want {
			t.Fatalf("value hash of %q v%d (%d bytes) = %x, want %x", key, e.Version, len(value), got, want)
		}
		// The tree is fed the known leaf, not what the functions above computed.
		tr.Set(v32(t, e.SMTKey), v32(t, e.ValueHash))
	}
	if !sawEmpty {
		t.Fatal("vectors too weak: no empty value")
	}
	root := v32(t, v.KV.Root)
	if got := tr.Commit(); got != root {
		t.Fatalf("state root %x, want %x", got, root)
	}
	for _, pv := range v.KV.Proofs {
		key := vb(t, pv.Key)
		p, err := smt.UnmarshalProof(vb(t, pv.Proof.Marshaled))
		if err != nil {
			t.Fatalf("%q: %v", key, err)
		}
		if len(p.Siblings) != len(pv.Proof.Siblings) || p.HasLeaf != pv.Proof.HasLeaf {
			t.Fatalf("%q: the known encoding does not match the known proof", key)
		}
		for i, s := range pv.Proof.Siblings {
			if p.Siblings[i] != v32(t, s) {
				t.Fatalf("%q: sibling %d of the encoding differs from the known one", key, i)
			}
		}
		if !bytes.Equal(tr.Prove(v32(t, pv.SMTKey)).Marshal(), vb(t, pv.Proof.Marshaled)) {
			t.Fatalf("%q: the tree's proof differs from the known one", key)
		}
		if pv.Absent {
			if KVSMTKey(key) != v32(t, pv.SMTKey) {
				t.Fatalf("KVSMTKey(%q) differs from the known key", key)
			}
			if !VerifyKV(root, key, 0, nil, p) {
				t.Fatalf("%q: known absence proof does not verify", key)
			}
			if VerifyKV(root, key, 1, []byte{}, p) || VerifyKV(root, key, 1, []byte("x"), p) {
				t.Fatalf("%q: absence proof verifies a value", key)
			}
			continue
		}
		value := vb(t, pv.Value)
		if !VerifyKV(root, key, pv.Version, value, p) {
			t.Fatalf("%q: known inclusion proof does not verify", key)
		}
		if len(value) == 0 && !VerifyKV(root, key, pv.Version, nil, p) {
			t.Fatalf("%q: an empty value given as nil does not verify", key)
		}
		for name, bad := range map[string]struct {
			version uint64
			value   []byte
		}{
			"one more byte":      {pv.Version, append(append([]byte(nil), value...), 0)},
			"other version":      {pv.Version + 1, value},
			"absent":             {0, nil},
			"first byte changed": {pv.Version, flipFirst(value)},
		} {
			if VerifyKV(root, key, bad.version, bad.value, p) {
				t.Fatalf("%q: inclusion proof verifies with %s", key, name)
			}
		}
	}
}

func flipFirst(b []byte) []byte {
	if len(b) == 0 {
		return []byte{0}
	}
	c := append([]byte(nil), b...)
	c[0] ^= 1
	return c
}

// Results encode as known, their leaves are the known hashes, and the results Merkle tree has the known roots
// and proofs.
func TestKnownAnswerResultsMerkle(t *testing.T) {
	v := loadChainVectors(t)
	var leaves [][32]byte
	for i, rv := range v.Results.Results {
		r := Result{TxHash: v32(t, rv.TxHash), Code: Code(rv.Code), Found: rv.Found, Version: rv.Version,
			Height: rv.Height, Seq: rv.Seq, Value: vb(t, rv.Value)}
		if !bytes.Equal(r.Marshal(), vb(t, rv.Encoded)) {
			t.Fatalf("result %d: encoding differs from the known one", i)
		}
		leaf := v32(t, rv.Leaf)
		if ResultLeaf(&r) != leaf {
			t.Fatalf("result %d: leaf %x, want %x", i, ResultLeaf(&r), leaf)
		}
		leaves = append(leaves, leaf)
	}
	sawOdd := false
	for _, tv := range v.Results.Trees {
		ls := leaves[:tv.N]
		root := v32(t, tv.Root)
		if got := MerkleRoot(ls); got != root {
			t.Fatalf("n=%d: root %x, want %x", tv.N, got, root)
		}
		sawOdd = sawOdd || (tv.N > 2 && tv.N%2 == 1)
		for i, pv := range tv.Proofs {
			want := make([][32]byte, len(pv))
			for j, s := range pv {
				want[j] = v32(t, s)
			}
			got := MerkleProof(ls, i)
			if len(got) != len(want) {
				t.Fatalf("n=%d i=%d: proof of %d siblings, want %d", tv.N, i, len(got), len(want))
			}
			for j := range got {
				if got[j] != want[j] {
					t.Fatalf("n=%d i=%d: sibling %d differs", tv.N, i, j)
				}
			}
			if !VerifyMerkleProof(root, ls[i], i, tv.N, want) {
				t.Fatalf("n=%d i=%d: known proof does not verify", tv.N, i)
			}
			changed := ls[i]
			changed[0] ^= 1
			if VerifyMerkleProof(root, changed, i, tv.N, want) {
				t.Fatalf("n=%d i=%d: proof verifies a changed leaf", tv.N, i)
			}
			if tv.N > 1 && VerifyMerkleProof(root, ls[i], (i+1)%tv.N, tv.N, want) {
				t.Fatalf("n=%d i=%d: proof verifies at another index", tv.N, i)
			}
			if len(want) > 0 && VerifyMerkleProof(root, ls[i], i, tv.N, want[:len(want)-1]) {
				t.Fatalf("n=%d i=%d: truncated proof verifies", tv.N, i)
			}
			if len(want) > 0 && VerifyMerkleProof(root, ls[i], i, tv.N, append(append([][32]byte(nil), want...), want...)) {
				t.Fatalf("n=%d i=%d: proof with extra siblings verifies", tv.N, i)
			}
		}
	}
	if !sawOdd || len(v.Results.Trees) == 0 {
		t.Fatal("vectors too weak: no tree with a promoted odd node")
	}
	for _, tv := range v.TxRoots {
		txs := make([][]byte, len(tv.Txs))
		for i, s := range tv.Txs {
			txs[i] = vb(t, s)
		}
		if got, want := TxRoot(txs), v32(t, tv.Root); got != want {
			t.Fatalf("tx root of %d transactions %x, want %x", len(txs), got, want)
		}
	}
}
