package p2p

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Framing errors.
var (
	ErrFrameTooLarge = errors.New("frame too large")
	ErrQueueFull     = errors.New("send queue full")
	ErrClosed        = errors.New("closed")
	ErrNotAllowed    = errors.New("peer not allowed")
)

// FrameTooLargeError is ReadFrame's refusal of a frame longer than its cap (errors.Is ErrFrameTooLarge). The
// frame's payload was not read: a session may skip it (Session.Skip) and go on.
type FrameTooLargeError struct {
	Size uint64 // announced
	Max  int
}

func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("%v: %d bytes, cap %d", ErrFrameTooLarge, e.Size, e.Max)
}

// Is makes errors.Is(err, ErrFrameTooLarge) hold.
func (e *FrameTooLargeError) Is(target error) bool { return target == ErrFrameTooLarge }

// ReadFrame reads one uvarint-length-prefixed frame, refusing one longer than limit. The announced length is not
// trusted with memory: a frame beyond FrameChunkBytes is read in growing chunks until half of it arrived, and only
// then into one buffer of its length, so a peer that announces a large frame and sends little of it holds at most
// about three times what it sent, and at most half a frame is copied.
func ReadFrame(r io.Reader, limit int) ([]byte, error) {
	br, ok := r.(io.ByteReader)
	if !ok {
		br = &byteReader{r: r}
	}
	n, err := binary.ReadUvarint(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("read frame length: %w", err)
	}
	if n > uint64(limit) {
		return nil, &FrameTooLargeError{Size: n, Max: limit}
	}
	size := int(n)
	if size <= FrameChunkBytes {
		b := make([]byte, size)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("read frame of %d bytes: %w", size, err)
		}
		return b, nil
	}
	var chunks [][]byte
	got := 0
	for got < size/2 {
		c := make([]byte, min(max(got, FrameChunkBytes), size/2-got))
		m, err := io.ReadFull(r, c)
		if got += m; err != nil {
			return nil, fmt.Errorf("read frame of %d bytes (%d arrived): %w", size, got, err)
		}
		chunks = append(chunks, c)
	}
	b := make([]byte, size)
	off := 0
	for _, c := range chunks {
		off += copy(b[off:], c)
	}
	if m, err := io.ReadFull(r, b[off:]); err != nil {
		return nil, fmt.Errorf("read frame of %d bytes (%d arrived): %w", size, off+m, err)
	}
	return b, nil
}

// WriteFrame writes b as one frame.
func WriteFrame(w io.Writer, b []byte) error {
	var hdr [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(hdr[:], uint64(len(b)))
	if _, err := w.Write(hdr[:n]); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

// byteReader reads the length prefix one byte at a time so no payload byte is consumed ahead.
type byteReader struct {
	r   io.Reader
	buf [1]byte
}

func (b *byteReader) ReadByte() (byte, error) {
	if _, err := io.ReadFull(b.r, b.buf[:]); err != nil {
		return 0, err
	}
	return b.buf[0], nil
}
