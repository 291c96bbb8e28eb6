package genesis

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sbftnet/sbft/bls"
)

func validGenesis(t *testing.T, n int) *Genesis {
	g := &Genesis{ChainID: "c", F: (n - 1) / 3, CheckpointInterval: 150}
	for i := 0; i < n; i++ {
		pub := GenerateKey().Public().(ed25519.PublicKey)
		id, err := PeerIDOf(pub)
		if err != nil {
			t.Fatal(err)
		}
		_, bk, err := bls.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		bpk := bk.PublicKey()
		g.Replicas = append(g.Replicas, Replica{Index: uint32(i), PeerID: id.String(), PubKey: hex.EncodeToString(pub),
			BLSPubKey: hex.EncodeToString(bpk.Bytes()), BLSPoP: hex.EncodeToString(bk.ProvePossession().Bytes()),
			Multiaddrs: []string{"/ip4/127.0.0.1/tcp/1"}})
	}
	return g
}

func TestValidate(t *testing.T) {
	cases := map[string]func(g *Genesis){
		"no chain id":        func(g *Genesis) { g.ChainID = "" },
		"too few replicas":   func(g *Genesis) { g.Replicas = g.Replicas[:3] },
		"f zero":             func(g *Genesis) { g.F = 0 },
		"index out of order": func(g *Genesis) { g.Replicas[1].Index = 5 },
		"peer id mismatch":   func(g *Genesis) { g.Replicas[0].PeerID = g.Replicas[1].PeerID },
		"bad multiaddr":      func(g *Genesis) { g.Replicas[2].Multiaddrs = []string{"nonsense"} },
		"bad key":            func(g *Genesis) { g.Replicas[3].PubKey = "zz" },
		"no checkpoints":     func(g *Genesis) { g.CheckpointInterval = 0 },
		"rogue bls key":      func(g *Genesis) { g.Replicas[1].BLSPoP = g.Replicas[2].BLSPoP },
		"missing bls key":    func(g *Genesis) { g.Replicas[0].BLSPubKey = "" },
	}
	if err := validGenesis(t, 4).Validate(); err != nil {
		t.Fatalf("valid genesis refused: %v", err)
	}
	for name, breakIt := range cases {
		g := validGenesis(t, 4)
		breakIt(g)
		if err := g.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	g := validGenesis(t, 7)
	back, err := Parse(g.Marshal())
	if err != nil || back.N() != 7 || back.F != 2 {
		t.Fatalf("round trip: %v", err)
	}
}

// TestReplicasMax: a network of ReplicasMax replicas is valid and round-trips through its file; one more is
// refused.
func TestReplicasMax(t *testing.T) {
	g := validGenesis(t, ReplicasMax+1)
	if err := g.Validate(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("%d replicas: %v", g.N(), err)
	}
	g.Replicas = g.Replicas[:ReplicasMax]
	back, err := Parse(g.Marshal())
	if err != nil || back.N() != ReplicasMax {
		t.Fatalf("%d replicas: %v", g.N(), err)
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key.json")
	k := GenerateKey()
	if err := SaveKey(path, k); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != KeyFileMode {
		t.Fatalf("key file mode %o", st.Mode().Perm())
	}
	got, err := LoadKey(path)
	if err != nil || !got.Equal(k) {
		t.Fatalf("load: %v", err)
	}
	if _, err := LoadBLSKey(path); !errors.Is(err, ErrKeyFile) {
		t.Fatalf("a client key file has a BLS key: %v", err)
	}
	rpath := filepath.Join(dir, "replica.json")
	seed, bk, _ := bls.GenerateKey(rand.Reader)
	if err := SaveKeys(rpath, k, seed); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadBLSKey(rpath); err != nil || !bytes.Equal(got.PublicKey().Bytes(), bk.PublicKey().Bytes()) {
		t.Fatalf("load BLS key: %v", err)
	}
	if SaveKey(path, k) == nil {
		t.Fatal("an existing key file was overwritten")
	}
	os.Chmod(path, 0o644)
	if _, err := LoadKey(path); !errors.Is(err, ErrKeyFile) {
		t.Fatalf("a world-readable key file was accepted: %v", err)
	}
}

func TestIDNamesTheNetworkNotItsAddresses(t *testing.T) {
	g := validGenesis(t, 4)
	id := g.ID()
	moved := *g
	moved.Replicas = append([]Replica(nil), g.Replicas...)
	moved.Replicas[0].Multiaddrs = []string{"/ip4/10.0.0.9/tcp/1"}
	if moved.ID() != id {
		t.Fatal("a replica's new address changed the network's ID")
	}
	for name, change := range map[string]func(*Genesis){
		"chain id": func(g *Genesis) { g.ChainID += "x" },
		"f":        func(g *Genesis) { g.F++ },
		"interval": func(g *Genesis) { g.CheckpointInterval++ },
		"key":      func(g *Genesis) { g.Replicas[1].PubKey = g.Replicas[2].PubKey },
	} {
		other := *g
		other.Replicas = append([]Replica(nil), g.Replicas...)
		change(&other)
		if other.ID() == id {
			t.Errorf("%s changed, the ID did not", name)
		}
	}
}
