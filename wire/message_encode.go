package wire

import (
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// The encoder of consensus messages (the format and the decoder are in message.go and message_reader.go).

// EncodingVersion is the first byte of every encoded message. 5: a NewView carries each certificate and view
// entry of its ViewChanges once (newview.go); 4: certificates name their signers in a variable-length bitmap
// (signers.go) instead of a u64.
const EncodingVersion = 5

// ViewEntry flags in the encoding.
const (
	EntryHasPP        = 1
	EntryHasPrepared  = 2
	EntryHasCommitted = 4
)

// appendFixedFields appends the fields every message has, in the order both the encoding and the signing
// bytes use: From, View, Seq, Digest, LastExecuted, Flags.
func appendFixedFields(b []byte, m *consensus.Message) []byte {
	b = be.AppendU32(b, m.From)
	b = be.AppendU64(b, m.View)
	b = be.AppendU64(b, m.Seq)
	b = append(b, m.Digest[:]...)
	b = be.AppendU64(b, m.LastExecuted)
	return append(b, m.Flags)
}

// appendMessage appends m's canonical encoding to b (the format is in message.go).
func appendMessage(b []byte, m *consensus.Message) []byte { return appendMessageWith(b, m, nil) }

// appendMessageWith appends m's encoding, a ViewChange's evidence as references into t if t is not nil (a
// ViewChange inside a NewView, newview.go).
func appendMessageWith(b []byte, m *consensus.Message, t *evidenceTable) []byte {
	b = append(b, EncodingVersion, byte(m.Type))
	b = appendFixedFields(b, m)
	b = be.AppendU32(b, uint32(len(m.Requests)))
	for _, r := range m.Requests {
		b = be.AppendU32(b, uint32(len(r)))
		b = append(b, r...)
	}
	b = append(b, byte(len(m.Share)))
	b = append(b, m.Share...)
	if m.Cert == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1, byte(m.Cert.Kind))
		b = AppendSigners(b, m.Cert.Signers)
		b = append(b, byte(len(m.Cert.Sig)))
		b = append(b, m.Cert.Sig...)
	}
	if t != nil && m.Type == consensus.MsgViewChange {
		b = appendViewChangeRefs(b, m, t)
	} else {
		b = appendPayload(b, m)
	}
	b = append(b, byte(len(m.Sig)))
	return append(b, m.Sig...)
}

// appendPayload appends the ViewChange or NewView evidence (nothing for other types).
func appendPayload(b []byte, m *consensus.Message) []byte {
	switch m.Type {
	case consensus.MsgViewChange:
		if m.Stable == nil {
			b = append(b, 0)
		} else {
			b = appendFullCert(append(b, 1), m.Stable)
		}
		b = be.AppendU16(b, uint16(len(m.Entries)))
		for i := range m.Entries {
			b = appendEntry(b, &m.Entries[i])
		}
	case consensus.MsgNewView:
		b = appendNewViewPayload(b, m)
	}
	return b
}

func entryFlags(e *consensus.ViewEntry) byte {
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
	return flags
}

func appendEntry(b []byte, e *consensus.ViewEntry) []byte {
	b = be.AppendU64(b, e.Seq)
	b = append(b, entryFlags(e))
	if e.HasPP {
		b = be.AppendU64(b, e.PPView)
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

func appendFullCert(b []byte, c *consensus.Certificate) []byte {
	b = append(b, byte(c.Kind))
	b = be.AppendU64(b, c.View)
	b = be.AppendU64(b, c.Seq)
	b = append(b, c.Digest[:]...)
	b = AppendSigners(b, c.Signers)
	b = append(b, byte(len(c.Sig)))
	return append(b, c.Sig...)
}
