package wire

import (
	"crypto/sha256"
	"fmt"
	"hash"

	"github.com/sbftnet/sbft/wire/be"
)

// The transaction session (TxSession, /sbft/<chain-id>/tx/1): the client sends Submit frames; the replica
// answers a transaction it refused at intake with a Reply, and the transactions of one block that executed with
// one BlockReply (blockreply.go) once the block has its execution certificate, or a plain Reply each when the
// certificate does not come in time or for a copy of a transaction that executed before.
//
//	Submit: kind(1)=1 tx(rest: chain.Tx wire bytes)
//	Reply:  kind(1)=2 txHash(32) replica(4) status(1) reject(1) msgLen(2) msg result(rest: chain.Result bytes)
//	        a proven reply instead: ... msg resultLen(4) result proof(rest: ExecProof bytes)

// Frame kinds.
const (
	frameSubmit     byte = 1
	frameReply      byte = 2
	frameBlockReply byte = 3 // blockreply.go
)

// Status says what happened to a submitted transaction at one replica.
type Status uint8

// Statuses; part of the wire format.
const (
	StatusCommitted Status = 1 // executed; Result holds the outcome (which may itself be a failure code)
	StatusRejected  Status = 2 // refused at intake; Reject tells why, nothing was ordered
	StatusProven    Status = 3 // executed; Result plus an execution proof a client accepts on its own
)

// Reject is why a replica refused a transaction at intake.
type Reject uint8

// Reject reasons; part of the wire format.
const (
	RejectNone          Reject = 0
	RejectMalformed     Reject = 1
	RejectBadSignature  Reject = 2
	RejectReplayedNonce Reject = 3
	RejectBusy          Reject = 4
	RejectTooLarge      Reject = 5
	RejectWrongChain    Reject = 6
	RejectStaleNonce    Reject = 7 // below the client's nonce window: sign again with a fresh nonce
)

func (r Reject) String() string {
	switch r {
	case RejectNone:
		return "none"
	case RejectMalformed:
		return "malformed transaction"
	case RejectBadSignature:
		return "bad signature"
	case RejectReplayedNonce:
		return "replayed nonce"
	case RejectBusy:
		return "replica busy"
	case RejectTooLarge:
		return "transaction too large"
	case RejectStaleNonce:
		return "stale nonce"
	case RejectWrongChain:
		return "wrong chain"
	}
	return fmt.Sprintf("reject(%d)", uint8(r))
}

// Reply is a replica's answer about one transaction.
type Reply struct {
	TxHash  [32]byte
	Replica uint32
	Status  Status
	Reject  Reject
	Message string // human-readable detail
	Result  []byte // chain.Result wire bytes when committed
	Proof   []byte // StatusProven: an ExecProof
}

// EncodeSubmit frames a transaction.
func EncodeSubmit(tx []byte) []byte {
	return append([]byte{frameSubmit}, tx...)
}

// SubmitHasher computes, from the bytes of a Submit frame streamed through Write, the hash of the transaction it
// carries (chain.TxHash: sha256 of the transaction bytes), without holding the frame: a replica answers an
// oversized submission it does not read into memory with a reject the client can match.
type SubmitHasher struct {
	h    hash.Hash
	kind bool // the frame's kind byte was seen
}

// NewSubmitHasher returns an empty SubmitHasher.
func NewSubmitHasher() *SubmitHasher { return &SubmitHasher{h: sha256.New()} }

func (s *SubmitHasher) Write(p []byte) (int, error) {
	n := len(p)
	if !s.kind && n > 0 {
		s.kind, p = true, p[1:]
	}
	s.h.Write(p)
	return n, nil
}

// Sum is the transaction hash of the frame written so far.
func (s *SubmitHasher) Sum() (h [32]byte) {
	s.h.Sum(h[:0])
	return h
}

// DecodeSubmit returns the transaction bytes of a Submit frame (aliasing b).
func DecodeSubmit(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != frameSubmit {
		return nil, errorf(ErrMalformedFrame, "not a submit frame")
	}
	if len(b) > SubmitFrameBytesMax {
		return nil, errorf(ErrMalformedFrame, "submit of %d bytes", len(b))
	}
	return b[1:], nil
}

// Encode frames a reply; a message longer than ReplyMessageBytesMax is truncated.
func (r *Reply) Encode() []byte {
	msg := r.Message
	if len(msg) > ReplyMessageBytesMax {
		msg = msg[:ReplyMessageBytesMax]
	}
	b := make([]byte, 0, replyFixedBytes+len(msg)+replyResultLenBytes+len(r.Result)+len(r.Proof))
	b = append(b, frameReply)
	b = append(b, r.TxHash[:]...)
	b = be.AppendU32(b, r.Replica)
	b = append(b, byte(r.Status), byte(r.Reject))
	b = be.AppendU16(b, uint16(len(msg)))
	b = append(b, msg...)
	if r.Status == StatusProven {
		b = be.AppendLenBytes32(b, r.Result)
		return append(b, r.Proof...)
	}
	return append(b, r.Result...)
}

// DecodeReply parses a reply frame; it never panics on bad bytes.
func DecodeReply(b []byte) (*Reply, error) {
	if len(b) < replyFixedBytes || b[0] != frameReply || len(b) > ReplyFrameBytesMax {
		return nil, errorf(ErrMalformedFrame, "reply of %d bytes", len(b))
	}
	rd := be.NewReader(b[1:], ErrMalformedFrame)
	r := &Reply{TxHash: rd.Hash32(), Replica: rd.U32(), Status: Status(rd.U8()), Reject: Reject(rd.U8())}
	n := int(rd.U16())
	if n > ReplyMessageBytesMax || n > rd.Left() {
		return nil, errorf(ErrMalformedFrame, "message length %d", n)
	}
	r.Message = string(rd.Bytes(n))
	switch r.Status {
	case StatusCommitted, StatusRejected:
		r.Result = rd.BytesCopy(rd.Left())
	case StatusProven:
		if rd.Left() < replyResultLenBytes {
			return nil, errorf(ErrMalformedFrame, "proven reply without a result")
		}
		l := int(rd.U32())
		if l > rd.Left() || rd.Left()-l > ExecProofBytesMax {
			return nil, errorf(ErrMalformedFrame, "proven reply lengths")
		}
		r.Result = rd.BytesCopy(l)
		r.Proof = rd.BytesCopy(rd.Left())
	default:
		return nil, errorf(ErrMalformedFrame, "status %d", r.Status)
	}
	return r, rd.Err()
}
