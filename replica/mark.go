package replica

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrRolledBack is a store restored below what this replica had promised (signed or acknowledged): the disk
// lost synced writes, so the replica may have forgotten votes it sent.
var ErrRolledBack = errors.New("the store lost what this replica signed and acknowledged")

// SignedMark is a small file in the data directory, apart from the store and its write-ahead log, that records
// how far this replica has promised: the highest view it persisted, the highest sequence number of a consensus
// log record it persisted (what it signs and sends follows those records), and the highest sequence number it
// executed (what it answered clients). The driver advances it after each synced store write and before anything
// that write covers leaves the process, so a store restored below it lost synced writes (a truncated log, a disk
// that lied about a flush). Not safe for concurrent use: the driver's goroutine owns it.
//
// Layout: two slots of markSlotBytes at offsets 0 and markSlotStride, written in turn, each
// magic(8) counter(8) view(8) signed(8) executed(8) crc32c(4) of the 40 bytes before; the valid slot with the
// highest counter is the mark, so a write torn by a crash leaves the previous one.
type SignedMark struct {
	f       *os.File
	path    string
	rec     MarkRecord
	counter uint64
}

// MarkRecord is what the mark holds, and what a restored store holds of the same.
type MarkRecord struct{ View, Signed, Executed uint64 }

const (
	markMagic      = "SBFTMRK1"
	markSlotBytes  = 8 + 8 + 8 + 8 + 8 + 4
	markSlotStride = 512 // one sector each: a torn write spoils at most the slot written
)

var markCRC = crc32.MakeTable(crc32.Castagnoli)

// OpenSignedMark opens (or creates, synced) the mark at path and reads it.
func OpenSignedMark(path string) (*SignedMark, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	m := &SignedMark{f: f, path: path}
	if err := m.read(); err != nil {
		f.Close()
		return nil, err
	}
	return m, nil
}

func (m *SignedMark) read() error {
	b := make([]byte, markSlotStride+markSlotBytes)
	n, err := m.f.ReadAt(b, 0)
	if n == 0 && err != nil { // a new file: write the zero mark and make its name durable
		if err := m.write(); err != nil {
			return err
		}
		return syncDir(filepath.Dir(m.path))
	}
	b = b[:n]
	found := false
	for _, off := range []int{0, markSlotStride} {
		if c, r, ok := decodeMarkSlot(b, off); ok && (!found || c > m.counter) {
			m.counter, m.rec, found = c, r, true
		}
	}
	if found {
		return nil
	}
	if legacy, ok := parseLegacyMark(b); ok { // the text mark of earlier versions: view and checkpoint
		m.rec = legacy
		if err := m.f.Truncate(0); err != nil {
			return fmt.Errorf("rewrite %s: %w", m.path, err)
		}
		return m.write()
	}
	return fmt.Errorf("%s: no valid record: remove it only after wiping data/ (sbft reset)", m.path)
}

func decodeMarkSlot(b []byte, off int) (uint64, MarkRecord, bool) {
	if len(b) < off+markSlotBytes {
		return 0, MarkRecord{}, false
	}
	s := b[off : off+markSlotBytes]
	if string(s[:8]) != markMagic || crc32.Checksum(s[:40], markCRC) != binary.BigEndian.Uint32(s[40:]) {
		return 0, MarkRecord{}, false
	}
	u := func(i int) uint64 { return binary.BigEndian.Uint64(s[8+8*i:]) }
	return u(0), MarkRecord{View: u(1), Signed: u(2), Executed: u(3)}, true
}

func parseLegacyMark(b []byte) (MarkRecord, bool) {
	if !strings.HasPrefix(string(b), "view ") {
		return MarkRecord{}, false
	}
	var view, seq uint64
	if _, err := fmt.Sscanf(string(b), "view %d seq %d\n", &view, &seq); err != nil {
		return MarkRecord{}, false
	}
	return MarkRecord{View: view, Signed: seq, Executed: seq}, true
}

// Record is the mark as last read or written.
func (m *SignedMark) Record() MarkRecord { return m.rec }

// Advance raises the mark to r, field by field (it never goes down), durably: a no-op when nothing grew.
func (m *SignedMark) Advance(r MarkRecord) error {
	next := MarkRecord{View: max(m.rec.View, r.View), Signed: max(m.rec.Signed, r.Signed), Executed: max(m.rec.Executed, r.Executed)}
	if next == m.rec {
		return nil
	}
	m.rec = next
	return m.write()
}

// write puts the record in the slot after the current one, and syncs it.
func (m *SignedMark) write() error {
	m.counter++
	s := make([]byte, markSlotBytes)
	copy(s, markMagic)
	for i, v := range []uint64{m.counter, m.rec.View, m.rec.Signed, m.rec.Executed} {
		binary.BigEndian.PutUint64(s[8+8*i:], v)
	}
	binary.BigEndian.PutUint32(s[40:], crc32.Checksum(s[:40], markCRC))
	if _, err := m.f.WriteAt(s, int64(m.counter%2)*markSlotStride); err != nil {
		return fmt.Errorf("write %s: %w", m.path, err)
	}
	if err := syscall.Fdatasync(int(m.f.Fd())); err != nil {
		return fmt.Errorf("sync %s: %w", m.path, err)
	}
	return nil
}

// Close closes the file.
func (m *SignedMark) Close() error { return m.f.Close() }

// lostBy says what a store restored to `restored` lost of the mark ("" when nothing).
func (r MarkRecord) lostBy(restored MarkRecord) string {
	var lost []string
	if restored.Signed < r.Signed {
		lost = append(lost, fmt.Sprintf("it persisted consensus records up to seq %d, the store holds them up to %d", r.Signed, restored.Signed))
	}
	if restored.Executed < r.Executed {
		lost = append(lost, fmt.Sprintf("it executed and answered clients up to seq %d, the store holds execution up to %d", r.Executed, restored.Executed))
	}
	if restored.View < r.View {
		lost = append(lost, fmt.Sprintf("it was in view %d, the store holds view %d", r.View, restored.View))
	}
	return strings.Join(lost, "; ")
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
