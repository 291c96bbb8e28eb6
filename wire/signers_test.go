package wire

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// firstReplicas is the set of replicas 0..k-1; allReplicas every replica a network may have (the longest
// encoding).
func firstReplicas(k int) consensus.ReplicaSet {
	var s consensus.ReplicaSet
	for id := range consensus.ReplicaID(k) {
		s.Add(id)
	}
	return s
}

func allReplicas() consensus.ReplicaSet { return firstReplicas(consensus.ReplicasMax) }

func TestSignersRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  consensus.ReplicaSet
		want []byte // the encoding; nil: only its length is checked
	}{
		{"1 member", firstReplicas(1), []byte{1, 0x01}},
		{"replicas 0, 1 and 3", consensus.ReplicaSetOf(0, 1, 3), []byte{1, 0x0b}},
		{"replica 8 alone", consensus.ReplicaSetOf(8), []byte{2, 0x00, 0x01}},
		{"64 members", firstReplicas(64), slices.Concat([]byte{8}, bytes.Repeat([]byte{0xff}, 8))},
		{"65 members", firstReplicas(65), slices.Concat([]byte{9}, bytes.Repeat([]byte{0xff}, 8), []byte{0x01})},
		{"200 members", firstReplicas(200), slices.Concat([]byte{25}, bytes.Repeat([]byte{0xff}, 25))},
		{"256 members", allReplicas(), slices.Concat([]byte{32}, bytes.Repeat([]byte{0xff}, 32))},
		{"replica 255 alone", consensus.ReplicaSetOf(255), slices.Concat([]byte{32}, make([]byte, 31), []byte{0x80})},
		{"scattered", consensus.ReplicaSetOf(7, 63, 64, 130, 201), nil},
	} {
		enc := AppendSigners([]byte{0xee}, tc.set)[1:] // appends after what is there
		if tc.want != nil && !bytes.Equal(enc, tc.want) {
			t.Errorf("%s: encoded %x, want %x", tc.name, enc, tc.want)
		}
		if len(enc) != SignersBytes(tc.set) || len(enc) < SignersBytesMin || len(enc) > SignersBytesMax {
			t.Errorf("%s: %d bytes, SignersBytes %d", tc.name, len(enc), SignersBytes(tc.set))
		}
		r := be.NewReader(enc, ErrMalformedMessage)
		if got := ReadSigners(r); r.Done() != nil || got != tc.set {
			t.Errorf("%s: decoded %v (%v), want %v", tc.name, got, r.Err(), tc.set)
		}
	}
}

func TestSignersRefusesMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"no length", nil},
		{"length 0 (the empty set)", AppendSigners(nil, consensus.ReplicaSet{})},
		{"length 33", slices.Concat([]byte{33}, bytes.Repeat([]byte{0xff}, 33))},
		{"length 255", slices.Concat([]byte{255}, bytes.Repeat([]byte{0xff}, 255))},
		{"a trailing zero byte", []byte{2, 0x0b, 0x00}},
		{"only a zero byte", []byte{1, 0x00}},
		{"truncated", []byte{3, 0xff, 0x01}},
	} {
		r := be.NewReader(tc.b, ErrMalformedMessage)
		got := ReadSigners(r)
		err := r.Err()
		if err == nil || !errors.Is(err, ErrMalformedMessage) || !errors.Is(err, ErrMalformed) || !got.IsEmpty() {
			t.Errorf("%s: %v, %v", tc.name, got, err)
		}
	}
}

// FuzzReadSigners: any bytes either fail as malformed or decode to a set that encodes to exactly the bytes read.
func FuzzReadSigners(f *testing.F) {
	for _, s := range []consensus.ReplicaSet{firstReplicas(1), consensus.ReplicaSetOf(3, 64, 255), allReplicas()} {
		f.Add(AppendSigners(nil, s))
	}
	f.Add([]byte{2, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := be.NewReader(b, ErrMalformedMessage)
		s := ReadSigners(r)
		if err := r.Err(); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		read := len(b) - r.Left()
		if enc := AppendSigners(nil, s); !bytes.Equal(enc, b[:read]) {
			t.Fatalf("%x decoded to %v, which encodes to %x", b[:read], s, enc)
		}
	})
}
