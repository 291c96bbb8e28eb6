package wire

import (
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// messageReader decodes the parts of a consensus message; see the format in message.go. ev holds the tables of
// the NewView a ViewChange is read from (nil for a message on its own).
type messageReader struct {
	*be.Reader
	ev *evidence
}

func (r messageReader) requests() [][]byte {
	n := int(r.U32())
	if r.Err() != nil {
		return nil
	}
	// Each request needs at least its 4-byte length: a count the remaining bytes cannot hold is a lie.
	if n > consensus.BatchRequestsCap || n*4 > r.Left() {
		r.Failf("%d requests", n)
		return nil
	}
	if n == 0 {
		return nil
	}
	reqs := make([][]byte, 0, n)
	total := 0
	for i := 0; i < n && r.Err() == nil; i++ {
		l := int(r.U32())
		if l > consensus.RequestBytesMax {
			r.Failf("request of %d bytes", l)
			return nil
		}
		total += l
		if total > consensus.BatchBytesCap {
			r.Failf("batch of more than %d bytes", consensus.BatchBytesCap)
			return nil
		}
		reqs = append(reqs, r.BytesCopy(l))
	}
	return reqs
}

func validCertKind(k consensus.CertKind) bool {
	return k >= consensus.CertFast && k <= consensus.CertCheckpoint
}

func (r messageReader) cert(m *consensus.Message) *consensus.Certificate {
	switch has := r.U8(); {
	case r.Err() != nil || has == 0:
		return nil
	case has != 1:
		r.Failf("certificate flag %d", has)
		return nil
	}
	c := &consensus.Certificate{Kind: consensus.CertKind(r.U8()), View: m.View, Seq: m.Seq, Digest: m.Digest,
		Signers: ReadSigners(r.Reader)}
	if r.Err() == nil && !validCertKind(c.Kind) {
		r.Failf("certificate kind %d", c.Kind)
	}
	c.Sig = r.sig()
	return c
}

func (r messageReader) sig() []byte {
	if r.Err() != nil {
		return nil
	}
	return r.LenBytes8(consensus.SigBytesMax)
}

func (r messageReader) fullCert() *consensus.Certificate {
	c := &consensus.Certificate{Kind: consensus.CertKind(r.U8()), View: r.U64(), Seq: r.U64(), Digest: r.Hash32(),
		Signers: ReadSigners(r.Reader)}
	if r.Err() == nil && !validCertKind(c.Kind) {
		r.Failf("certificate kind %d", c.Kind)
	}
	c.Sig = r.sig()
	return c
}

func (r messageReader) payload(m *consensus.Message) {
	switch m.Type {
	case consensus.MsgViewChange:
		if r.ev != nil {
			r.viewChange(m, r.stableRef, r.entryRef, 4)
		} else {
			r.viewChange(m, r.fullCert, r.entry, entryBytesMin)
		}
	case consensus.MsgNewView:
		if r.ev != nil {
			r.Failf("a NewView inside a NewView")
			return
		}
		r.newView(m)
	}
}

// viewChange reads a ViewChange's payload: the stable certificate and the entries, each with its reader (whole,
// or a reference into the tables of a NewView) and the fewest bytes an entry takes.
func (r messageReader) viewChange(m *consensus.Message, stable func() *consensus.Certificate,
	entry func() consensus.ViewEntry, entryBytes int) {
	if has := r.U8(); has == 1 {
		m.Stable = stable()
	} else if has != 0 {
		r.Failf("stable flag %d", has)
	}
	n := int(r.U16())
	if r.Err() == nil && (n > consensus.WindowSeqsMax || n*entryBytes > r.Left()) {
		r.Failf("%d view entries", n)
		return
	}
	if r.Err() != nil || n == 0 {
		return
	}
	m.Entries = make([]consensus.ViewEntry, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		m.Entries = append(m.Entries, entry())
	}
}

func (r messageReader) entry() consensus.ViewEntry {
	e := consensus.ViewEntry{Seq: r.U64()}
	flags := r.entryHead(&e)
	if flags&EntryHasPrepared != 0 {
		e.Prepared = r.fullCert()
	}
	if flags&EntryHasCommitted != 0 {
		e.Committed = r.fullCert()
	}
	return e
}

// entryHead reads an entry's flags and its PrePrepare fields into e, and returns the flags.
func (r messageReader) entryHead(e *consensus.ViewEntry) byte {
	flags := r.U8()
	if r.Err() == nil && flags&^(EntryHasPP|EntryHasPrepared|EntryHasCommitted) != 0 {
		r.Failf("entry flags %d", flags)
	}
	if flags&EntryHasPP != 0 {
		e.HasPP = true
		e.PPView = r.U64()
		e.PPDigest = r.Hash32()
	}
	return flags
}
