package genesis

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/sbftnet/sbft/bls"
)

// Public is the public part of a replica made by `sbft init`: what its operator hands to whoever assembles the
// genesis. It holds no private key; a genesis is assembled from the public parts alone (Assemble).
type Public struct {
	PeerID     string   `json:"peer_id"`
	PubKey     string   `json:"pub_key"`     // hex Ed25519 public key
	BLSPubKey  string   `json:"bls_pub_key"` // hex BLS12-381 public key (G1)
	BLSPoP     string   `json:"bls_pop"`     // hex proof of possession of BLSPubKey
	Multiaddrs []string `json:"multiaddrs"`  // where the replica listens, without /p2p/
}

// PublicOf derives the public part of a replica's keys, listening on addrs.
func PublicOf(key ed25519.PrivateKey, blsKey *bls.SecretKey, addrs []string) (*Public, error) {
	pub := key.Public().(ed25519.PublicKey)
	id, err := PeerIDOf(pub)
	if err != nil {
		return nil, err
	}
	return &Public{PeerID: id.String(), PubKey: hex.EncodeToString(pub), BLSPubKey: hex.EncodeToString(blsKey.PublicKey().Bytes()),
		BLSPoP: hex.EncodeToString(blsKey.ProvePossession().Bytes()), Multiaddrs: append([]string{}, addrs...)}, nil
}

// Marshal encodes p as indented JSON.
func (p *Public) Marshal() []byte {
	b, _ := json.MarshalIndent(p, "", "  ")
	return append(b, '\n')
}

// Save writes p to path, readable by anyone (it is public).
func (p *Public) Save(path string) error { return os.WriteFile(path, p.Marshal(), 0o644) }

// LoadPublic reads and checks a public part: the peer ID is the one of the key, the BLS key is proven.
func LoadPublic(path string) (*Public, error) {
	b, err := readBounded(path, FileBytesMax)
	if err != nil {
		return nil, err
	}
	var probe struct {
		Seed     *string         `json:"seed"`
		Replicas json.RawMessage `json:"replicas"`
	}
	if json.Unmarshal(b, &probe) == nil && probe.Seed != nil {
		return nil, fmt.Errorf("%w: %s is a private key file: give the replica's public.json (made by sbft init) and keep key.json on its machine", ErrKeyMisplaced, path)
	}
	if probe.Replicas != nil {
		return nil, fmt.Errorf("%w: %s is a genesis, not one replica's public.json (sbft init writes that in the replica's home)", ErrInvalidPublic, path)
	}
	var p Public
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidPublic, path, err)
	}
	if err := p.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// Check checks p as a genesis member: the peer ID is the one of the key, the BLS key is proven, the
// addresses parse.
func (p *Public) Check() error {
	r := Replica{PeerID: p.PeerID, PubKey: p.PubKey, BLSPubKey: p.BLSPubKey, BLSPoP: p.BLSPoP, Multiaddrs: p.Multiaddrs}
	if err := r.check(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidPublic, err)
	}
	return nil
}

// FaultsTolerated is f for n replicas of which c more may be slow on the fast path: n >= 3f+2c+1.
func FaultsTolerated(n, c int) int { return (n - 2*c - 1) / 3 }

// Assemble makes a genesis from the replicas' public parts, in the order given (that is their index), with f
// the largest n allows. It refuses a replica given twice.
func Assemble(chainID string, c int, checkpointInterval uint64, parts []*Public) (*Genesis, error) {
	if need := 3 + 2*c + 1; len(parts) < need {
		return nil, fmt.Errorf("%w: %d replicas: with c=%d a network needs at least %d (n >= 3f+2c+1, f >= 1)", ErrInvalid, len(parts), c, need)
	}
	g := &Genesis{ChainID: chainID, F: FaultsTolerated(len(parts), c), C: c, CheckpointInterval: checkpointInterval}
	seen := map[string]int{}
	for i, p := range parts {
		if j, dup := seen[p.PeerID]; dup {
			return nil, fmt.Errorf("%w: replicas %d and %d are the same (peer %s)", ErrInvalid, j, i, p.PeerID)
		}
		seen[p.PeerID] = i
		g.Replicas = append(g.Replicas, Replica{Index: uint32(i), PeerID: p.PeerID, PubKey: p.PubKey, BLSPubKey: p.BLSPubKey,
			BLSPoP: p.BLSPoP, Multiaddrs: append([]string{}, p.Multiaddrs...)})
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return g, nil
}
