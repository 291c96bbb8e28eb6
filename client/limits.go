package client

import (
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
)

// Bounds of the transaction protocol. Each is derived from the layer it carries, so a frame this package accepts
// never holds more than the next layer takes (limits_test.go checks the whole path a transaction crosses).
const (
	// ReplyMessageBytesMax caps the human-readable detail of a reply; longer messages are truncated when encoded.
	ReplyMessageBytesMax = 512
	// SubmitFrameBytesMax caps a Submit frame: the kind byte and one transaction of at most chain.TxBytesMax
	// (which in turn fits consensus.RequestBytesMax), so a replica never reads a frame it must refuse anyway.
	SubmitFrameBytesMax = 1 + chain.TxBytesMax
	// ReplyFrameBytesMax caps a Reply frame: the fixed fields, the longest message, and for a proven reply the
	// result length, the largest result (chain.ResultBytesMax) and the largest execution proof.
	ReplyFrameBytesMax = replyFixedBytes + ReplyMessageBytesMax + replyResultLenBytes + chain.ResultBytesMax +
		ExecProofBytesMax
	// ExecProofSiblingsMax caps the Merkle path of an execution proof: a results tree of 1<<16 leaves covers
	// the largest block (chain.BlockTxsMax transactions).
	ExecProofSiblingsMax = 16
	// ExecProofBytesMax caps an execution proof: header, signers, signature (at most consensus.SigBytesMax, the
	// cap on any certificate signature), index, count, and a Merkle path of at most ExecProofSiblingsMax siblings.
	ExecProofBytesMax = chain.HeaderBytes + 8 + 1 + consensus.SigBytesMax + 4 + 4 + 1 + ExecProofSiblingsMax*32
)

// Sizes of the fixed parts of a Reply frame (see the format in wire.go).
const (
	// replyFixedBytes is kind, txHash, replica, status, reject and msgLen.
	replyFixedBytes = 1 + 32 + 4 + 1 + 1 + 2
	// replyResultLenBytes is the result length prefix of a proven reply.
	replyResultLenBytes = 4
)

// Client timeouts and bounds.
const (
	// DefaultTimeout bounds one Submit when the context has no deadline.
	DefaultTimeout = 30 * time.Second
	// SessionResendsMax bounds how often one transaction is resent to one replica after sessions broke.
	SessionResendsMax = 3
	// SessionOpenTimeout bounds opening a session; SessionRetryBackoff is how long a replica whose session
	// could not be opened counts as unreachable; SessionBacklogMax bounds what waits for a session to open.
	SessionOpenTimeout  = 5 * time.Second
	SessionRetryBackoff = time.Second
	SessionBacklogMax   = 65536
	// BusyRetriesMax and BusyRetryDelay: a busy replica is asked again after attempt × delay, this often.
	BusyRetriesMax = 10
	BusyRetryDelay = 100 * time.Millisecond
	// ProvenBlocksMax bounds the cache of blocks whose execution certificate this client verified.
	ProvenBlocksMax = 4096
)
