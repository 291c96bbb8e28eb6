package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// ReplicaID is a replica's index in the genesis, 0..n-1.
type ReplicaID = uint32

// Broadcast as an Outbound destination means every other replica.
const Broadcast ReplicaID = 1<<32 - 1

// MsgType tells which protocol message a Message is.
type MsgType uint8

// Message types. The numbering is part of the wire format and of the signed bytes: never reuse a value.
const (
	MsgPrePrepare MsgType = 1 // primary -> all: (view, seq, digest, requests)
	MsgPrepare    MsgType = 2 // backup -> all: (view, seq, digest)
	MsgCommit     MsgType = 3 // replica -> all: (view, seq, digest)
	MsgStatus     MsgType = 4 // replica -> all: heartbeat with (view, last executed)
	MsgCommitted  MsgType = 5 // replica -> lagging replica: batch + commit certificate
)

func (t MsgType) String() string {
	switch t {
	case MsgPrePrepare:
		return "PrePrepare"
	case MsgPrepare:
		return "Prepare"
	case MsgCommit:
		return "Commit"
	case MsgStatus:
		return "Status"
	case MsgCommitted:
		return "Committed"
	}
	return fmt.Sprintf("MsgType(%d)", uint8(t))
}

// Vote is one replica's signature in a certificate.
type Vote struct {
	From ReplicaID
	Sig  []byte
}

// Message is every protocol message, in one flat struct as raftpb.Message is; fields a type does not use are
// zero. Sig is the sender's signature over SigningBytes: the core carries it opaquely (into certificates) and
// never checks it: the node verifies before Step.
type Message struct {
	Type         MsgType
	From         ReplicaID
	View         uint64
	Seq          uint64
	Digest       [32]byte
	LastExecuted uint64   // Status
	Requests     [][]byte // PrePrepare, Committed
	Cert         []Vote   // Committed: Commit votes over (View, Seq, Digest)
	Sig          []byte

	// ReqDigests are the digests of Requests, filled by the verifier (not on the wire) so the core does not
	// hash requests on its single thread. Nil means the core computes them.
	ReqDigests [][32]byte
}

// signingDomain separates sbft consensus signatures from every other use of a replica key.
const signingDomain = "sbft/consensus/v1"

// SigningBytes is what the sender signs: the domain, the chain ID and every field that carries meaning.
// Requests are covered by Digest (checked against BatchDigest by the verifier); Cert votes are signatures of
// their own. Status covers LastExecuted.
func (m *Message) SigningBytes(chainID string) []byte {
	b := make([]byte, 0, len(signingDomain)+len(chainID)+80)
	b = append(b, signingDomain...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(chainID)))
	b = append(b, chainID...)
	b = append(b, byte(m.Type))
	b = binary.BigEndian.AppendUint32(b, m.From)
	b = binary.BigEndian.AppendUint64(b, m.View)
	b = binary.BigEndian.AppendUint64(b, m.Seq)
	b = append(b, m.Digest[:]...)
	b = binary.BigEndian.AppendUint64(b, m.LastExecuted)
	return b
}

// CommitVoteSigningBytes is what a replica signed when it voted Commit for (view, seq, digest): certificate
// verifiers rebuild it for each vote.
func CommitVoteSigningBytes(chainID string, from ReplicaID, view, seq uint64, digest [32]byte) []byte {
	m := Message{Type: MsgCommit, From: from, View: view, Seq: seq, Digest: digest}
	return m.SigningBytes(chainID)
}

// RequestDigest is the identity of one client request.
func RequestDigest(req []byte) [32]byte { return sha256.Sum256(req) }

// BatchDigest binds a batch's requests in order: sha256 over the requests' digests.
func BatchDigest(reqDigests [][32]byte) [32]byte {
	h := sha256.New()
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(reqDigests)))
	h.Write(n[:])
	for i := range reqDigests {
		h.Write(reqDigests[i][:])
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// RequestDigests hashes each request.
func RequestDigests(reqs [][]byte) [][32]byte {
	ds := make([][32]byte, len(reqs))
	for i, r := range reqs {
		ds[i] = RequestDigest(r)
	}
	return ds
}

// Certificate proves that a batch committed: a quorum of Commit votes over (View, Seq, Digest).
type Certificate struct {
	View   uint64
	Seq    uint64
	Digest [32]byte
	Votes  []Vote
}

// CommittedBatch is a batch the core hands to the node for execution, in sequence order.
type CommittedBatch struct {
	Seq        uint64
	View       uint64
	Digest     [32]byte
	Requests   [][]byte
	ReqDigests [][32]byte
	Cert       Certificate
}

// Request is a client request admitted by the node.
type Request struct {
	Digest [32]byte
	Data   []byte
}
