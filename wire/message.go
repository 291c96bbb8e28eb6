package wire

import (
	"bytes"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// Wire format of a consensus message (all integers big-endian, fixed width):
//
//	version(1)=5 type(1) from(4) view(8) seq(8) digest(32) lastExecuted(8) flags(1)
//	nRequests(4) { len(4) bytes }*  shareLen(1) share
//	hasCert(1) [ kind(1) signers sigLen(1) sig ]  payload  sigLen(1) sig
//
// A certificate carried in a message is over the message's own (view, seq, digest). The payload is empty
// except for ViewChange and NewView:
//
//	ViewChange: hasStable(1) [ fullCert ]  nEntries(2) { seq(8) flags(1) [ppView(8) ppDigest(32)] [fullCert] [fullCert] }*
//	NewView:    the ViewChanges' certificates and entries once, then the ViewChanges (newview.go)
//	fullCert:   kind(1) view(8) seq(8) digest(32) signers sigLen(1) sig
//
// signers is the signer bitmap of signers.go (2..33 bytes).
// Every count and length is checked against the consensus limits before anything is allocated.

// messageHeaderBytes is version, type, from, view, seq, digest, lastExecuted and flags.
const messageHeaderBytes = 1 + 1 + 4 + 8 + 8 + 32 + 8 + 1

// MarshalMessage encodes m.
func MarshalMessage(m *consensus.Message) []byte {
	size := messageHeaderBytes + 4 + 1 + len(m.Share) + 1 + 1 + SignersBytesMax + 1 + consensus.SigBytesMax + 1 +
		len(m.Sig)
	for _, r := range m.Requests {
		size += 4 + len(r)
	}
	return appendMessage(make([]byte, 0, size), m)
}

// UnmarshalMessage decodes and bounds-checks b. It never panics and never allocates more than len(b) allows.
func UnmarshalMessage(b []byte) (*consensus.Message, error) { return unmarshalMessage(b, nil) }

// unmarshalMessage decodes b, a ViewChange's evidence as references into ev if ev is not nil.
func unmarshalMessage(b []byte, ev *evidence) (*consensus.Message, error) {
	if len(b) > consensus.MessageBytesMax {
		return nil, errorf(ErrMalformedMessage, "%d bytes exceeds %d", len(b), consensus.MessageBytesMax)
	}
	r := messageReader{be.NewReader(b, ErrMalformedMessage), ev}
	if v := r.U8(); r.Err() == nil && v != EncodingVersion {
		r.Failf("version %d", v)
	}
	m := &consensus.Message{Type: consensus.MsgType(r.U8())}
	if r.Err() == nil && !validType(m.Type) {
		r.Failf("type %d", m.Type)
	}
	m.From = r.U32()
	m.View = r.U64()
	m.Seq = r.U64()
	m.Digest = r.Hash32()
	m.LastExecuted = r.U64()
	m.Flags = r.U8()
	m.Requests = r.requests()
	m.Share = r.sig()
	m.Cert = r.cert(m)
	r.payload(m)
	m.Sig = r.sig()
	if err := r.Done(); err != nil {
		return nil, err
	}
	// One encoding per NewView: tables with repeats, unused rows or another order would decode to the same
	// message. (ViewChanges and all other messages are canonical by construction.)
	if m.Type == consensus.MsgNewView && !bytes.Equal(appendMessage(make([]byte, 0, len(b)), m), b) {
		return nil, errorf(ErrMalformedMessage, "new view %d: evidence tables not in canonical form", m.View)
	}
	return m, nil
}
