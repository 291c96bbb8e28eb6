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

// Message types. The numbering is part of the wire format and of the signed bytes: never reuse a value. The
// values missing here are taken too: 2 and 3 by retired types, 12 and 17 by frames the node sends in this
// message format that the core never sees (package wire's frame kinds).
const (
	MsgPrePrepare    MsgType = 1  // primary -> all: (view, seq, digest, requests); flag FlagSlowPath
	MsgStatus        MsgType = 4  // replica -> all: heartbeat with (view, last executed, Seq = last stable checkpoint)
	MsgCommitted     MsgType = 5  // replica -> lagging replica: batch + commit certificate (FlagBatchMissing: the certificate alone)
	MsgPartialCommit MsgType = 6  // replica -> collector: fast-path share over (fast, view, seq, digest)
	MsgFullCommit    MsgType = 7  // collector -> all: fast-path commit certificate
	MsgPreparePart   MsgType = 8  // replica -> primary: slow-path prepare share
	MsgPrepareFull   MsgType = 9  // primary -> all: prepare certificate
	MsgCommitPart    MsgType = 10 // replica -> primary: slow-path commit share
	MsgCommitFull    MsgType = 11 // primary -> all: slow-path commit certificate
	// MsgCheckpoint: replica -> all: a share over (checkpoint, Seq, Digest = the node's state digest at Seq).
	MsgCheckpoint MsgType = 13
	// MsgComplain: replica -> all: asks to leave View (a request waited too long, or the view never started).
	MsgComplain MsgType = 14
	// MsgViewChange: replica -> all: moving to View; carries Stable and Entries (the evidence of its window).
	MsgViewChange MsgType = 15
	// MsgNewView: primary of View -> all: the ViewChanges that start View; every replica recomputes its plan.
	MsgNewView MsgType = 16

	// Local messages answer the core's crypto requests (crypto.go). They never cross the network: the codec
	// refuses their types.
	MsgSigned   MsgType = 200 // node -> own core: the share a SignRequest asked for (Kind, View, Seq, Digest, Share)
	MsgCombined MsgType = 201 // node -> own core: a CombineRequest's answer (Kind, View, Seq, Digest; Cert or Bad)
)

// Local reports whether t is a local message type (never on the wire).
func (t MsgType) Local() bool { return t == MsgSigned || t == MsgCombined }

func (t MsgType) String() string {
	names := map[MsgType]string{MsgPrePrepare: "PrePrepare", MsgStatus: "Status", MsgCommitted: "Committed",
		MsgPartialCommit: "PartialCommit", MsgFullCommit: "FullCommit", MsgPreparePart: "PreparePartial",
		MsgPrepareFull: "PrepareFull", MsgCommitPart: "CommitPartial", MsgCommitFull: "CommitFull",
		MsgCheckpoint: "Checkpoint", MsgComplain: "Complain", MsgViewChange: "ViewChange", MsgNewView: "NewView",
		MsgSigned: "Signed", MsgCombined: "Combined"}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("MsgType(%d)", uint8(t))
}

// Valid reports whether t is a protocol message type of this version (local types are not).
func (t MsgType) Valid() bool {
	return t == MsgPrePrepare || (t >= MsgStatus && t <= MsgCommitFull) || (t >= MsgCheckpoint && t <= MsgNewView)
}

// Message flags.
const (
	// FlagSlowPath on a PrePrepare asks replicas to start the slow path at once (the primary's path
	// controller saw the fast path fail).
	FlagSlowPath uint8 = 1
	// FlagInViewChange on a Status says the sender moved to View but has not installed its NewView yet.
	FlagInViewChange uint8 = 2
	// FlagBatchMissing marks a PrePrepare a replica built from a NewView's plan without knowing the batch. On
	// a PrePrepare it is local (persisted, never sent); a PrePrepare received with it is invalid. On a
	// Committed it says the message carries the commit certificate without the batch (no requests): its
	// sender committed the digest but cannot execute it, and asks whoever holds the batch to commit it.
	FlagBatchMissing uint8 = 4
)

// CertKind is what a quorum certificate certifies; part of the signed bytes.
type CertKind uint8

// Certificate kinds.
const (
	CertFast    CertKind = 1 // all n (3f+c+1 with c > 0) fast-path shares: committed
	CertPrepare CertKind = 2 // 2f+c+1 prepare shares: prepared
	CertCommit  CertKind = 3 // 2f+c+1 commit shares over a prepared digest: committed
	CertExec    CertKind = 4 // f+1 shares over (height, block hash): the block executed to that hash
	// CertCheckpoint: 2f+c+1 shares over (seq, state digest), view 0: a stable checkpoint.
	CertCheckpoint CertKind = 5
)

func (k CertKind) String() string {
	switch k {
	case CertFast:
		return "fast"
	case CertPrepare:
		return "prepare"
	case CertCommit:
		return "commit"
	case CertExec:
		return "exec"
	case CertCheckpoint:
		return "checkpoint"
	}
	return fmt.Sprintf("CertKind(%d)", uint8(k))
}

// Certificate is a quorum certificate: one aggregate signature by the replicas in Signers over
// wire.ShareSigningBytes(Kind, View, Seq, Digest). The core treats Sig as opaque: the node builds and checks it.
type Certificate struct {
	Kind    CertKind
	View    uint64
	Seq     uint64
	Digest  [32]byte
	Signers ReplicaSet
	Sig     []byte
}

// SignerCount is the number of replicas in the certificate.
func (c *Certificate) SignerCount() int { return c.Signers.Count() }

// Share is one replica's signature share, as collected for a certificate.
type Share struct {
	From ReplicaID
	Sig  []byte
}

// Message is every protocol message, in one flat struct as raftpb.Message is; fields a type does not use are
// zero. Sig is the sender's signature over its signing bytes (wire.MessageSigningBytes): the core carries it opaquely (into certificates) and
// never checks it: the node verifies before Step.
type Message struct {
	Type         MsgType
	From         ReplicaID
	View         uint64
	Seq          uint64
	Digest       [32]byte
	LastExecuted uint64   // Status
	Flags        uint8    // PrePrepare: FlagSlowPath; Status: FlagInViewChange; Committed: FlagBatchMissing
	Requests     [][]byte // PrePrepare, Committed
	Share        []byte   // *Partial: this replica's share over (kind, View, Seq, Digest)
	Cert         *Certificate
	Stable       *Certificate // ViewChange: the sender's last stable checkpoint (nil before the first)
	Entries      []ViewEntry  // ViewChange: evidence per sequence number above Stable, ascending
	ViewChanges  []*Message   // NewView: the ViewChange messages it is built from
	Sig          []byte

	// ReqDigests are the digests of Requests, filled by the verifier (not on the wire) so the core does not
	// hash requests on its single thread. Nil means the core computes them.
	ReqDigests [][32]byte

	// Local messages only (never on the wire): the certificate kind the answer is for, and for MsgCombined
	// the replicas whose shares did not verify.
	Kind CertKind
	Bad  []ReplicaID
}

// ViewEntry is what a ViewChange reports about one sequence number: the PrePrepare this replica accepted in
// the highest view (PPView, PPDigest; HasPP), the highest prepare certificate it holds, and a commit
// certificate if the slot committed. Certificates carry their own view, seq and digest.
type ViewEntry struct {
	Seq       uint64
	HasPP     bool
	PPView    uint64
	PPDigest  [32]byte
	Prepared  *Certificate
	Committed *Certificate
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

// CommittedBatch is a batch the core hands to the node for execution, in sequence order.
type CommittedBatch struct {
	Seq        uint64
	View       uint64
	Digest     [32]byte
	Requests   [][]byte
	ReqDigests [][32]byte // RequestDigest of each of Requests, in order: the node executes with them
	Cert       Certificate
}

// Request is a client request admitted by the node.
type Request struct {
	Digest [32]byte // RequestDigest(Data): it becomes the batch's ReqDigests, which the node executes with
	Data   []byte
	// Forwarded: another replica forwarded it (Ready.Forward) because it waited there; that replica vouches
	// for the wait, so admission control does not apply, only the queue's hard bounds.
	Forwarded bool
}
