package wire

import (
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/chain/smt"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/proto"
)

// Bounds of the frames this package owns. Each is derived from the layer it carries, so a frame a decoder here
// accepts never holds more than the next layer takes; limits_test.go checks the whole path. Consensus message
// bounds (consensus.MessageBytesMax, SigBytesMax, RequestBytesMax, ...) stay with the core, which enforces
// them too; the transport's own caps (p2p.MeshFrameBytesMax, GossipMessageBytesMax) stay with p2p.

// Signer sets (signers.go), in every certificate.
const (
	// SignersBitmapBytesMax is the longest signer bitmap: one bit per replica of the largest network.
	SignersBitmapBytesMax = consensus.ReplicasMax / 8
	// SignersBytesMin and SignersBytesMax bound an encoded signer set: the length byte and 1 to
	// SignersBitmapBytesMax bytes of bitmap.
	SignersBytesMin = 1 + 1
	SignersBytesMax = 1 + SignersBitmapBytesMax
)

// NewView evidence tables (newview.go). Only the frame's size (consensus.MessageBytesMax) bounds what an honest
// NewView needs; these bound the counts a decoder believes before it allocates.
const (
	// NewViewCertsMax bounds a NewView's distinct certificates: of at most consensus.ReplicasMax ViewChanges, a
	// stable checkpoint and a prepare and a commit certificate per sequence number of the largest window each.
	NewViewCertsMax = consensus.ReplicasMax * (1 + 2*consensus.WindowSeqsMax)
	// NewViewEntriesMax bounds a NewView's distinct view entries: a window's worth per ViewChange.
	NewViewEntriesMax = consensus.ReplicasMax * consensus.WindowSeqsMax
)

// Transaction session (txsession.go, execproof.go).
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
	// BlockReplyFrameBytesMax caps a BlockReply frame; a replica splits a session's results of one block over
	// several frames beyond it. One entry with the largest result and path always fits.
	BlockReplyFrameBytesMax = 256 << 10
	// TxSessionAnswerBytesMax is the largest frame a client reads on a transaction session: a Reply or a
	// BlockReply.
	TxSessionAnswerBytesMax = max(ReplyFrameBytesMax, BlockReplyFrameBytesMax)
	// ExecProofSiblingsMax caps the Merkle path of an execution proof: a results tree of 1<<16 leaves covers
	// the largest block (chain.BlockTxsMax transactions).
	ExecProofSiblingsMax = 16
	// ExecProofBytesMax caps an execution proof: header, signers, signature (at most consensus.SigBytesMax, the
	// cap on any certificate signature), index, count, and a Merkle path of at most ExecProofSiblingsMax siblings.
	ExecProofBytesMax = chain.HeaderBytes + SignersBytesMax + 1 + consensus.SigBytesMax + 4 + 4 + 1 +
		ExecProofSiblingsMax*32

	// replyFixedBytes is kind, txHash, replica, status, reject and msgLen.
	replyFixedBytes = 1 + 32 + 4 + 1 + 1 + 2
	// blockReplyFixedBytes is kind, replica, primary, header, sigLen, count and nEntries (the signers and the
	// signature come on top); blockReplyEntryFixedBytes is an entry's index, result length and sibling count.
	blockReplyFixedBytes      = 1 + 4 + 4 + chain.HeaderBytes + 1 + 4 + 2
	blockReplyEntryFixedBytes = 4 + 4 + 1
	// replyResultLenBytes is the result length prefix of a proven reply.
	replyResultLenBytes = 4
)

// Checkpoints (checkpoint.go).
const (
	// AnnouncementBytesMax is the largest valid checkpoint announcement: fixed fields, a share and a signature
	// of at most consensus.SigBytesMax each (it must fit p2p.GossipMessageBytesMax; node/limits_test.go checks).
	AnnouncementBytesMax = announcementFixedBytes + 1 + consensus.SigBytesMax + 1 + consensus.SigBytesMax
	// CheckpointRequestBytesMax caps a checkpoint-protocol request (it is empty; the cap only bounds garbage).
	CheckpointRequestBytesMax = 64
	// CheckpointProofBytesMax caps the body of a checkpoint-protocol answer (one StableCheckpointProof: fixed
	// fields and one aggregate signature of at most consensus.SigBytesMax bytes), with room for a longer one.
	CheckpointProofBytesMax = 1024

	// announcementFixedBytes is version, replica, seq, height, block hash and state root.
	announcementFixedBytes = 1 + 4 + 8 + 8 + 32 + 32
	// checkpointProofFixedBytes is version, seq, height, block hash and state root (the signers follow).
	checkpointProofFixedBytes = 1 + 8 + 8 + 32 + 32
)

// State sync (blocks.go).
const (
	// SubscribeRequestBytes is the size of a subscription request: from(8).
	SubscribeRequestBytes = 8
	// BlocksRequestBytes is the size of a blocks request: from(8) and to(8).
	BlocksRequestBytes = 8 + 8
	// BlocksChunkMax caps the blocks one request may ask for (and an answer may hold).
	BlocksChunkMax = 256
	// BlocksAnswerBytesMax caps the answer a source sends: a chunk of blocks with their certificates. Defined in
	// wire/proto, which the p2p layer sizes its answer budget from.
	BlocksAnswerBytesMax = proto.BlocksAnswerBytesMax
	// BlocksAnswerReadBytesMax is what a fetcher reads of an answer: BlocksAnswerBytesMax plus slack for a
	// source whose cap is a little larger, so a version skew does not stall state transfer.
	BlocksAnswerReadBytesMax = BlocksAnswerBytesMax + 1024
)

// Certified state (reads.go).
const (
	// HeadRequestBytesMax caps a head request (it is empty; the cap only bounds garbage).
	HeadRequestBytesMax = 64
	// ExecCertBytesMax caps an encoded execution certificate (a head answer).
	ExecCertBytesMax = 8 + 32 + SignersBytesMax + 1 + consensus.SigBytesMax
	// ReadRequestBytesMax caps a read request: one key.
	ReadRequestBytesMax = chain.KeyBytesMax
	// ProvenReadBytesMax caps a read answer: key, flags, version, the largest value, a header, an execution
	// certificate's signers and signature, and the longest state proof (smt.DepthMax siblings and a leaf).
	ProvenReadBytesMax = 2 + chain.KeyBytesMax + 1 + 8 + 4 + chain.ValueBytesMax + chain.HeaderBytes +
		SignersBytesMax + 1 + consensus.SigBytesMax + 2 + smtProofBytesMax
	// SubscribedFrameBytesMax caps a pushed subscription frame: kind, top and one block (at most
	// chain.BlockBytesMax) with its commit certificate (an empty message carrying it: well under 4 KiB).
	SubscribedFrameBytesMax = 1 + 8 + 4 + chain.BlockBytesMax + 4 + 4096

	smtProofBytesMax = 2 + 32*smt.DepthMax + 1 + 64
)
