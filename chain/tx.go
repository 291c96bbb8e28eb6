package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/hdevalence/ed25519consensus"

	"github.com/sbftnet/sbft/wire/be"
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
	ErrMalformedTx   = errors.New("malformed transaction")
	ErrBadSignature  = errors.New("bad transaction signature")
	ErrReplayedNonce = errors.New("replayed nonce")
	// ErrStaleNonce: the nonce is below the client's window. The transaction never executed and never can;
	// the client signs it again with a fresh nonce.
	ErrStaleNonce     = errors.New("stale nonce")
	ErrNotFound       = errors.New("not found")
	ErrMalformedBlock = errors.New("malformed block")
	// ErrMalformedRecord is a stored record of the chain's own (kv entry, nonce state, schema) that does not decode.
	ErrMalformedRecord = errors.New("malformed stored record")
	// ErrStoreInUse: another process holds the data directory open (two replicas with one home).
	ErrStoreInUse = errors.New("the data directory is in use")
	// ErrStoreCorrupt: the data directory's files are damaged; the state must be fetched again.
	ErrStoreCorrupt = errors.New("the data directory is corrupted")
	// ErrTooLarge: a key or value over its bound (a SizeError says which and by how much).
	ErrTooLarge = errors.New("too large")
)

// SizeError is a key or value outside its bounds, said so that the user knows the limit.
type SizeError struct {
	What       string // "key" or "value"
	Bytes, Max int
}

func (e *SizeError) Error() string {
	if e.Bytes == 0 {
		return fmt.Sprintf("%s empty: want 1 to %s bytes", e.What, groupDigits(e.Max))
	}
	return fmt.Sprintf("%s too large: %s bytes, max %s", e.What, groupDigits(e.Bytes), groupDigits(e.Max))
}

// Unwrap lets errors.Is(err, ErrTooLarge) hold for an oversized key or value.
func (e *SizeError) Unwrap() error {
	if e.Bytes == 0 {
		return ErrMalformedTx
	}
	return ErrTooLarge
}

// CheckSizes reports a key or value that no replica would accept, before anything is signed or sent.
func CheckSizes(key, value []byte) error {
	if len(key) == 0 || len(key) > KeyBytesMax {
		return &SizeError{What: "key", Bytes: len(key), Max: KeyBytesMax}
	}
	if len(value) > ValueBytesMax {
		return &SizeError{What: "value", Bytes: len(value), Max: ValueBytesMax}
	}
	return nil
}

// groupDigits writes n with thousands separators (65536 → "65,536").
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

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
	b = be.AppendU64(b, tx.Nonce)
	b = append(b, byte(tx.Op))
	b = be.AppendU64(b, tx.Version)
	b = be.AppendU16(b, uint16(len(tx.Key)))
	b = append(b, tx.Key...)
	return be.AppendLenBytes32(b, tx.Value)
}

// SigningBytes is what the client signs: a domain, the chain ID and the body.
func (tx *Tx) SigningBytes(chainID string) []byte {
	b := make([]byte, 0, len(txDomain)+2+len(chainID)+txFixedBytes+len(tx.Key)+len(tx.Value))
	b = append(b, txDomain...)
	b = be.AppendU16(b, uint16(len(chainID)))
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

// TxHashes hashes each transaction.
func TxHashes(txs [][]byte) [][32]byte {
	hs := make([][32]byte, len(txs))
	for i, raw := range txs {
		hs[i] = TxHash(raw)
	}
	return hs
}

// TxOrigin reads only the client key and nonce of an encoded transaction, without copying it (the driver's
// sweep of its request queue reads thousands); false when raw is too short or of another version.
func TxOrigin(raw []byte) (client [32]byte, nonce uint64, ok bool) {
	if len(raw) < txFixedBytes || raw[0] != txWireVersion {
		return client, 0, false
	}
	r := be.NewReader(raw[1:], ErrMalformedTx)
	return r.Hash32(), r.U64(), true
}

// UnmarshalTx decodes raw strictly; it never panics.
func UnmarshalTx(raw []byte) (*Tx, error) {
	if len(raw) < txFixedBytes || len(raw) > TxBytesMax {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformedTx, len(raw))
	}
	if raw[0] != txWireVersion {
		return nil, fmt.Errorf("%w: version %d", ErrMalformedTx, raw[0])
	}
	r := be.NewReader(raw[1:], ErrMalformedTx)
	tx := &Tx{Client: r.Hash32(), Nonce: r.U64(), Op: Op(r.U8()), Version: r.U64()}
	kl := int(r.U16())
	if kl == 0 || kl > KeyBytesMax {
		r.Failf("key of %d bytes", kl)
	}
	tx.Key = r.BytesCopy(kl)
	vl := int(r.U32())
	if r.Err() == nil && (vl > ValueBytesMax || r.Left() != vl+64) {
		r.Failf("value of %d bytes", vl)
	}
	tx.Value = r.BytesCopy(vl)
	copy(tx.Sig[:], r.Bytes(64))
	if err := r.Err(); err != nil {
		return nil, err
	}
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

// VerifyTxs checks many signatures with one batch verification (batchverify.go: the same ZIP-215 rules as
// VerifySig), and one by one only if the batch fails, to find the bad ones. The result has one entry per tx
// (nil: valid).
func VerifyTxs(chainID string, txs []*Tx) []error {
	errs := make([]error, len(txs))
	if len(txs) == 0 || len(txs) > 1 && verifyBatch(chainID, txs) {
		return errs
	}
	for i, tx := range txs {
		errs[i] = tx.VerifySig(chainID)
	}
	return errs
}
