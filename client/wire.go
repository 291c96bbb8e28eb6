package client

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The transaction protocol ("/sbft/<chain-id>/tx/1") is a session: the client sends Submit frames, the replica
// answers each with one Reply frame when the transaction is rejected at intake or once it executed.
//
//	Submit: kind(1)=1 tx(rest: chain.Tx wire bytes)
//	Reply:  kind(1)=2 txHash(32) replica(4) status(1) reject(1) msgLen(2) msg result(rest: chain.Result bytes, committed only)

// SessionName is the p2p session name of the transaction protocol.
const SessionName = "tx"

// Frame kinds.
const (
	frameSubmit byte = 1
	frameReply  byte = 2
)

// Status says what happened to a submitted transaction at one replica.
type Status uint8

// Statuses.
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
	case RejectWrongChain:
		return "wrong chain"
	}
	return fmt.Sprintf("reject(%d)", uint8(r))
}

// ErrMalformedFrame is returned for frames that do not decode.
var ErrMalformedFrame = errors.New("malformed tx protocol frame")

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

// DecodeSubmit returns the transaction bytes of a Submit frame.
func DecodeSubmit(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != frameSubmit {
		return nil, fmt.Errorf("%w: not a submit frame", ErrMalformedFrame)
	}
	if len(b) > SubmitFrameBytesMax {
		return nil, fmt.Errorf("%w: submit of %d bytes", ErrMalformedFrame, len(b))
	}
	return b[1:], nil
}

// Encode frames a reply.
func (r *Reply) Encode() []byte {
	msg := r.Message
	if len(msg) > ReplyMessageBytesMax {
		msg = msg[:ReplyMessageBytesMax]
	}
	b := make([]byte, 0, replyFixedBytes+len(msg)+len(r.Result))
	b = append(b, frameReply)
	b = append(b, r.TxHash[:]...)
	b = binary.BigEndian.AppendUint32(b, r.Replica)
	b = append(b, byte(r.Status), byte(r.Reject))
	b = binary.BigEndian.AppendUint16(b, uint16(len(msg)))
	b = append(b, msg...)
	if r.Status == StatusProven {
		b = binary.BigEndian.AppendUint32(b, uint32(len(r.Result)))
		b = append(b, r.Result...)
		return append(b, r.Proof...)
	}
	return append(b, r.Result...)
}

// DecodeReply parses a reply frame; it never panics on bad bytes.
func DecodeReply(b []byte) (*Reply, error) {
	const fixed = replyFixedBytes
	if len(b) < fixed || b[0] != frameReply || len(b) > ReplyFrameBytesMax {
		return nil, fmt.Errorf("%w: reply of %d bytes", ErrMalformedFrame, len(b))
	}
	r := &Reply{}
	copy(r.TxHash[:], b[1:33])
	r.Replica = binary.BigEndian.Uint32(b[33:37])
	r.Status, r.Reject = Status(b[37]), Reject(b[38])
	n := int(binary.BigEndian.Uint16(b[39:41]))
	if n > ReplyMessageBytesMax || fixed+n > len(b) {
		return nil, fmt.Errorf("%w: message length %d", ErrMalformedFrame, n)
	}
	r.Message = string(b[fixed : fixed+n])
	rest := b[fixed+n:]
	switch r.Status {
	case StatusCommitted, StatusRejected:
		r.Result = append([]byte(nil), rest...)
	case StatusProven:
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: proven reply without a result", ErrMalformedFrame)
		}
		l := int(binary.BigEndian.Uint32(rest))
		if l > len(rest)-4 || len(rest)-4-l > ExecProofBytesMax {
			return nil, fmt.Errorf("%w: proven reply lengths", ErrMalformedFrame)
		}
		r.Result = append([]byte(nil), rest[4:4+l]...)
		r.Proof = append([]byte(nil), rest[4+l:]...)
	default:
		return nil, fmt.Errorf("%w: status %d", ErrMalformedFrame, r.Status)
	}
	return r, nil
}
