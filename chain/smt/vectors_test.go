package smt

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// Known-answer vectors computed from the package doc by an independent implementation
// (scripts/smt-vectors.py; regenerate with `python3 scripts/smt-vectors.py smt > chain/smt/testdata/vectors.json`).
// The expectations below come only from the file: nothing here hashes with the package's helpers.

type vecProof struct {
	Siblings  []string `json:"siblings"`
	HasLeaf   bool     `json:"has_leaf"`
	LeafKey   string   `json:"leaf_key"`
	LeafValue string   `json:"leaf_value"`
	Marshaled string   `json:"marshaled"`
}

type vecFile struct {
	EmptyRoot string            `json:"empty_root"`
	Keys      map[string]string `json:"keys"`
	Values    map[string]string `json:"values"`
	Steps     []struct {
		Name string `json:"name"`
		Ops  []struct {
			Op    string `json:"op"`
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"ops"`
		Len    int    `json:"len"`
		Root   string `json:"root"`
		Proofs []struct {
			Key     string   `json:"key"`
			Present bool     `json:"present"`
			Value   string   `json:"value"`
			Proof   vecProof `json:"proof"`
		} `json:"proofs"`
	} `json:"steps"`
	OneBatch struct {
		SameAsStep string `json:"same_as_step"`
		Keys       []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"keys"`
		Root string `json:"root"`
	} `json:"one_batch"`
}

func h32(t *testing.T, s string) Hash {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad 32-byte hex %q in vectors", s)
	}
	return Hash(b)
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in vectors: %v", err)
	}
	return b
}

// toProof builds the Proof the vector describes (field by field, not through UnmarshalProof).
func (vp vecProof) toProof(t *testing.T) Proof {
	t.Helper()
	p := Proof{HasLeaf: vp.HasLeaf}
	for _, s := range vp.Siblings {
		p.Siblings = append(p.Siblings, h32(t, s))
	}
	if vp.HasLeaf {
		p.LeafKey, p.LeafValue = h32(t, vp.LeafKey), h32(t, vp.LeafValue)
	}
	return p
}

func sameProof(a, b Proof) bool {
	if len(a.Siblings) != len(b.Siblings) || a.HasLeaf != b.HasLeaf || a.LeafKey != b.LeafKey || a.LeafValue != b.LeafValue {
		return false
	}
	for i := range a.Siblings {
		if a.Siblings[i] != b.Siblings[i] {
			return false
		}
	}
	return true
}

func loadVectors(t *testing.T) vecFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vecFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Steps) == 0 {
		t.Fatal("no steps in vectors")
	}
	return v
}

func TestKnownAnswerRoots(t *testing.T) {
	v := loadVectors(t)
	key := func(name string) Hash { return h32(t, v.Keys[name]) }
	val := func(name string) Hash { return h32(t, v.Values[name]) }

	empty := New()
	if got, want := empty.Root(), h32(t, v.EmptyRoot); got != want || empty.Commit() != want {
		t.Fatalf("empty root %x, want %x", got, want)
	}

	tr := New()
	roots := map[string]Hash{}
	for _, st := range v.Steps {
		for _, o := range st.Ops {
			switch o.Op {
			case "set":
				tr.Set(key(o.Key), val(o.Value))
			case "delete":
				tr.Delete(key(o.Key))
			default:
				t.Fatalf("step %q: unknown op %q", st.Name, o.Op)
			}
		}
		want := h32(t, st.Root)
		if got := tr.Commit(); got != want {
			t.Fatalf("step %q: Commit returned root %x, want %x", st.Name, got, want)
		}
		if got := tr.Root(); got != want {
			t.Fatalf("step %q: Root %x, want %x", st.Name, got, want)
		}
		if tr.Len() != st.Len {
			t.Fatalf("step %q: %d leaves, want %d", st.Name, tr.Len(), st.Len)
		}
		roots[st.Name] = want
	}

	// History independence: the same leaf set in one batch, in another order, gives the same known root.
	ob := New()
	for _, kv := range v.OneBatch.Keys {
		ob.Set(key(kv.Key), val(kv.Value))
	}
	want := h32(t, v.OneBatch.Root)
	if roots[v.OneBatch.SameAsStep] != want {
		t.Fatalf("vectors inconsistent: one-batch root is not the root of step %q", v.OneBatch.SameAsStep)
	}
	if got := ob.Commit(); got != want {
		t.Fatalf("one batch: root %x, want %x", got, want)
	}
}

func TestKnownAnswerProofs(t *testing.T) {
	v := loadVectors(t)
	key := func(name string) Hash { return h32(t, v.Keys[name]) }
	val := func(name string) Hash { return h32(t, v.Values[name]) }

	// What the vectors must exercise, so a regenerated file cannot silently get weaker.
	var deepest, absentEmpty, absentOtherLeaf, zeroValue, encodings int

	tr := New()
	for _, st := range v.Steps {
		for _, o := range st.Ops {
			if o.Op == "set" {
				tr.Set(key(o.Key), val(o.Value))
			} else {
				tr.Delete(key(o.Key))
			}
		}
		tr.Commit()
		root := h32(t, st.Root)
		for _, pv := range st.Proofs {
			k := key(pv.Key)
			want := pv.Proof.toProof(t)
			deepest = max(deepest, len(want.Siblings))
			where := st.Name + " / " + pv.Key

			// The tree produces exactly the known proof, and encodes it as known.
			got := tr.Prove(k)
			if !sameProof(got, want) {
				t.Fatalf("%s: Prove gave %d siblings (leaf %v), want %d (leaf %v) or different hashes",
					where, len(got.Siblings), got.HasLeaf, len(want.Siblings), want.HasLeaf)
			}
			if pv.Proof.Marshaled != "" {
				encodings++
				enc := unhex(t, pv.Proof.Marshaled)
				if !bytes.Equal(got.Marshal(), enc) {
					t.Fatalf("%s: Marshal differs from the known encoding", where)
				}
				dec, err := UnmarshalProof(enc)
				if err != nil || !sameProof(dec, want) {
					t.Fatalf("%s: the known encoding decodes to another proof (%v)", where, err)
				}
			}

			// Verification of the known proof against the known root.
			if pv.Present {
				value := h32(t, pv.Value)
				if value == (Hash{}) {
					zeroValue++
				}
				if g, ok := tr.Get(k); !ok || g != value {
					t.Fatalf("%s: Get = %x %v, want %x", where, g, ok, value)
				}
				if !Verify(root, k, &value, want) {
					t.Fatalf("%s: known inclusion proof does not verify", where)
				}
				for _, bit := range []int{0, 7, 128, 255} {
					changed := value
					changed[bit/8] ^= 0x80 >> (bit % 8)
					if Verify(root, k, &changed, want) {
						t.Fatalf("%s: inclusion proof verifies a changed value (bit %d)", where, bit)
					}
				}
				if Verify(root, k, nil, want) {
					t.Fatalf("%s: inclusion proof verifies absence", where)
				}
			} else {
				if want.HasLeaf {
					absentOtherLeaf++
				} else {
					absentEmpty++
				}
				if _, ok := tr.Get(k); ok {
					t.Fatalf("%s: absent key found", where)
				}
				if !Verify(root, k, nil, want) {
					t.Fatalf("%s: known non-inclusion proof does not verify", where)
				}
				some := val("v1")
				if Verify(root, k, &some, want) {
					t.Fatalf("%s: non-inclusion proof verifies a value", where)
				}
				if want.HasLeaf {
					other := want
					other.LeafValue[31] ^= 1
					if Verify(root, k, nil, other) {
						t.Fatalf("%s: non-inclusion proof verifies with the other leaf's value changed", where)
					}
				}
			}
			var value *Hash
			if pv.Present {
				x := h32(t, pv.Value)
				value = &x
			}
			badRoot := root
			badRoot[0] ^= 1
			if Verify(badRoot, k, value, want) {
				t.Fatalf("%s: proof verifies against another root", where)
			}
			for _, i := range []int{0, len(want.Siblings) - 1} {
				if len(want.Siblings) == 0 {
					break
				}
				tampered := want
				tampered.Siblings = append([]Hash(nil), want.Siblings...)
				tampered.Siblings[i][5] ^= 0x10
				if Verify(root, k, value, tampered) {
					t.Fatalf("%s: proof with sibling %d changed verifies", where, i)
				}
			}
		}
	}
	if deepest != DepthMax || absentEmpty == 0 || absentOtherLeaf == 0 || zeroValue == 0 || encodings == 0 {
		t.Fatalf("vectors too weak: deepest proof %d siblings, %d absent-at-empty, %d absent-at-other-leaf, "+
			"%d zero value hashes, %d encodings", deepest, absentEmpty, absentOtherLeaf, zeroValue, encodings)
	}
}
