package genesis

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/sbftnet/sbft/bls"
)

// ErrInvalid is returned for a genesis that breaks a rule of the package doc.
var ErrInvalid = errors.New("invalid genesis")

// ErrInvalidPublic: a replica's public part (public.json) that does not check.
var ErrInvalidPublic = errors.New("invalid public part")

// ErrKeyMisplaced: a private key file given where a genesis or a public part belongs.
var ErrKeyMisplaced = errors.New("private key given where public data belongs")

// Bounds on what a genesis file may hold.
const (
	FileBytesMax       = 1 << 20
	ReplicasMax        = 256 // consensus.ReplicasMax: certificates name their signers in a set of that many
	ChainIDBytesMax    = 64
	AddrsPerReplicaMax = 16
	// KeyFileBytesMax caps a key file (a JSON object with a hex Ed25519 key and BLS seed, well under 1 KiB).
	KeyFileBytesMax = 4096
)

// DefaultCheckpointInterval is the seed system's 150 sequence numbers (consensus.CheckpointIntervalSeqsDefault);
// a replica refuses an interval outside the core's bounds (consensus.CheckpointIntervalSeqsMin..Max).
const DefaultCheckpointInterval = 150

// Replica is one member of the replica set.
type Replica struct {
	Index      uint32   `json:"index"`
	PeerID     string   `json:"peer_id"`
	PubKey     string   `json:"pub_key"`     // hex Ed25519 public key: consensus signatures and libp2p identity
	BLSPubKey  string   `json:"bls_pub_key"` // hex BLS12-381 public key (G1): quorum certificate shares
	BLSPoP     string   `json:"bls_pop"`     // hex proof of possession of BLSPubKey (against rogue keys)
	Multiaddrs []string `json:"multiaddrs"`
}

// Genesis is the network's founding document, identical on every replica and client.
type Genesis struct {
	ChainID            string    `json:"chain_id"`
	F                  int       `json:"f"`
	C                  int       `json:"c"` // extra replicas the fast path tolerates being slow or down; n >= 3f+2c+1
	CheckpointInterval uint64    `json:"checkpoint_interval"`
	Replicas           []Replica `json:"replicas"`
}

// N is the number of replicas.
func (g *Genesis) N() int { return len(g.Replicas) }

// Validate checks the rules of the package doc.
func (g *Genesis) Validate() error {
	switch {
	case g.ChainID == "" || len(g.ChainID) > ChainIDBytesMax:
		return fmt.Errorf("%w: chain_id must have 1..%d bytes", ErrInvalid, ChainIDBytesMax)
	case g.F < 1 || g.C < 0:
		return fmt.Errorf("%w: f must be at least 1 and c at least 0", ErrInvalid)
	case len(g.Replicas) < 3*g.F+2*g.C+1 || len(g.Replicas) > ReplicasMax:
		return fmt.Errorf("%w: %d replicas, need 3f+2c+1=%d..%d", ErrInvalid, len(g.Replicas), 3*g.F+2*g.C+1, ReplicasMax)
	case g.CheckpointInterval == 0:
		return fmt.Errorf("%w: checkpoint_interval must be positive", ErrInvalid)
	}
	seen := map[string]int{} // a key given twice would count one signer as two
	for i, r := range g.Replicas {
		if r.Index != uint32(i) {
			return fmt.Errorf("%w: replica %d has index %d", ErrInvalid, i, r.Index)
		}
		if err := r.check(); err != nil {
			return fmt.Errorf("%w: replica %d: %v", ErrInvalid, i, err)
		}
		for _, k := range []string{"pub_key " + strings.ToLower(r.PubKey), "bls_pub_key " + strings.ToLower(r.BLSPubKey)} {
			if j, dup := seen[k]; dup {
				return fmt.Errorf("%w: replicas %d and %d have the same %s", ErrInvalid, j, i, strings.Fields(k)[0])
			}
			seen[k] = i
		}
	}
	return nil
}

// check checks a replica's keys and addresses: the peer ID is the one of the key, the BLS key is proven.
func (r *Replica) check() error {
	pub, err := r.PublicKey()
	if err != nil {
		return err
	}
	if id, err := PeerIDOf(pub); err != nil || id.String() != r.PeerID {
		return fmt.Errorf("peer_id does not match pub_key")
	}
	if _, err := r.BLSPublicKey(); err != nil {
		return err
	}
	if len(r.Multiaddrs) > AddrsPerReplicaMax {
		return fmt.Errorf("%d multiaddrs, at most %d", len(r.Multiaddrs), AddrsPerReplicaMax)
	}
	for _, a := range r.Multiaddrs {
		if _, err := multiaddr.NewMultiaddr(a); err != nil {
			return fmt.Errorf("multiaddr %q: %v", a, err)
		}
	}
	return nil
}

// PublicKey decodes the replica's Ed25519 public key.
func (r *Replica) PublicKey() (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(r.PubKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("pub_key is not a hex Ed25519 public key")
	}
	return ed25519.PublicKey(b), nil
}

// BLSPublicKey decodes the replica's BLS key and checks its proof of possession.
func (r *Replica) BLSPublicKey() (bls.PublicKey, error) {
	kb, err := hex.DecodeString(r.BLSPubKey)
	if err != nil {
		return bls.PublicKey{}, fmt.Errorf("bls_pub_key is not hex")
	}
	pk, err := bls.PublicKeyFromBytes(kb)
	if err != nil {
		return bls.PublicKey{}, err
	}
	pb, err := hex.DecodeString(r.BLSPoP)
	if err != nil {
		return bls.PublicKey{}, fmt.Errorf("bls_pop is not hex")
	}
	pop, err := bls.SignatureFromBytes(pb)
	if err != nil || !bls.VerifyPossession(pk, pop) {
		return bls.PublicKey{}, fmt.Errorf("bls_pop does not prove possession of bls_pub_key")
	}
	return pk, nil
}

// BLSPublicKeys returns every replica's BLS key, by index.
func (g *Genesis) BLSPublicKeys() []bls.PublicKey {
	out := make([]bls.PublicKey, len(g.Replicas))
	for i := range g.Replicas {
		out[i], _ = g.Replicas[i].BLSPublicKey() // Validate checked them
	}
	return out
}

// Addrs parses the replica's multiaddrs.
func (r *Replica) Addrs() ([]multiaddr.Multiaddr, error) {
	out := make([]multiaddr.Multiaddr, 0, len(r.Multiaddrs))
	for _, s := range r.Multiaddrs {
		a, err := multiaddr.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("multiaddr %q: %w", s, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// PublicKeys returns every replica's key, by index.
func (g *Genesis) PublicKeys() []ed25519.PublicKey {
	out := make([]ed25519.PublicKey, len(g.Replicas))
	for i := range g.Replicas {
		out[i], _ = g.Replicas[i].PublicKey() // Validate checked them
	}
	return out
}

// IndexOf returns the index of the replica with this public key.
func (g *Genesis) IndexOf(pub ed25519.PublicKey) (uint32, bool) {
	h := hex.EncodeToString(pub)
	for _, r := range g.Replicas {
		if r.PubKey == h {
			return r.Index, true
		}
	}
	return 0, false
}

// PeerIDOf derives the libp2p peer ID of an Ed25519 public key.
func PeerIDOf(pub ed25519.PublicKey) (peer.ID, error) {
	pk, err := crypto.UnmarshalEd25519PublicKey(pub)
	if err != nil {
		return "", err
	}
	return peer.IDFromPublicKey(pk)
}

// Load reads and validates a genesis file.
func Load(path string) (*Genesis, error) {
	b, err := readBounded(path, FileBytesMax)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no genesis at %s: copy the network's genesis.json there (the path config.toml names), or give --network FILE", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read genesis: %w", err)
	}
	if err := notAGenesis(path, b); err != nil {
		return nil, err
	}
	g, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// notAGenesis names the files an operator may give by mistake where a genesis or a public part belongs.
func notAGenesis(path string, b []byte) error {
	var probe struct {
		Seed     *string         `json:"seed"`
		PeerID   *string         `json:"peer_id"`
		Replicas json.RawMessage `json:"replicas"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return nil // Parse says what is wrong
	}
	switch {
	case probe.Seed != nil:
		return fmt.Errorf("%w: %s is a private key file: never hand it out; give the genesis (sbft genesis) or a public.json", ErrKeyMisplaced, path)
	case probe.PeerID != nil && probe.Replicas == nil:
		return fmt.Errorf("%w: %s is one replica's public part (public.json), not a genesis: assemble one with `sbft genesis --chain-id ID --out genesis.json PUBLIC.json...`", ErrInvalid, path)
	}
	return nil
}

// Parse decodes and validates genesis JSON.
func Parse(b []byte) (*Genesis, error) {
	var g Genesis
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return &g, nil
}

// Marshal encodes g as indented JSON.
func (g *Genesis) Marshal() []byte {
	b, _ := json.MarshalIndent(g, "", "  ")
	return append(b, '\n')
}

// Save writes g to path.
func (g *Genesis) Save(path string) error {
	return os.WriteFile(path, g.Marshal(), 0o644)
}

func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, more than %d", path, st.Size(), max)
	}
	b := make([]byte, st.Size())
	_, err = f.Read(b)
	if st.Size() == 0 {
		err = nil
	}
	return b, err
}

// ID identifies the network a genesis founds: sha256 over its chain ID, f, c, checkpoint interval and every
// replica's index and public keys, but not its addresses (a replica may move without founding another
// network). A replica's store is bound to it (chain.BindNetwork).
func (g *Genesis) ID() [32]byte {
	h := sha256.New()
	field := func(s string) {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(s))))
		h.Write([]byte(s))
	}
	field("sbft/genesis/v1")
	field(g.ChainID)
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(g.F)))
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(g.C)))
	h.Write(binary.BigEndian.AppendUint64(nil, g.CheckpointInterval))
	for _, r := range g.Replicas {
		h.Write(binary.BigEndian.AppendUint32(nil, r.Index))
		field(strings.ToLower(r.PubKey))
		field(strings.ToLower(r.BLSPubKey))
	}
	var id [32]byte
	h.Sum(id[:0])
	return id
}
