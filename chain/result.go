package chain

import (
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/wire/be"
)

// Code is a transaction's outcome.
type Code uint8

// Codes; part of the wire format.
const (
	CodeOK              Code = 0
	CodeBadSignature    Code = 1
	CodeReplayedNonce   Code = 2
	CodeConditionFailed Code = 3
	CodeMalformed       Code = 4
	// CodeStaleNonce: the nonce fell below the client's window (NonceWindow later nonces executed first): the
	// transaction did not apply and never will, so the client may sign it again with a fresh nonce. Not a replay.
	CodeStaleNonce Code = 5
)

func (c Code) String() string {
	switch c {
	case CodeOK:
		return "ok"
	case CodeBadSignature:
		return "bad signature"
	case CodeReplayedNonce:
		return "replayed nonce"
	case CodeConditionFailed:
		return "condition failed (version mismatch)"
	case CodeMalformed:
		return "malformed transaction"
	case CodeStaleNonce:
		return "stale nonce (below the client's window; not executed)"
	}
	return fmt.Sprintf("code(%d)", uint8(c))
}

// ErrMalformedResult is returned for bytes that do not decode to a result.
var ErrMalformedResult = errors.New("malformed result")

// Result is the outcome of one executed transaction; identical on every correct replica.
type Result struct {
	TxHash  [32]byte
	Code    Code
	Found   bool   // get: the key existed
	Version uint64 // the key's version after the transaction
	Height  uint64
	Seq     uint64
	Value   []byte // get: the value
}

// Wire: txHash(32) code(1) found(1) version(8) height(8) seq(8) valueLen(4) value.
const resultFixedBytes = 32 + 1 + 1 + 8 + 8 + 8 + 4

// Marshal encodes r.
func (r *Result) Marshal() []byte {
	b := make([]byte, 0, resultFixedBytes+len(r.Value))
	b = append(b, r.TxHash[:]...)
	found := byte(0)
	if r.Found {
		found = 1
	}
	b = append(b, byte(r.Code), found)
	b = be.AppendU64(b, r.Version)
	b = be.AppendU64(b, r.Height)
	b = be.AppendU64(b, r.Seq)
	return be.AppendLenBytes32(b, r.Value)
}

// UnmarshalResult decodes b strictly; it never panics.
func UnmarshalResult(b []byte) (*Result, error) {
	if len(b) < resultFixedBytes || len(b) > ResultBytesMax {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformedResult, len(b))
	}
	rd := be.NewReader(b, ErrMalformedResult)
	r := &Result{TxHash: rd.Hash32(), Code: Code(rd.U8())}
	if found := rd.U8(); found > 1 {
		rd.Failf("found flag %d", found)
	} else {
		r.Found = found == 1
	}
	r.Version, r.Height, r.Seq = rd.U64(), rd.U64(), rd.U64()
	if n := int(rd.U32()); rd.Err() == nil && n != rd.Left() {
		rd.Failf("value length %d", n)
	}
	r.Value = rd.BytesCopy(rd.Left())
	if err := rd.Err(); err != nil {
		return nil, err
	}
	return r, nil
}
