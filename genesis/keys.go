package genesis

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/libp2p/go-libp2p/core/crypto"

	"github.com/sbftnet/sbft/bls"
)

// ErrKeyFile is returned for a key file that cannot be used.
var ErrKeyFile = errors.New("invalid key file")

// KeyFileMode is the only permission a key file may have: readable by its owner alone.
const KeyFileMode = 0o600

type keyFile struct {
	Type    string `json:"type"`
	Seed    string `json:"seed"`               // hex Ed25519 seed (32 bytes)
	PubKey  string `json:"pub_key"`            // hex, for operators
	PeerID  string `json:"peer_id"`            // for operators
	BLSSeed string `json:"bls_seed,omitempty"` // hex BLS seed (replicas only)
}

// GenerateKey makes a new Ed25519 key.
func GenerateKey() ed25519.PrivateKey {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return priv
}

// SaveKey writes key to path with mode 0600, failing if the file exists.
func SaveKey(path string, key ed25519.PrivateKey) error { return SaveKeys(path, key, nil) }

// SaveKeys writes a replica's Ed25519 key and BLS seed (nil for a client) to path with mode 0600.
func SaveKeys(path string, key ed25519.PrivateKey, blsSeed []byte) error {
	id, err := PeerIDOf(key.Public().(ed25519.PublicKey))
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(keyFile{
		Type: "ed25519", Seed: hex.EncodeToString(key.Seed()),
		PubKey: hex.EncodeToString(key.Public().(ed25519.PublicKey)), PeerID: id.String(),
		BLSSeed: hex.EncodeToString(blsSeed),
	}, "", "  ")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, KeyFileMode)
	if err != nil {
		return fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write key file: %w", err)
	}
	return f.Close()
}

// LoadKey reads the Ed25519 key of a key file; it refuses one that others can read.
func LoadKey(path string) (ed25519.PrivateKey, error) {
	kf, err := loadKeyFile(path)
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(kf.Seed)
	if kf.Type != "ed25519" || err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: %s: not an ed25519 seed", ErrKeyFile, path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// LoadBLSKey reads the BLS key of a replica's key file.
func LoadBLSKey(path string) (*bls.SecretKey, error) {
	kf, err := loadKeyFile(path)
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(kf.BLSSeed)
	if err != nil || len(seed) != bls.SeedSize {
		return nil, fmt.Errorf("%w: %s: no BLS seed", ErrKeyFile, path)
	}
	return bls.KeyFromSeed(seed)
}

func loadKeyFile(path string) (*keyFile, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %o, want %o", ErrKeyFile, path, st.Mode().Perm(), KeyFileMode)
	}
	b, err := readBounded(path, KeyFileBytesMax)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrKeyFile, path, err)
	}
	return &kf, nil
}

// LibP2PKey converts an Ed25519 key into the libp2p identity key, so the peer ID follows from the key file.
func LibP2PKey(key ed25519.PrivateKey) (crypto.PrivKey, error) {
	return crypto.UnmarshalEd25519PrivateKey(key)
}
