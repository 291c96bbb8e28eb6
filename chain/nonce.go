package chain

import (
	"fmt"
	"slices"

	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/wire/be"
)

// nonceState is a client's replay protection: a nonce n is accepted iff n > Floor and n is not in Recent.
// Accepting adds n to Recent; past NonceWindow entries the smallest is evicted and becomes the Floor. Clients
// use time-based nonces, so separate invocations increase and pipelined ones may arrive slightly reordered.
type nonceState struct {
	Floor  uint64
	Recent []uint64 // sorted ascending, at most NonceWindow
}

func (s *nonceState) clone() *nonceState {
	return &nonceState{Floor: s.Floor, Recent: append([]uint64(nil), s.Recent...)}
}

// stale reports whether n is below the window: never executable, as opposed to a replay of one in Recent.
func (s *nonceState) stale(n uint64) bool { return n <= s.Floor && !mutant.On(mutant.NonceReplay) }

func (s *nonceState) accepts(n uint64) bool {
	if n <= s.Floor {
		return false
	}
	_, found := slices.BinarySearch(s.Recent, n)
	return !found || mutant.On(mutant.NonceReplay)
}

func (s *nonceState) accept(n uint64) {
	assert(s.accepts(n), "accepting nonce %d twice", n)
	pos, found := slices.BinarySearch(s.Recent, n)
	if found {
		return // only with a planted bug: accepts let a replay through
	}
	s.Recent = slices.Insert(s.Recent, pos, n)
	if len(s.Recent) > NonceWindow {
		s.Floor = s.Recent[0]
		s.Recent = slices.Delete(s.Recent, 0, 1)
	}
}

// Encoding: floor(8) count(1) recent(8 each).
func (s *nonceState) marshal() []byte {
	b := be.AppendU64(make([]byte, 0, 9+8*len(s.Recent)), s.Floor)
	b = append(b, byte(len(s.Recent)))
	for _, n := range s.Recent {
		b = be.AppendU64(b, n)
	}
	return b
}

func unmarshalNonceState(b []byte) (*nonceState, error) {
	if len(b) < 9 || int(b[8]) > NonceWindow || len(b) != 9+8*int(b[8]) {
		return nil, fmt.Errorf("nonce state of %d bytes", len(b))
	}
	r := be.NewReader(b, ErrMalformedRecord)
	s := &nonceState{Floor: r.U64(), Recent: make([]uint64, r.U8())}
	for i := range s.Recent {
		s.Recent[i] = r.U64()
	}
	return s, r.Done()
}
