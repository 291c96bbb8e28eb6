package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// signedMark is a small file in the data directory that records how far this replica has signed: the view and
// the last checkpoint it signed, written with fsync each time it signs a new checkpoint. It is independent of
// the store's write-ahead log, so a store restored below it lost synced writes (a truncated log, a disk that
// lied about a flush): the replica may have forgotten votes it sent, and the operator must hear of it.
type signedMark struct{ path string }

// markRecord is what the mark holds.
type markRecord struct{ View, Seq uint64 }

func (m signedMark) load() (markRecord, bool, error) {
	b, err := os.ReadFile(m.path)
	if errors.Is(err, os.ErrNotExist) {
		return markRecord{}, false, nil
	}
	if err != nil {
		return markRecord{}, false, fmt.Errorf("read %s: %w", m.path, err)
	}
	var r markRecord
	if _, err := fmt.Sscanf(string(b), "view %d seq %d\n", &r.View, &r.Seq); err != nil {
		return markRecord{}, false, fmt.Errorf("%s: %w", m.path, err)
	}
	return r, true, nil
}

// save replaces the mark durably: a new file, synced, renamed over the old one, and the directory synced.
func (m signedMark) save(r markRecord) error {
	tmp := m.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "view %d seq %d\n", r.View, r.Seq)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, m.path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", m.path, err)
	}
	d, err := os.Open(filepath.Dir(m.path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// rolledBack says how the restored state falls short of the mark ("" when it does not).
func (r markRecord) rolledBack(view, lastExecuted uint64) string {
	switch {
	case lastExecuted < r.Seq:
		return fmt.Sprintf("it signed checkpoint %d, the store holds execution up to %d", r.Seq, lastExecuted)
	case view < r.View:
		return fmt.Sprintf("it was in view %d, the store holds view %d", r.View, view)
	}
	return ""
}
