package wire

import "github.com/sbftnet/sbft/consensus"

// Frames of the replicas' own messages, which the consensus core never sees. They travel in the consensus
// message format (so they are signed with MessageSigningBytes and verified like consensus messages), under
// type bytes of their own that consensus reserves in its numbering.
const (
	// FrameExecShare: replica -> a block's execution collector: a share over ExecSigningBytes(height, block
	// hash); collector -> every replica: the execution certificate, without a share. See ExecShare.
	FrameExecShare consensus.MsgType = 12
	// FrameRequest: backup -> primary: client requests that waited at the backup (consensus.Forward); the
	// primary's node checks each as a client submission.
	FrameRequest consensus.MsgType = 17
)

// validType reports whether the decoder takes a message of type t: a protocol message type of the core, or
// a replica frame.
func validType(t consensus.MsgType) bool {
	return t.Valid() || t == FrameExecShare || t == FrameRequest
}

// ExecShare is what an execution frame carries: replica From's share for block Height with hash BlockHash,
// or, from the block's collector, the block's execution certificate (Cert; no share then).
type ExecShare struct {
	From      uint32
	Height    uint64
	BlockHash [32]byte
	Share     []byte
	Cert      *ExecCert
}

// Message is s as an unsigned frame. The message format has no height field: the height travels in Seq, the
// block hash in Digest, in view 0, as the certificate's signing bytes (ExecSigningBytes) have them.
func (s *ExecShare) Message() *consensus.Message {
	m := &consensus.Message{Type: FrameExecShare, From: s.From, Seq: s.Height, Digest: s.BlockHash, Share: s.Share}
	if s.Cert != nil {
		m.Cert = &consensus.Certificate{Kind: consensus.CertExec, Seq: s.Height, Digest: s.BlockHash,
			Signers: s.Cert.Signers, Sig: s.Cert.Sig}
	}
	return m
}

// ExecShareOf reads an execution frame (type FrameExecShare).
func ExecShareOf(m *consensus.Message) *ExecShare {
	s := &ExecShare{From: m.From, Height: m.Seq, BlockHash: m.Digest, Share: m.Share}
	if m.Cert != nil {
		s.Cert = &ExecCert{Height: m.Seq, BlockHash: m.Digest, Signers: m.Cert.Signers, Sig: m.Cert.Sig}
	}
	return s
}

// ForwardMessage is f, forwarded by replica from, as an unsigned frame.
func ForwardMessage(from uint32, f consensus.Forward) *consensus.Message {
	return &consensus.Message{Type: FrameRequest, From: from, View: f.View, Requests: f.Requests}
}
