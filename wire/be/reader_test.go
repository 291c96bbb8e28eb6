package be

import (
	"bytes"
	"errors"
	"testing"
)

var errTest = errors.New("malformed test frame")

func TestReaderRoundTrip(t *testing.T) {
	b := AppendU64(AppendU32(AppendU16([]byte{7}, 0x1234), 0xdeadbeef), 1<<60)
	b = AppendLenBytes8(b, []byte("sig"))
	b = AppendLenBytes32(b, []byte("payload"))
	b = append(b, bytes.Repeat([]byte{9}, 32)...)
	r := NewReader(b, errTest)
	if r.U8() != 7 || r.U16() != 0x1234 || r.U32() != 0xdeadbeef || r.U64() != 1<<60 {
		t.Fatal("integers do not round-trip")
	}
	if string(r.LenBytes8(8)) != "sig" || string(r.BytesCopy(int(r.U32()))) != "payload" {
		t.Fatal("byte fields do not round-trip")
	}
	if h := r.Hash32(); h[31] != 9 {
		t.Fatal("hash does not round-trip")
	}
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
}

func TestReaderSticky(t *testing.T) {
	r := NewReader([]byte{1, 2, 3}, errTest)
	if r.U32() != 0 || !errors.Is(r.Err(), ErrTruncated) || !errors.Is(r.Err(), errTest) {
		t.Fatalf("short read: %v", r.Err())
	}
	first := r.Err()
	if r.U8() != 0 || r.Err() != first {
		t.Fatal("error is not sticky")
	}
	if r.BytesCopy(1<<40) != nil || r.Bytes(-1) != nil {
		t.Fatal("reads after a failure return data")
	}
}

func TestReaderBounds(t *testing.T) {
	r := NewReader([]byte{200, 1, 2}, errTest)
	if r.LenBytes8(100) != nil || !errors.Is(r.Err(), errTest) {
		t.Fatal("a length over its limit was read")
	}
	r = NewReader([]byte{1, 2}, errTest)
	r.U8()
	if err := r.Done(); !errors.Is(err, ErrTrailing) {
		t.Fatalf("trailing bytes: %v", err)
	}
	// A huge length is refused before anything is allocated.
	r = NewReader([]byte{0xff, 0xff, 0xff, 0xff}, errTest)
	if r.BytesCopy(int(r.U32())) != nil || !errors.Is(r.Err(), ErrTruncated) {
		t.Fatal("a lying length was honoured")
	}
	if NewReader(nil, errTest).BytesCopy(0) != nil {
		t.Fatal("an empty field is not nil")
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b, errTest)
		for r.Err() == nil && r.Left() > 0 {
			switch r.U8() % 5 {
			case 0:
				r.U16()
			case 1:
				r.U32()
			case 2:
				r.BytesCopy(int(r.U32()))
			case 3:
				r.LenBytes8(16)
			case 4:
				r.Hash32()
			}
		}
	})
}
