package wire

import (
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// A NewView's evidence, each certificate and view entry once. The 2f+2c+1 ViewChanges a NewView carries come
// from replicas that mostly saw the same slots, so they report the same certificates and entries: sent whole,
// a NewView of 209 replicas with the default 300-sequence window took 16 MB (over MessageBytesMax); with
// the tables it takes about 0.4 MB. The format (version 5):
//
//	NewView payload: nCerts(4) { fullCert }*  nEntries(4) { entry }*  nViewChanges(1) { len(4) viewChange }*
//	entry:           seq(8) flags(1) [ppView(8) ppDigest(32)] [prepared cert(4)] [committed cert(4)]
//	viewChange:      a message whose payload is  hasStable(1) [stable cert(4)] nEntries(2) { entry(4) }*
//
// where cert(4) and entry(4) index the tables. The tables are in first-use order, so the encoding of a
// message is one byte string (its signing bytes hash it). Decoded ViewChanges share the certificates they
// refer to: nothing downstream of the decoder modifies a received certificate.

// evidenceTable is the encoder's side: the tables so far and the index of each encoding in them.
type evidenceTable struct {
	certs, entries        []byte
	certIndex, entryIndex map[string]uint32
	certBuf, entryBuf     []byte // scratch: a lookup of a known encoding allocates nothing
}

func newEvidenceTable() *evidenceTable {
	return &evidenceTable{certIndex: map[string]uint32{}, entryIndex: map[string]uint32{}}
}

// cert returns c's index, adding it on first use.
func (t *evidenceTable) cert(c *consensus.Certificate) uint32 {
	t.certBuf = appendFullCert(t.certBuf[:0], c)
	return t.add(&t.certs, t.certIndex, t.certBuf)
}

// entry returns e's index, adding it (and its certificates) on first use.
func (t *evidenceTable) entry(e *consensus.ViewEntry) uint32 {
	b := append(be.AppendU64(t.entryBuf[:0], e.Seq), entryFlags(e))
	if e.HasPP {
		b = be.AppendU64(b, e.PPView)
		b = append(b, e.PPDigest[:]...)
	}
	if e.Prepared != nil {
		b = be.AppendU32(b, t.cert(e.Prepared))
	}
	if e.Committed != nil {
		b = be.AppendU32(b, t.cert(e.Committed))
	}
	t.entryBuf = b
	return t.add(&t.entries, t.entryIndex, b)
}

func (t *evidenceTable) add(table *[]byte, index map[string]uint32, enc []byte) uint32 {
	if i, ok := index[string(enc)]; ok {
		return i
	}
	i := uint32(len(index))
	index[string(enc)] = i
	*table = append(*table, enc...)
	return i
}

// appendNewViewPayload appends the tables and then the ViewChanges that refer to them.
func appendNewViewPayload(b []byte, m *consensus.Message) []byte {
	t := newEvidenceTable()
	vcs := []byte{byte(len(m.ViewChanges))}
	for _, vc := range m.ViewChanges {
		vcs = be.AppendLenBytes32(vcs, appendMessageWith(nil, vc, t))
	}
	b = append(be.AppendU32(b, uint32(len(t.certIndex))), t.certs...)
	b = append(be.AppendU32(b, uint32(len(t.entryIndex))), t.entries...)
	return append(b, vcs...)
}

// appendViewChangeRefs appends a ViewChange's payload as references into t.
func appendViewChangeRefs(b []byte, m *consensus.Message, t *evidenceTable) []byte {
	if m.Stable == nil {
		b = append(b, 0)
	} else {
		b = be.AppendU32(append(b, 1), t.cert(m.Stable))
	}
	b = be.AppendU16(b, uint16(len(m.Entries)))
	for i := range m.Entries {
		b = be.AppendU32(b, t.entry(&m.Entries[i]))
	}
	return b
}

// evidence is the decoder's side: the tables of the NewView being read.
type evidence struct {
	certs   []*consensus.Certificate
	entries []consensus.ViewEntry
}

// Smallest encodings, against which table counts are checked before anything is allocated.
const (
	fullCertBytesMin = 1 + 8 + 8 + 32 + SignersBytesMin + 1
	entryBytesMin    = 8 + 1
)

// newView reads a NewView's payload: the tables, then the ViewChanges.
func (r messageReader) newView(m *consensus.Message) {
	ev := &evidence{}
	n := int(r.U32())
	if r.Err() == nil && (n > NewViewCertsMax || n*fullCertBytesMin > r.Left()) {
		r.Failf("%d certificates", n)
		return
	}
	ev.certs = make([]*consensus.Certificate, 0, n)
	for range n {
		ev.certs = append(ev.certs, r.fullCert())
	}
	n = int(r.U32())
	if r.Err() == nil && (n > NewViewEntriesMax || n*entryBytesMin > r.Left()) {
		r.Failf("%d view entries", n)
		return
	}
	ev.entries = make([]consensus.ViewEntry, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		ev.entries = append(ev.entries, r.tableEntry(ev))
	}
	n = int(r.U8())
	if r.Err() == nil && n*4 > r.Left() {
		r.Failf("%d view changes", n)
		return
	}
	for i := 0; i < n && r.Err() == nil; i++ {
		vc, err := unmarshalMessage(r.Bytes(int(r.U32())), ev)
		if r.Err() != nil {
			return
		}
		if err != nil || vc.Type != consensus.MsgViewChange {
			r.Failf("view change %d: %v", i, err)
			return
		}
		m.ViewChanges = append(m.ViewChanges, vc)
	}
}

// tableEntry reads an entry of the table, its certificates as indices into ev.certs.
func (r messageReader) tableEntry(ev *evidence) consensus.ViewEntry {
	e := consensus.ViewEntry{Seq: r.U64()}
	flags := r.entryHead(&e)
	if flags&EntryHasPrepared != 0 {
		e.Prepared = r.certRef(ev)
	}
	if flags&EntryHasCommitted != 0 {
		e.Committed = r.certRef(ev)
	}
	return e
}

func (r messageReader) certRef(ev *evidence) *consensus.Certificate {
	i := r.U32()
	if r.Err() == nil && int64(i) >= int64(len(ev.certs)) {
		r.Failf("certificate %d of %d", i, len(ev.certs))
		return nil
	}
	if r.Err() != nil {
		return nil
	}
	return ev.certs[i]
}

// stableRef and entryRef read a ViewChange's references into r.ev (viewChange).
func (r messageReader) stableRef() *consensus.Certificate { return r.certRef(r.ev) }

func (r messageReader) entryRef() consensus.ViewEntry {
	i := r.U32()
	if r.Err() == nil && int64(i) >= int64(len(r.ev.entries)) {
		r.Failf("view entry %d of %d", i, len(r.ev.entries))
	}
	if r.Err() != nil {
		return consensus.ViewEntry{}
	}
	return r.ev.entries[i]
}
