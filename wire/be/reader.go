package be

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is the base of a Reader's errors when the codec names none.
var ErrMalformed = errors.New("malformed input")

// ErrTruncated is wrapped in a Reader's error when a read wants more bytes than are left.
var ErrTruncated = errors.New("truncated")

// ErrTrailing is wrapped in a Reader's error when Done finds bytes left over.
var ErrTrailing = errors.New("trailing bytes")

// Reader reads big-endian fields from a byte slice with a sticky error.
type Reader struct {
	b    []byte
	base error // the codec's sentinel, wrapped in every error
	err  error
}

// NewReader reads b; every error it reports wraps base (the codec's sentinel, e.g. chain.ErrMalformedTx).
func NewReader(b []byte, base error) *Reader {
	if base == nil {
		base = ErrMalformed
	}
	return &Reader{b: b, base: base}
}

// Err is the first failure, or nil.
func (r *Reader) Err() error { return r.err }

// Left is how many bytes are not read yet.
func (r *Reader) Left() int { return len(r.b) }

// Failf records a failure of the codec's own (a bad flag, a length over its limit) unless one is recorded.
func (r *Reader) Failf(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", r.base, fmt.Sprintf(format, args...))
	}
}

// Done fails the reader if bytes are left over and returns its error: the end of a strict decode.
func (r *Reader) Done() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %w (%d)", r.base, ErrTrailing, len(r.b))
	}
	return r.err
}

// Bytes returns the next n bytes, aliasing the input (nil after a failure).
func (r *Reader) Bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("%w: %w (%d bytes wanted, %d left)", r.base, ErrTruncated, n, len(r.b))
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

// BytesCopy returns the next n bytes in a fresh slice (nil for n == 0), so the result does not alias the
// input buffer. It allocates only once n is known to be there.
func (r *Reader) BytesCopy(n int) []byte {
	return append([]byte(nil), r.Bytes(n)...)
}

// LenBytes8 reads a 1-byte length and that many bytes (copied); a length over max fails the reader.
func (r *Reader) LenBytes8(max int) []byte {
	n := int(r.U8())
	if r.err == nil && n > max {
		r.Failf("field of %d bytes exceeds %d", n, max)
	}
	return r.BytesCopy(n)
}

// U8 reads one byte.
func (r *Reader) U8() uint8 {
	if b := r.Bytes(1); b != nil {
		return b[0]
	}
	return 0
}

// U16 reads a big-endian uint16.
func (r *Reader) U16() uint16 {
	if b := r.Bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

// U32 reads a big-endian uint32.
func (r *Reader) U32() uint32 {
	if b := r.Bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// U64 reads a big-endian uint64.
func (r *Reader) U64() uint64 {
	if b := r.Bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// Hash32 reads a 32-byte hash (zero after a failure).
func (r *Reader) Hash32() (h [32]byte) {
	copy(h[:], r.Bytes(32))
	return h
}
