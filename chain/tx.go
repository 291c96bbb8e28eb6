package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hdevalence/ed25519consensus"
)

// Op is what a transaction does.
type Op uint8

// Operations; part of the wire format.
const (
	OpPut    Op = 1
	OpDelete Op = 2
	OpCAS    Op = 3 // put only if the key's current version equals Version (0: absent)
	OpGet    Op = 4 // a read ordered through consensus: linearizable
)

func (o Op) String() string {
	switch o {
	case OpPut:
		return "put"
	case OpDelete:
		return "delete"
	case OpCAS:
		return "cas"
	case OpGet:
		return "get"
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Errors of transaction decoding and checking.
var (
	ErrMalformedTx    = errors.New("malformed transaction")
	ErrBadSignature   = errors.New("bad transaction signature")
	ErrReplayedNonce  = errors.New("replayed nonce")
	ErrNotFound       = errors.New("not found")
	ErrMalformedBlock = errors.New("malformed block")
)

// Tx is a client's signed transaction.
type Tx struct {
	Client  [32]byte // Ed25519 public key
	Nonce   uint64
	Op      Op
	Key     []byte
	Value   []byte
	Version uint64
	Sig     [64]byte
}

// Wire: version(1)=1 client(32) nonce(8) op(1) version(8) keyLen(2) key valueLen(4) value sig(64).
const (
	txWireVersion = 1
	txFixedBytes  = 1 + 32 + 8 + 1 + 8 + 2 + 4 + 64
	txDomain      = "sbft/tx/v1"
)

func (tx *Tx) appendBody(b []byte) []byte {
	b = append(b, txWireVersion)
	b = append(b, tx.Client[:]...)
	b = binary.BigEndian.AppendUint64(b, tx.Nonce)
	b = append(b, byte(tx.Op))
	b = binary.BigEndian.AppendUint64(b, tx.Version)
	b = binary.BigEndian.AppendUint16(b, uint16(len(tx.Key)))
	b = append(b, tx.Key...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(tx.Value)))
	return append(b, tx.Value...)
}

// SigningBytes is what the client signs: a domain, the chain ID and the body.
func (tx *Tx) SigningBytes(chainID string) []byte {
	b := make([]byte, 0, len(txDomain)+2+len(chainID)+txFixedBytes+len(tx.Key)+len(tx.Value))
	b = append(b, txDomain...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(chainID)))
	b = append(b, chainID...)
	return tx.appendBody(b)
}

// Sign signs tx with the client's key (which must match tx.Client).
func (tx *Tx) Sign(chainID string, priv ed25519.PrivateKey) {
	copy(tx.Sig[:], ed25519.Sign(priv, tx.SigningBytes(chainID)))
}

// Marshal encodes tx canonically.
func (tx *Tx) Marshal() []byte {
	b := tx.appendBody(make([]byte, 0, txFixedBytes+len(tx.Key)+len(tx.Value)))
	return append(b, tx.Sig[:]...)
}

// TxHash is a transaction's identity: sha256 of its encoding.
func TxHash(raw []byte) [32]byte { return sha256.Sum256(raw) }

// UnmarshalTx decodes raw strictly; it never panics.
func UnmarshalTx(raw []byte) (*Tx, error) {
	if len(raw) < txFixedBytes || len(raw) > TxBytesMax {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformedTx, len(raw))
	}
	if raw[0] != txWireVersion {
		return nil, fmt.Errorf("%w: version %d", ErrMalformedTx, raw[0])
	}
	tx := &Tx{}
	copy(tx.Client[:], raw[1:33])
	tx.Nonce = binary.BigEndian.Uint64(raw[33:41])
	tx.Op = Op(raw[41])
	tx.Version = binary.BigEndian.Uint64(raw[42:50])
	kl := int(binary.BigEndian.Uint16(raw[50:52]))
	rest := raw[52:]
	if kl == 0 || kl > KeyBytesMax || len(rest) < kl+4 {
		return nil, fmt.Errorf("%w: key of %d bytes", ErrMalformedTx, kl)
	}
	tx.Key = append([]byte(nil), rest[:kl]...)
	rest = rest[kl:]
	vl := int(binary.BigEndian.Uint32(rest[:4]))
	rest = rest[4:]
	if vl > ValueBytesMax || len(rest) != vl+64 {
		return nil, fmt.Errorf("%w: value of %d bytes", ErrMalformedTx, vl)
	}
	if vl > 0 {
		tx.Value = append([]byte(nil), rest[:vl]...)
	}
	copy(tx.Sig[:], rest[vl:])
	switch tx.Op {
	case OpPut, OpCAS:
	case OpDelete, OpGet:
		if vl != 0 {
			return nil, fmt.Errorf("%w: %v carries a value", ErrMalformedTx, tx.Op)
		}
	default:
		return nil, fmt.Errorf("%w: op %d", ErrMalformedTx, tx.Op)
	}
	return tx, nil
}

// VerifySig checks the client's signature (ZIP-215 rules, the same as batch verification, so every replica
// reaches the same verdict whichever path it takes).
func (tx *Tx) VerifySig(chainID string) error {
	if !ed25519consensus.Verify(tx.Client[:], tx.SigningBytes(chainID), tx.Sig[:]) {
		return ErrBadSignature
	}
	return nil
}

// VerifyTxs checks many signatures with one batch verification, and one by one only if the batch fails, to
// find the bad ones. The result has one entry per tx (nil: valid).
func VerifyTxs(chainID string, txs []*Tx) []error {
	errs := make([]error, len(txs))
	if len(txs) == 0 {
		return errs
	}
	bv := ed25519consensus.NewPreallocatedBatchVerifier(len(txs))
	for _, tx := range txs {
		bv.Add(tx.Client[:], tx.SigningBytes(chainID), tx.Sig[:])
	}
	if bv.Verify() {
		return errs
	}
	for i, tx := range txs {
		errs[i] = tx.VerifySig(chainID)
	}
	return errs
}
