package consensus

import "encoding/binary"

// The canonical encoding of a Message. The signing bytes of a ViewChange or NewView cover the digest of its
// evidence in this encoding (SigningBytes), so the encoder lives here, beside them, while consensus must import
// only the standard library. Everything else about the format is package wire's: its description, the decoder,
// the limits, and wire.MarshalMessage, which every caller outside the core uses. The encoder moves to wire with
// the signing domains.

// EncodingVersion is the first byte of every encoded message.
const EncodingVersion = 3

// ViewEntry flags in the encoding.
const (
	EntryHasPP        = 1
	EntryHasPrepared  = 2
	EntryHasCommitted = 4
)

// appendFixedFields appends the fields every message has, in the order both the encoding and the signing
// bytes use: From, View, Seq, Digest, LastExecuted, Flags.
func (m *Message) appendFixedFields(b []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, m.From)
	b = binary.BigEndian.AppendUint64(b, m.View)
	b = binary.BigEndian.AppendUint64(b, m.Seq)
	b = append(b, m.Digest[:]...)
	b = binary.BigEndian.AppendUint64(b, m.LastExecuted)
	return append(b, m.Flags)
}

// AppendEncoding appends m's canonical encoding to b (see wire/message.go for the format).
func (m *Message) AppendEncoding(b []byte) []byte {
	b = append(b, EncodingVersion, byte(m.Type))
	b = m.appendFixedFields(b)
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
	return append(b, m.Sig...)
}

// appendPayload appends the ViewChange or NewView evidence (nothing for other types).
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
			enc := vc.AppendEncoding(nil)
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
		flags |= EntryHasPP
	}
	if e.Prepared != nil {
		flags |= EntryHasPrepared
	}
	if e.Committed != nil {
		flags |= EntryHasCommitted
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
