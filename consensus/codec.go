package consensus

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Wire format of a Message (all integers big-endian, fixed width):
//
//	version(1)=2 type(1) from(4) view(8) seq(8) digest(32) lastExecuted(8) flags(1)
//	nRequests(4) { len(4) bytes }*  shareLen(1) share
//	hasCert(1) [ kind(1) signers(8) sigLen(1) sig ]  payload  sigLen(1) sig
//
// A certificate carried in a message is over the message's own (view, seq, digest). The payload is empty
// except for ViewChange and NewView:
//
//	ViewChange: hasStable(1) [ fullCert ]  nEntries(2) { seq(8) flags(1) [ppView(8) ppDigest(32)] [fullCert] [fullCert] }*
//	NewView:    nViewChanges(1) { len(4) message }*
//	fullCert:   kind(1) view(8) seq(8) digest(32) signers(8) sigLen(1) sig
//
// Every count and length is checked against limits.go before anything is allocated.

const codecVersion = 3

// ViewEntry flags on the wire.
const (
	entryHasPP        = 1
	entryHasPrepared  = 2
	entryHasCommitted = 4
)

const headerBytes = 1 + 1 + 4 + 8 + 8 + 32 + 8 + 1

// ErrMalformed is returned for bytes that do not decode to a valid message.
var ErrMalformed = errors.New("malformed consensus message")

// Marshal encodes m.
func (m *Message) Marshal() []byte {
	size := headerBytes + 4 + 1 + len(m.Share) + 1 + 10 + SigBytesMax + 1 + len(m.Sig)
	for _, r := range m.Requests {
		size += 4 + len(r)
	}
	b := make([]byte, 0, size)
	b = append(b, codecVersion, byte(m.Type))
	b = binary.BigEndian.AppendUint32(b, m.From)
	b = binary.BigEndian.AppendUint64(b, m.View)
	b = binary.BigEndian.AppendUint64(b, m.Seq)
	b = append(b, m.Digest[:]...)
	b = binary.BigEndian.AppendUint64(b, m.LastExecuted)
	b = append(b, m.Flags)
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.Requests)))
	for _, r := range m.Requests {
		b = binary.BigEndian.AppendUint32(b, uint32(len(r)))
		b = append(b, r...)
	}
	b = append(b, byte(len(m.Share)))
	b = append(b, m.Share...)
	if m.Cert == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1, byte(m.Cert.Kind))
		b = binary.BigEndian.AppendUint64(b, m.Cert.Signers)
		b = append(b, byte(len(m.Cert.Sig)))
		b = append(b, m.Cert.Sig...)
	}
	b = m.appendPayload(b)
	b = append(b, byte(len(m.Sig)))
	b = append(b, m.Sig...)
	return b
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("%w: truncated", ErrMalformed)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}
func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}
func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}
func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// bytesCopy reads n bytes into a fresh slice so the message does not alias the frame buffer.
func (r *reader) bytesCopy(n int) []byte {
	b := r.take(n)
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
}

// UnmarshalMessage decodes and bounds-checks b. It never panics and never allocates more than len(b) allows.
func UnmarshalMessage(b []byte) (*Message, error) {
	if len(b) > MessageBytesMax {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrMalformed, len(b), MessageBytesMax)
	}
	r := &reader{b: b}
	if v := r.u8(); r.err == nil && v != codecVersion {
		r.fail("version %d", v)
	}
	m := &Message{Type: MsgType(r.u8())}
	if r.err == nil && !validType(m.Type) {
		r.fail("type %d", m.Type)
	}
	m.From = r.u32()
	m.View = r.u64()
	m.Seq = r.u64()
	copy(m.Digest[:], r.take(32))
	m.LastExecuted = r.u64()
	m.Flags = r.u8()
	m.Requests = r.requests()
	m.Share = r.sig()
	m.Cert = r.cert(m)
	r.payload(m)
	m.Sig = r.sig()
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return m, nil
}

func (r *reader) requests() [][]byte {
	n := int(r.u32())
	if r.err != nil {
		return nil
	}
	// Each request needs at least its 4-byte length: a count the remaining bytes cannot hold is a lie.
	if n > BatchRequestsMax || n*4 > len(r.b) {
		r.fail("%d requests", n)
		return nil
	}
	if n == 0 {
		return nil
	}
	reqs := make([][]byte, 0, n)
	total := 0
	for i := 0; i < n && r.err == nil; i++ {
		l := int(r.u32())
		if l > RequestBytesMax {
			r.fail("request of %d bytes", l)
			return nil
		}
		total += l
		if total > BatchBytesMax {
			r.fail("batch of more than %d bytes", BatchBytesMax)
			return nil
		}
		reqs = append(reqs, r.bytesCopy(l))
	}
	return reqs
}

func validType(t MsgType) bool {
	return t == MsgPrePrepare || (t >= MsgStatus && t < msgTypeEnd)
}

func (r *reader) cert(m *Message) *Certificate {
	switch has := r.u8(); {
	case r.err != nil || has == 0:
		return nil
	case has != 1:
		r.fail("certificate flag %d", has)
		return nil
	}
	c := &Certificate{Kind: CertKind(r.u8()), View: m.View, Seq: m.Seq, Digest: m.Digest, Signers: r.u64()}
	if r.err == nil && (c.Kind < CertFast || c.Kind > CertCheckpoint) {
		r.fail("certificate kind %d", c.Kind)
	}
	c.Sig = r.sig()
	return c
}

func (r *reader) sig() []byte {
	l := int(r.u8())
	if r.err != nil {
		return nil
	}
	if l > SigBytesMax {
		r.fail("signature of %d bytes", l)
		return nil
	}
	return r.bytesCopy(l)
}

// appendPayload appends the ViewChange or NewView payload (nothing for other types).
func (m *Message) appendPayload(b []byte) []byte {
	switch m.Type {
	case MsgViewChange:
		if m.Stable == nil {
			b = append(b, 0)
		} else {
			b = appendFullCert(append(b, 1), m.Stable)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(m.Entries)))
		for i := range m.Entries {
			b = appendEntry(b, &m.Entries[i])
		}
	case MsgNewView:
		b = append(b, byte(len(m.ViewChanges)))
		for _, vc := range m.ViewChanges {
			enc := vc.Marshal()
			b = binary.BigEndian.AppendUint32(b, uint32(len(enc)))
			b = append(b, enc...)
		}
	}
	return b
}

func appendEntry(b []byte, e *ViewEntry) []byte {
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	var flags byte
	if e.HasPP {
		flags |= entryHasPP
	}
	if e.Prepared != nil {
		flags |= entryHasPrepared
	}
	if e.Committed != nil {
		flags |= entryHasCommitted
	}
	b = append(b, flags)
	if e.HasPP {
		b = binary.BigEndian.AppendUint64(b, e.PPView)
		b = append(b, e.PPDigest[:]...)
	}
	if e.Prepared != nil {
		b = appendFullCert(b, e.Prepared)
	}
	if e.Committed != nil {
		b = appendFullCert(b, e.Committed)
	}
	return b
}

func appendFullCert(b []byte, c *Certificate) []byte {
	b = append(b, byte(c.Kind))
	b = binary.BigEndian.AppendUint64(b, c.View)
	b = binary.BigEndian.AppendUint64(b, c.Seq)
	b = append(b, c.Digest[:]...)
	b = binary.BigEndian.AppendUint64(b, c.Signers)
	b = append(b, byte(len(c.Sig)))
	return append(b, c.Sig...)
}

func (r *reader) fullCert() *Certificate {
	c := &Certificate{Kind: CertKind(r.u8()), View: r.u64(), Seq: r.u64()}
	copy(c.Digest[:], r.take(32))
	c.Signers = r.u64()
	if r.err == nil && (c.Kind < CertFast || c.Kind > CertCheckpoint) {
		r.fail("certificate kind %d", c.Kind)
	}
	c.Sig = r.sig()
	return c
}

func (r *reader) payload(m *Message) {
	switch m.Type {
	case MsgViewChange:
		if has := r.u8(); has == 1 {
			m.Stable = r.fullCert()
		} else if has != 0 {
			r.fail("stable flag %d", has)
		}
		n := int(r.u16())
		if r.err == nil && (n > WindowSeqsMax || n*9 > len(r.b)) {
			r.fail("%d view entries", n)
			return
		}
		if r.err != nil || n == 0 {
			return
		}
		m.Entries = make([]ViewEntry, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			m.Entries = append(m.Entries, r.entry())
		}
	case MsgNewView:
		n := int(r.u8())
		if r.err == nil && (n > ReplicasMax || n*4 > len(r.b)) {
			r.fail("%d view changes", n)
			return
		}
		for i := 0; i < n && r.err == nil; i++ {
			l := int(r.u32())
			b := r.take(l)
			if r.err != nil {
				return
			}
			vc, err := UnmarshalMessage(b)
			if err != nil || vc.Type != MsgViewChange {
				r.fail("view change %d: %v", i, err)
				return
			}
			m.ViewChanges = append(m.ViewChanges, vc)
		}
	}
}

func (r *reader) entry() ViewEntry {
	e := ViewEntry{Seq: r.u64()}
	flags := r.u8()
	if r.err == nil && flags&^(entryHasPP|entryHasPrepared|entryHasCommitted) != 0 {
		r.fail("entry flags %d", flags)
	}
	if flags&entryHasPP != 0 {
		e.HasPP = true
		e.PPView = r.u64()
		copy(e.PPDigest[:], r.take(32))
	}
	if flags&entryHasPrepared != 0 {
		e.Prepared = r.fullCert()
	}
	if flags&entryHasCommitted != 0 {
		e.Committed = r.fullCert()
	}
	return e
}

// MarshalCertificate encodes c for storage next to its block.
func MarshalCertificate(c Certificate) []byte {
	m := Message{Type: MsgCommitted, View: c.View, Seq: c.Seq, Digest: c.Digest, Cert: &c}
	return m.Marshal()
}

// UnmarshalCertificate decodes what MarshalCertificate wrote.
func UnmarshalCertificate(b []byte) (Certificate, error) {
	m, err := UnmarshalMessage(b)
	if err != nil {
		return Certificate{}, fmt.Errorf("certificate: %w", err)
	}
	if m.Cert == nil {
		return Certificate{}, fmt.Errorf("%w: no certificate", ErrMalformed)
	}
	return *m.Cert, nil
}
