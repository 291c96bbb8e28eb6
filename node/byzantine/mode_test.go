package byzantine

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// Every listed mode parses to a misbehaviour, and each to a different one.
func TestParseModes(t *testing.T) {
	seen := map[Mode]string{}
	for _, name := range Modes {
		name = strings.Replace(name, "<client public key, hex>", strings.Repeat("ab", 32), 1)
		m, err := Parse(name)
		if err != nil || m.Honest() {
			t.Fatalf("%s: %+v %v", name, m, err)
		}
		if other, ok := seen[m]; ok {
			t.Fatalf("%s and %s parse to one mode", name, other)
		}
		seen[m] = name
	}
	if m, err := Parse(""); err != nil || !m.Honest() {
		t.Fatalf("empty mode: %+v %v", m, err)
	}
	for _, bad := range []string{"silent", "censor:abcd", "censor:zz"} {
		if _, err := Parse(bad); !errors.Is(err, ErrMode) {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}

// A forged pushed block differs from the genuine one only in its state root, from height 3 on.
func TestForgeSubscribed(t *testing.T) {
	for h, forged := range map[uint64]bool{2: false, 3: true} {
		blk := chain.Block{Header: chain.Header{Height: h, StateRoot: [32]byte{7}}, Txs: [][]byte{[]byte("tx")}}
		frame := wire.EncodeSubscribedBlock(9, blk.Marshal(), []byte("cert"))
		out, err := wire.DecodeSubscribed(forgeSubscribed(frame))
		if err != nil {
			t.Fatal(err)
		}
		got, err := chain.UnmarshalBlock(out.Block.Block)
		if err != nil {
			t.Fatal(err)
		}
		if changed := got.Header.StateRoot != blk.Header.StateRoot; changed != forged {
			t.Fatalf("height %d: state root changed %v, want %v", h, changed, forged)
		}
		got.Header.StateRoot = blk.Header.StateRoot
		if !bytes.Equal(got.Marshal(), blk.Marshal()) || out.Top != 9 || string(out.Block.Cert) != "cert" {
			t.Fatalf("height %d: more than the state root changed", h)
		}
	}
}

// The corrupting source changes blocks and only blocks.
func TestCorruptingStore(t *testing.T) {
	mem := chain.NewMemStore()
	blk := (&chain.Block{Header: chain.Header{Height: 1}}).Marshal()
	b := mem.NewBatch()
	b.Set(chain.BlockKey(1), blk)
	b.Set(chain.CertKey(1), []byte("cert"))
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	s := corruptingStore{mem}
	if got, _ := s.Get(chain.BlockKey(1)); bytes.Equal(got, blk) {
		t.Fatal("block served unchanged")
	}
	if got, _ := s.Get(chain.CertKey(1)); string(got) != "cert" {
		t.Fatalf("certificate changed: %q", got)
	}
}
