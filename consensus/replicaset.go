package consensus

import (
	"fmt"
	"iter"
	"math/bits"
	"strconv"
	"strings"
)

// ReplicaSet is a set of replicas by index: the signers of a certificate, the replicas that complained about a
// view, those whose checkpoints differed. It is a value of ReplicasMax bits (replica i is bit i%64 of word
// i/64), so a certificate copies and compares it like its other fields and the core allocates nothing for it.
// The zero value is the empty set.
type ReplicaSet [ReplicasMax / 64]uint64

// ReplicaSetOf is the set of ids; it panics on an id a set cannot hold (Add).
func ReplicaSetOf(ids ...ReplicaID) ReplicaSet {
	var s ReplicaSet
	for _, id := range ids {
		s.Add(id)
	}
	return s
}

// Add puts replica id in s. An id at or above ReplicasMax is no replica (Config.Validate bounds n, the
// decoders bound every index), so it panics rather than lose a member.
func (s *ReplicaSet) Add(id ReplicaID) {
	if id >= ReplicasMax {
		panic(fmt.Sprintf("consensus: replica %d in a set of at most %d", id, ReplicasMax))
	}
	s[id/64] |= 1 << (id % 64)
}

// Has reports whether replica id is in s.
func (s ReplicaSet) Has(id ReplicaID) bool {
	return id < ReplicasMax && s[id/64]&(1<<(id%64)) != 0
}

// Count is the number of replicas in s.
func (s ReplicaSet) Count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// IsEmpty reports whether s has no member.
func (s ReplicaSet) IsEmpty() bool { return s == ReplicaSet{} }

// Beyond reports whether s holds a replica at or above n: a set that names a replica a network of n does not
// have.
func (s ReplicaSet) Beyond(n int) bool {
	if n <= 0 {
		return !s.IsEmpty()
	}
	if n >= ReplicasMax {
		return false
	}
	w := n / 64
	if s[w]>>(n%64) != 0 {
		return true
	}
	for _, rest := range s[w+1:] {
		if rest != 0 {
			return true
		}
	}
	return false
}

// Union is the replicas in s or in o.
func (s ReplicaSet) Union(o ReplicaSet) ReplicaSet {
	for i := range s {
		s[i] |= o[i]
	}
	return s
}

// Members yields the replicas of s in ascending order.
func (s ReplicaSet) Members() iter.Seq[ReplicaID] {
	return func(yield func(ReplicaID) bool) {
		for i, w := range s {
			for ; w != 0; w &= w - 1 {
				if !yield(ReplicaID(i*64 + bits.TrailingZeros64(w))) {
					return
				}
			}
		}
	}
}

// String lists the members, as {0,1,3}.
func (s ReplicaSet) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for id := range s.Members() {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(id), 10))
	}
	b.WriteByte('}')
	return b.String()
}
