package p2p

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Errors of the p2p layer.
var (
	ErrFrameTooLarge = errors.New("frame too large")
	ErrQueueFull     = errors.New("send queue full")
	ErrClosed        = errors.New("closed")
	ErrNotAllowed    = errors.New("peer not allowed")
	ErrConfig        = errors.New("invalid p2p config")
	// ErrRemote wraps an error the remote request handler reported.
	ErrRemote = errors.New("remote error")
)

// ReadFrame reads one frame (a uvarint length, then that many bytes), refusing before allocating one longer
// than max. A clean end of stream before the first byte is io.EOF; a frame cut short is io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
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
	if max < 0 || n > uint64(max) {
		return nil, fmt.Errorf("%w: %d bytes, cap %d", ErrFrameTooLarge, n, max)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read frame of %d bytes: %w", n, err)
	}
	return b, nil
}

// WriteFrame writes b as one frame. Callers that write many frames should pass a buffered writer.
func WriteFrame(w io.Writer, b []byte) error {
	var hdr [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(hdr[:], uint64(len(b)))
	if _, err := w.Write(hdr[:n]); err != nil {
		return fmt.Errorf("write frame length: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write frame of %d bytes: %w", len(b), err)
	}
	return nil
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
