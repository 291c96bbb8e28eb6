package genesis

import (
	"crypto/rand"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbftnet/sbft/bls"
)

func newPublic(t *testing.T, addr string) *Public {
	t.Helper()
	_, bk, err := bls.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p, err := PublicOf(GenerateKey(), bk, []string{addr})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A genesis is assembled from public parts alone: f follows from n and c, index is the order given, a part
// saved and loaded is the same, and a replica given twice or a part whose keys do not belong together is refused.
func TestAssembleFromPublicParts(t *testing.T) {
	dir := t.TempDir()
	var parts []*Public
	for i := range 7 {
		p := newPublic(t, "/ip4/10.0.0.1/tcp/26600")
		path := filepath.Join(dir, "p.json")
		if err := p.Save(path); err != nil {
			t.Fatal(err)
		}
		loaded, err := LoadPublic(path)
		if err != nil || loaded.PeerID != p.PeerID || loaded.BLSPoP != p.BLSPoP {
			t.Fatalf("part %d: saved and loaded differ: %v", i, err)
		}
		parts = append(parts, loaded)
	}
	for _, tc := range []struct{ n, c, f int }{{4, 0, 1}, {5, 0, 1}, {7, 0, 2}, {6, 1, 1}} {
		g, err := Assemble("net", tc.c, DefaultCheckpointInterval, parts[:tc.n])
		if err != nil || g.F != tc.f || g.N() != tc.n || g.Replicas[tc.n-1].PeerID != parts[tc.n-1].PeerID {
			t.Fatalf("n=%d c=%d: %v, f=%v", tc.n, tc.c, err, g)
		}
	}
	if _, err := Assemble("net", 0, DefaultCheckpointInterval, []*Public{parts[0], parts[1], parts[2], parts[0]}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "same") {
		t.Fatalf("a replica given twice: %v", err)
	}
	stolen := *parts[1]
	stolen.BLSPubKey, stolen.BLSPoP = parts[2].BLSPubKey, parts[3].BLSPoP // another's BLS key without its proof
	if err := stolen.Check(); err == nil {
		t.Fatal("a BLS key with another key's proof of possession passed")
	}
	mixed := *parts[1]
	mixed.PubKey = parts[2].PubKey // the peer ID of one key with another key
	if _, err := Assemble("net", 0, DefaultCheckpointInterval, []*Public{parts[0], &mixed, parts[2], parts[3]}); err == nil {
		t.Fatal("a peer ID that is not its key's passed")
	}
}

// Files given in the wrong place say what they are and what belongs there.
func TestMisplacedFilesAreNamed(t *testing.T) {
	dir := t.TempDir()
	pub := newPublic(t, "/ip4/10.0.0.1/tcp/26600")
	pubPath, keyPath := filepath.Join(dir, "public.json"), filepath.Join(dir, "key.json")
	pub.Save(pubPath)
	seed, _, _ := bls.GenerateKey(rand.Reader)
	if err := SaveKeys(keyPath, GenerateKey(), seed); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(pubPath); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "sbft genesis") {
		t.Errorf("public.json as a genesis: %v", err)
	}
	if _, err := Load(keyPath); !errors.Is(err, ErrKeyMisplaced) {
		t.Errorf("key.json as a genesis: %v", err)
	}
	if _, err := LoadPublic(keyPath); !errors.Is(err, ErrKeyMisplaced) {
		t.Errorf("key.json as a public part: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "nope.json")); err == nil || !strings.Contains(err.Error(), "--network") {
		t.Errorf("missing genesis: %v", err)
	}
}

// A public part that copies another's BLS key (both it and its proof of possession are public) is refused: one
// signature would count as two signers.
func TestGenesisRefusesACopiedBLSKey(t *testing.T) {
	parts := []*Public{newPublic(t, "/ip4/10.0.0.1/tcp/1"), newPublic(t, "/ip4/10.0.0.2/tcp/1"), newPublic(t, "/ip4/10.0.0.3/tcp/1"), newPublic(t, "/ip4/10.0.0.4/tcp/1")}
	copied := *parts[3]
	copied.BLSPubKey, copied.BLSPoP = parts[0].BLSPubKey, parts[0].BLSPoP
	if err := copied.Check(); err != nil {
		t.Fatalf("the copied part is well formed on its own: %v", err)
	}
	_, err := Assemble("net", 0, DefaultCheckpointInterval, []*Public{parts[0], parts[1], parts[2], &copied})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "same bls_pub_key") {
		t.Fatalf("a copied BLS key: %v", err)
	}
}
