package replica

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sbftnet/sbft/chain"
)

// The mark survives reopening, never goes down, keeps the previous record when the newest slot is torn, and
// reads the text mark of earlier versions.
func TestSignedMarkRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), SignedMarkFile)
	m, err := OpenSignedMark(path)
	if err != nil || m.Record() != (MarkRecord{}) {
		t.Fatalf("new mark: %+v %v", m, err)
	}
	for _, r := range []MarkRecord{{View: 1, Signed: 5}, {Executed: 4}, {View: 0, Signed: 3, Executed: 2}} {
		if err := m.Advance(r); err != nil {
			t.Fatal(err)
		}
	}
	want := MarkRecord{View: 1, Signed: 5, Executed: 4}
	m.Close()
	if m, err = OpenSignedMark(path); err != nil || m.Record() != want {
		t.Fatalf("reopened: %+v %v, want %+v", m.Record(), err, want)
	}
	m.Advance(MarkRecord{Signed: 9})
	m.Close()
	// Tear the newest slot: the one before it is the mark.
	f, _ := os.OpenFile(path, os.O_RDWR, 0)
	f.WriteAt([]byte("torn"), int64(m.counter%2)*markSlotStride+20)
	f.Close()
	if m, err = OpenSignedMark(path); err != nil || m.Record() != want {
		t.Fatalf("after a torn write: %+v %v, want %+v", m.Record(), err, want)
	}
	m.Close()
	os.WriteFile(path, []byte("view 2 seq 150\n"), 0o644)
	if m, err = OpenSignedMark(path); err != nil || m.Record() != (MarkRecord{View: 2, Signed: 150, Executed: 150}) {
		t.Fatalf("legacy mark: %+v %v", m.Record(), err)
	}
	m.Close()
	if m, err = OpenSignedMark(path); err != nil || m.Record() != (MarkRecord{View: 2, Signed: 150, Executed: 150}) {
		t.Fatalf("legacy mark reopened: %+v %v", m.Record(), err)
	}
	m.Close()
}

func TestMarkLostBy(t *testing.T) {
	mark := MarkRecord{View: 3, Signed: 300, Executed: 290}
	for _, tc := range []struct {
		restored MarkRecord
		lost     bool
	}{
		{MarkRecord{View: 3, Signed: 300, Executed: 290}, false},
		{MarkRecord{View: 4, Signed: 450, Executed: 450}, false},
		{MarkRecord{View: 3, Signed: 299, Executed: 290}, true},
		{MarkRecord{View: 3, Signed: 300, Executed: 289}, true},
		{MarkRecord{View: 2, Signed: 300, Executed: 290}, true},
	} {
		if why := mark.lostBy(tc.restored); (why != "") != tc.lost {
			t.Errorf("restored %+v: %q, want lost %v", tc.restored, why, tc.lost)
		}
	}
}

// A replica whose store lost what it signed refuses to start, and starts when told to recover.
func TestRolledBackStoreIsRefused(t *testing.T) {
	if err := checkRollbackRefused(t); err != nil {
		t.Fatal(err)
	}
}

// checkRollbackRefused runs a primary that proposes and persists a batch, then opens it again on a store that
// lost that write (as after a truncated write-ahead log); nil when the replica refuses to start, naming what
// was lost, and starts with Recover. The mutants build plants a mark that advances only at checkpoints and
// expects this to catch it.
func checkRollbackRefused(t *testing.T) error {
	mark, err := OpenSignedMark(filepath.Join(t.TempDir(), SignedMarkFile))
	if err != nil {
		t.Fatal(err)
	}
	defer mark.Close()
	d, err := openTestDriver(t, 0, chain.NewMemStore(), mark, false) // replica 0: the primary of view 0
	if err != nil {
		t.Fatal(err)
	}
	seed := sha256.Sum256([]byte("client"))
	raw := signedPut(ed25519.NewKeyFromSeed(seed[:]), 1)
	tx, _ := chain.UnmarshalTx(raw)
	d.Submit(Intake{Tx: tx, Raw: raw, Hash: chain.TxHash(raw), Waiter: &recordingWaiter{}})
	for i := 0; i < 100 && d.core.Status().LastProposed == 0; i++ {
		d.Tick()
		if _, err := d.Process(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := openTestDriver(t, 0, chain.NewMemStore(), mark, false); !errors.Is(err, ErrRolledBack) {
		return fmt.Errorf("a store that lost the proposal it signed (mark %+v): %v, want ErrRolledBack", mark.Record(), err)
	}
	if _, err := openTestDriver(t, 0, chain.NewMemStore(), mark, true); err != nil {
		return fmt.Errorf("told to recover: %v", err)
	}
	return nil
}
